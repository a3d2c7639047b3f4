// Tenants stay apart, attacked the way a key bound to one namespace would: subflows into another
// namespace or into scripts, another namespace's secrets, secret markers smuggled in as data,
// and every read path (tools, prompts, resources) of another namespace. Real MCP SDK clients
// over Streamable HTTP with API keys, a real worker on the dev server, a real store.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { secretMarker } from '../../src/core/expressions/cel-environment.js';
import { FlowService } from '../../src/services/flow-service.js';
import { loadSecretKey } from '../../src/services/secrets/secret-key.js';
import type { SecretSource } from '../../src/services/secrets/secret-source.js';
import { SecretStore } from '../../src/services/secrets/secret-store.js';
import { ApiKeyService } from '../../src/services/security/api-keys.js';
import { type AuditEntry, AuditLog } from '../../src/services/security/audit-log.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { type HttpMcpServer, startHttpMcp, structured, textOf } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

/** Sends the secrets it reads and the input `v` to the test's server, which records what arrived. */
const secretReader = (base: string) => `
id: reader
namespace: team-a
inputs:
  - { id: v, type: string, default: "" }
tasks:
  - id: call
    type: http
    method: POST
    url: "${base}/echo"
    headers: { X-Run: "{{ run.id }}", X-A: "{{ secret('TOKEN') }}", X-G: "{{ secret('SHARED') }}" }
    json: { v: "{{ inputs.v }}" }
`;

const FLOWS = [
  'id: target\nnamespace: team-b\ninputs:\n  - { id: note, type: string, default: "b-private-note" }\ntasks:\n  - { id: say, type: log, level: warn, message: "b-private-log {{ inputs.note }}" }\n',
  'id: calls-b\nnamespace: team-a\ntasks:\n  - { id: sub, type: subflow, flow: team-b/target }\n',
  'id: scripted\nnamespace: team-a\ntasks:\n  - { id: s, type: script, language: bash, script: "echo child ran" }\n',
  'id: calls-script\nnamespace: team-a\ntasks:\n  - { id: sub, type: subflow, flow: team-a/scripted }\n',
  'id: calls-deep\nnamespace: team-a\ntasks:\n  - { id: wrap, type: sequence, tasks: [ { id: sub, type: subflow, flow: team-a/calls-script } ] }\n',
  'id: calls-later\nnamespace: team-a\ntasks:\n  - { id: pause, type: sleep, duration: 3s }\n  - { id: sub, type: subflow, flow: team-a/later }\n',
  'id: plain\nnamespace: team-a\ntasks:\n  - { id: say, type: log, message: "a-log" }\n',
];

/** The refusal records of a prompt or resource read (`prompt:debug_run`, `resource:weft://runs`, …). */
function refusedReads(env: TestEnv, tool: string): Promise<AuditEntry[]> {
  return waitFor(
    `audit records of ${tool}`,
    async () => {
      const { entries } = await new AuditLog(env.store).query({ tool });
      return entries.length > 0 ? entries : undefined;
    },
    5000,
    20,
  );
}

function auditEntries(env: TestEnv, flow: string, ready: (entries: AuditEntry[]) => boolean): Promise<AuditEntry[]> {
  return waitFor(
    `audit records of run_flow ${flow}`,
    async () => {
      const { entries } = await new AuditLog(env.store).query({ tool: 'run_flow' });
      const mine = entries.filter((e) => (e.arguments as { flow?: string } | null)?.flow === flow);
      return ready(mine) ? mine : undefined;
    },
    5000,
    20,
  );
}

describe('tenants stay apart', () => {
  let env: TestEnv;
  let mcp: HttpMcpServer;
  let secrets: SecretStore | undefined;
  let teamA: Client;
  let admin: Client;
  let teamBRun: string;
  let http: TestHttpServer;
  // The worker reads the test's store through this, once the store exists.
  const source: SecretSource = { get: (name, namespace) => secrets?.get(name, namespace) };

  before(async () => {
    env = await createTestEnv({ secrets: source });
    secrets = new SecretStore(env.store, await loadSecretKey(env.dataDir));
    await secrets.set('TOKEN', 'token-of-team-a', 'team-a');
    await secrets.set('TOKEN', 'token-of-team-b', 'team-b');
    await secrets.set('ONLY_B', 'only-team-b-value', 'team-b');
    await secrets.set('SHARED', 'shared-global-value');
    http = await startHttpServer();
    http.route('/echo', (_req, res) => json(res, 200, { ok: true }));
    const flows = new FlowService(env.store);
    const reader = secretReader(http.url);
    for (const flow of [...FLOWS, reader, reader.replace('id: reader', 'id: steals').replace("secret('TOKEN')", "secret('ONLY_B')")]) await flows.save(flow);
    const keys = new ApiKeyService(env.store);
    const teamAToken = (await keys.create({ scope: 'run', name: 'team-a', namespace: 'team-a' })).token;
    const adminToken = (await keys.create({ scope: 'admin', name: 'admin' })).token;
    mcp = await startHttpMcp(env, ['--auth']);
    teamA = await mcp.connect({}, teamAToken);
    admin = await mcp.connect({}, adminToken);
    const run = structured<{ runId: string; state: string }>(await admin.callTool({ name: 'run_flow', arguments: { flow: 'team-b/target', waitSeconds: 20 } }));
    assert.equal(run.state, 'COMPLETED');
    teamBRun = run.runId;
  });
  after(async () => {
    await mcp?.stop();
    await env?.close();
    await http?.close();
  });

  /** What the reader flow of run `runId` sent: its secret headers and the input `v`. */
  function sent(runId: string): { a?: string; g?: string; v?: string } {
    const request = http.requests.find((r) => r.headers['x-run'] === runId);
    assert.ok(request, `run ${runId} sent its request`);
    return { a: request.headers['x-a'] as string, g: request.headers['x-g'] as string, v: (JSON.parse(request.body) as { v: string }).v };
  }

  async function runsOf(flow: string): Promise<string[]> {
    const page = structured<{ runs: { runId: string }[] }>(await admin.callTool({ name: 'list_runs', arguments: { flow } }));
    return page.runs.map((r) => r.runId);
  }

  describe('subflows keep the rights of whoever started the run', () => {
    it('refuses a run whose subflow is in another namespace, before anything starts, and audits it', async () => {
      const before = await runsOf('team-b/target');
      const refused = (await teamA.callTool({ name: 'run_flow', arguments: { flow: 'team-a/calls-b', waitSeconds: 5 } })) as CallToolResult;
      assert.equal(refused.isError, true);
      assert.match(textOf(refused), /SUBFLOW_NOT_ALLOWED/);
      assert.match(textOf(refused), /subflow team-b\/target is not allowed for key:weft_[\w-]+, who started this run: it is in namespace team-b/);
      assert.doesNotMatch(/hint: (.*)$/m.exec(textOf(refused))?.[1] ?? '', /team-b/, 'the hint does not point at the forbidden namespace');
      assert.deepEqual(await runsOf('team-a/calls-b'), [], 'the parent never started');
      assert.deepEqual(await runsOf('team-b/target'), before, 'no run of team-b started');
      const [audited] = await auditEntries(env, 'team-a/calls-b', (found) => found.length > 0);
      assert.equal(audited?.outcome, 'error');
      assert.equal(audited?.errorCode, 'SUBFLOW_NOT_ALLOWED');
    });

    it('refuses a script reached through subflows at any depth for a key without script rights', async () => {
      const refused = (await teamA.callTool({ name: 'run_flow', arguments: { flow: 'team-a/calls-deep' } })) as CallToolResult;
      assert.equal(refused.isError, true);
      assert.match(textOf(refused), /subflow team-a\/scripted is not allowed .*tasks\[0\] is a script task/);
      assert.deepEqual(await runsOf('team-a/scripted'), [], 'the script never ran');
      const [audited] = await auditEntries(env, 'team-a/calls-deep', (found) => found.length > 0);
      assert.equal(audited?.errorCode, 'SUBFLOW_NOT_ALLOWED');
      // An admin key may: the same tree runs, script and all.
      const allowed = structured<{ state: string }>(await admin.callTool({ name: 'run_flow', arguments: { flow: 'team-a/calls-deep', waitSeconds: 30 } }));
      assert.equal(allowed.state, 'COMPLETED', JSON.stringify(allowed));
    });

    it('checks each child again when it starts: a subflow changed after the run began is refused', async () => {
      const started = structured<{ runId: string }>(await teamA.callTool({ name: 'run_flow', arguments: { flow: 'team-a/calls-later' } }));
      // Saved after the start-time check passed (the flow did not exist yet), before the child starts.
      await new FlowService(env.store).save(
        'id: later\nnamespace: team-a\ntasks:\n  - { id: s, type: script, language: bash, script: "echo should not run" }\n',
      );
      const run = structured<{ state: string; error?: { type: string; message: string } }>(
        await teamA.callTool({ name: 'get_run', arguments: { runId: started.runId, waitSeconds: 30 } }),
      );
      assert.equal(run.state, 'FAILED');
      assert.equal(run.error?.type, 'SubflowNotAllowedError');
      assert.match(run.error?.message ?? '', /subflow team-a\/later is not allowed .*script task/);
      assert.deepEqual(await runsOf('team-a/later'), [], 'the child never started');
    });
  });

  describe('secrets belong to a namespace', () => {
    it("resolves a flow's own namespace's secret and the global ones", async () => {
      const run = structured<{ runId: string; state: string }>(
        await teamA.callTool({ name: 'run_flow', arguments: { flow: 'team-a/reader', waitSeconds: 30 } }),
      );
      assert.equal(run.state, 'COMPLETED', JSON.stringify(run));
      assert.equal(sent(run.runId).a, 'token-of-team-a', "team-a's own TOKEN, not team-b's");
      assert.equal(sent(run.runId).g, 'shared-global-value');
    });

    it("refuses another namespace's secret, saying which namespace and how to set it", async () => {
      const run = structured<{ runId: string; state: string; error?: { type: string; message: string } }>(
        await teamA.callTool({ name: 'run_flow', arguments: { flow: 'team-a/steals', waitSeconds: 30 } }),
      );
      assert.ok(!http.requests.some((r) => r.headers['x-run'] === run.runId), 'nothing was sent');
      assert.equal(run.state, 'FAILED');
      assert.equal(run.error?.type, 'SecretNotFound');
      assert.match(run.error?.message ?? '', /secret ONLY_B is not defined for namespace team-a: set it with `weft secret set ONLY_B --namespace team-a`/);
      assert.ok(!JSON.stringify(run).includes('only-team-b-value'));
    });
  });

  describe('secret markers in data are plain text', () => {
    async function readerWith(v: string): Promise<{ a?: string; g?: string; v?: string }> {
      const run = structured<{ runId: string; state: string }>(
        await teamA.callTool({ name: 'run_flow', arguments: { flow: 'team-a/reader', inputs: { v }, waitSeconds: 30 } }),
      );
      assert.equal(run.state, 'COMPLETED', JSON.stringify(run));
      return sent(run.runId);
    }

    it('sends a marker that came in as a run input as the text it is, in the old and the new form', async () => {
      for (const smuggled of [secretMarker('SHARED'), secretMarker('SHARED', 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4'), `x ${secretMarker('TOKEN')} y`]) {
        const outputs = await readerWith(smuggled);
        assert.equal(outputs.v, smuggled, 'the input was sent unresolved');
        assert.equal(outputs.g, 'shared-global-value', "the flow's own secret() still resolved in the same request");
      }
    });

    it('does not resolve a real marker of another run either', async () => {
      const first = structured<{ runId: string }>(await teamA.callTool({ name: 'run_flow', arguments: { flow: 'team-a/reader', waitSeconds: 30 } }));
      const { events } = await env.client.workflow.getHandle(first.runId).fetchHistory();
      const inputs = (events ?? [])
        .flatMap((e) => e.activityTaskScheduledEventAttributes?.input?.payloads ?? [])
        .map((p) => Buffer.from(p.data ?? []).toString('utf8'))
        .join('\n');
      const seen = /\u27e6weft-secret:SHARED@([A-Za-z0-9]+)\u27e7/.exec(inputs);
      const nonce = seen?.[1];
      assert.ok(nonce, 'the first run carried a marker with its nonce');
      const replayed = secretMarker('SHARED', nonce);
      const outputs = await readerWith(replayed);
      assert.equal(outputs.v, replayed);
    });
  });

  describe('every read path checks the namespace', () => {
    it("refuses get_flow of another namespace's flow, whether it exists or not", async () => {
      for (const flow of ['team-b/target', 'team-b/no-such-flow']) {
        const refused = (await teamA.callTool({ name: 'get_flow', arguments: { flow } })) as CallToolResult;
        assert.equal(refused.isError, true);
        assert.match(textOf(refused), /ACCESS_DENIED/);
        assert.match(textOf(refused), new RegExp(`flow ${flow} is outside this API key's namespace`));
        assert.doesNotMatch(textOf(refused), /b-private/);
      }
      const own = structured<{ yaml: string }>(await teamA.callTool({ name: 'get_flow', arguments: { flow: 'team-a/plain' } }));
      assert.match(own.yaml, /a-log/);
    });

    it("refuses the debug_run and summarize_run prompts for another namespace's run", async () => {
      for (const name of ['debug_run', 'summarize_run']) {
        await assert.rejects(teamA.getPrompt({ name, arguments: { runId: teamBRun } }), (error: Error) => {
          assert.match(error.message, /outside this API key's namespace/);
          assert.doesNotMatch(error.message, /b-private/);
          return true;
        });
      }
      for (const name of ['debug_run', 'summarize_run']) {
        const [audited] = await refusedReads(env, `prompt:${name}`);
        assert.equal(audited?.errorCode, 'ACCESS_DENIED');
        assert.equal(audited?.outcome, 'error');
      }
      const own = structured<{ runId: string }>(await teamA.callTool({ name: 'run_flow', arguments: { flow: 'team-a/plain', waitSeconds: 20 } }));
      const prompt = await teamA.getPrompt({ name: 'debug_run', arguments: { runId: own.runId } });
      assert.match(JSON.stringify(prompt.messages), /team-a\/plain/);
    });

    it('refuses the run, run-logs and flow resources of another namespace', async () => {
      for (const uri of [`weft://runs/${teamBRun}`, `weft://runs/${teamBRun}/logs`, 'weft://flows/team-b/target']) {
        await assert.rejects(teamA.readResource({ uri }), (error: Error) => {
          assert.match(error.message, /outside this API key's namespace/);
          assert.doesNotMatch(error.message, /b-private/);
          return true;
        });
      }
      for (const tool of ['resource:weft://runs', 'resource:weft://runs/logs', 'resource:weft://flows']) {
        const [audited] = await refusedReads(env, tool);
        assert.equal(audited?.errorCode, 'ACCESS_DENIED');
      }
    });

    it('refuses get_run, query_logs and list_runs of another namespace, with hints that name only its own', async () => {
      for (const [name, args] of [
        ['get_run', { runId: teamBRun }],
        ['query_logs', { runId: teamBRun }],
        ['query_logs', { flow: 'team-b/target' }],
        ['list_runs', { namespace: 'team-b' }],
        ['list_flows', { namespace: 'team-b' }],
      ] as const) {
        const refused = (await teamA.callTool({ name, arguments: args })) as CallToolResult;
        assert.equal(refused.isError, true, `${name} ${JSON.stringify(args)}`);
        assert.doesNotMatch(textOf(refused), /b-private/);
        const hint = /hint: (.*)$/m.exec(textOf(refused))?.[1] ?? '';
        assert.doesNotMatch(hint, /team-b/, `${name}: the hint does not suggest the forbidden namespace`);
      }
    });

    it('keeps answering everyone after the attacks', async () => {
      const own = structured<{ state: string }>(await teamA.callTool({ name: 'run_flow', arguments: { flow: 'team-a/plain', waitSeconds: 20 } }));
      assert.equal(own.state, 'COMPLETED');
      const other = structured<{ state: string }>(await admin.callTool({ name: 'get_run', arguments: { runId: teamBRun } }));
      assert.equal(other.state, 'COMPLETED');
    });
  });
});
