// Webhook triggers on a real `weft server` (real Temporal dev server, real HTTP on loopback):
// signatures and tokens, `when`, repeated deliveries, bounded waits, the body bound, and the
// credentials kept out of the run, its history and its logs.

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { FlowService } from '../../src/services/flow-service.js';
import { WEFT_BIN, weftEnv } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const SECRET = `whsec-${randomUUID()}`;
const TOKEN = `tok-${randomUUID()}`;

const hooksFlow = (namespace: string) => `id: hooks
namespace: ${namespace}
inputs:
  - { id: action, type: string }
tasks:
  - { id: said, type: log, message: "action {{ inputs.action }} event {{ run.event }}" }
  - { id: seen, type: set, values: { trigger: "{{ run.trigger }}", event: "{{ run.event }}" } }
outputs:
  action: "{{ inputs.action }}"
  trigger: "{{ outputs.seen.trigger }}"
  event: "{{ outputs.seen.event }}"
triggers:
  - id: signed
    type: webhook
    secret: HOOK_SECRET
    when: "{{ trigger.body.action != 'ignore' }}"
    inputs: { action: "{{ trigger.body.action }}" }
  - id: keyed
    type: webhook
    secret: HOOK_SECRET
    idempotencyKey: "{{ trigger.headers['x-delivery'] }}"
    inputs: { action: "{{ trigger.body.action }}" }
  - id: waited
    type: webhook
    token: HOOK_TOKEN
    wait: 20s
    inputs: { action: "{{ trigger.query.action }}" }
  - id: broken
    type: webhook
    token: HOOK_TOKEN
    inputs: { action: "{{ trigger.body.nothing.here }}" }
  - id: typed
    type: webhook
    token: HOOK_TOKEN
    inputs: { action: "{{ trigger.body.n }}" }
  - id: off
    type: webhook
    token: HOOK_TOKEN
    enabled: false
    inputs: { action: x }
`;

const slowFlow = (namespace: string) => `id: slow
namespace: ${namespace}
tasks:
  - { id: nap, type: sleep, duration: 30s }
triggers:
  - { id: hook, type: webhook, token: HOOK_TOKEN, wait: 1s }
`;

/** A webhook answer: `{ started, runId?, state?, outputs? }` or `{ error }`. */
interface Answer {
  started?: boolean;
  runId?: string;
  state?: string;
  outputs?: { action?: string };
  error?: { code: string; message: string; problems?: Array<{ path: string; message: string }> };
}

/** JSON of a history with every payload's bytes shown as their text, so a credential in one would be seen. */
function payloadsAsText(key: string, value: unknown): unknown {
  if (key === 'data' && typeof value === 'string') return Buffer.from(value, 'base64').toString('utf8');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  const buffer = value as { type?: unknown; data?: unknown } | null;
  if (buffer?.type === 'Buffer' && Array.isArray(buffer.data)) return Buffer.from(buffer.data as number[]).toString('utf8');
  return value;
}

/** The webhook example of docs/flows.md: its flow and its shell lines. */
async function docsExample(): Promise<{ flow: string; shell: string }> {
  const guide = await readFile(join(import.meta.dirname, '..', '..', 'docs', 'flows.md'), 'utf8');
  const section = guide.slice(guide.indexOf('### Webhooks'));
  const flow = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  const shell = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(flow && shell, 'docs/flows.md shows a webhook flow and the request that starts it');
  return { flow, shell };
}

const sign = (body: string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;

describe('webhook triggers on weft server', () => {
  let env: TestEnv;
  let server: ChildProcess;
  let exited: Promise<unknown>;
  let output = '';
  let base = '';
  const namespace = `hooks-${randomUUID().slice(0, 8)}`;

  before(async () => {
    env = await createTestEnv({ startWorker: false });
    const flows = new FlowService(env.store);
    await flows.save(hooksFlow(namespace));
    await flows.save(slowFlow(namespace));
    server = spawn(process.execPath, [WEFT_BIN, 'server', '--mcp-port', '0'], {
      env: weftEnv(env, { WEFT_LOG_LEVEL: 'info', WEFT_SECRET_HOOK_SECRET: SECRET, WEFT_SECRET_HOOK_TOKEN: TOKEN }),
    });
    server.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    server.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    exited = new Promise((resolve) => server.once('exit', resolve));
    const mcpUrl = await waitFor(
      'weft server to be up',
      async () => {
        if (server.exitCode !== null) throw new Error(`weft server exited: ${output}`);
        return /weft server up.*MCP (http:\/\/\S+\/mcp)/.exec(output)?.[1];
      },
      90_000,
      200,
    );
    base = `${new URL(mcpUrl).origin}/hooks/${namespace}`;
  });
  after(async () => {
    if (server && server.exitCode === null) server.kill('SIGTERM');
    await exited;
    await env.close();
  });

  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: res.status, body: (await res.json()) as Answer };
  };
  const runsOf = async (flow: string) => {
    const ids: string[] = [];
    for await (const run of env.client.workflow.list({ query: `WeftFlow = "${namespace}/${flow}"` })) ids.push(run.workflowId);
    return ids;
  };

  it('starts one run on a valid signature and refuses a bad or missing one with 401, starting nothing', { timeout: 60_000 }, async () => {
    const forged = JSON.stringify({ action: 'forged' });
    const bad = await post('hooks/signed', forged, { 'x-weft-signature': `sha256=${'0'.repeat(64)}` });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error?.code, 'WEBHOOK_UNAUTHORIZED');
    const missing = await post('hooks/signed', forged);
    assert.equal(missing.status, 401);

    const body = JSON.stringify({ action: 'opened', n: 1 });
    const good = await post('hooks/signed?x=1', body, { 'x-weft-signature': sign(body), 'x-custom': 'kept' });
    assert.equal(good.status, 202);
    assert.equal(good.body.started, true);
    const runId = good.body.runId as string;
    const result = await env.client.workflow.getHandle(runId).result();
    assert.equal(result.outputs.action, 'opened');
    assert.equal(result.outputs.trigger, 'webhook');
    assert.deepEqual(result.outputs.event.body, { action: 'opened', n: 1 });
    assert.equal(result.outputs.event.id, 'signed');
    assert.equal(result.outputs.event.method, 'POST');
    assert.deepEqual(result.outputs.event.query, { x: '1' });
    assert.equal(result.outputs.event.headers['x-custom'], 'kept');
    assert.equal(result.outputs.event.headers['x-weft-signature'], undefined);

    // The forged deliveries came first: had either started a run, it would be listed beside this one.
    const runs = await waitFor('the run in visibility', async () => {
      const ids = await runsOf('hooks');
      return ids.includes(runId) ? ids : undefined;
    });
    assert.deepEqual(runs, [runId]);

    // The X-Hub-Signature-256 form is accepted too.
    const other = JSON.stringify({ action: 'hub' });
    const hub = await post('hooks/signed', other, { 'x-hub-signature-256': sign(other) });
    assert.equal(hub.status, 202);
  });

  it('attaches a repeated delivery to the first run, by idempotencyKey and by replay digest', { timeout: 60_000 }, async () => {
    const body = JSON.stringify({ action: 'keyed' });
    const headers = { 'x-weft-signature': sign(body), 'x-delivery': randomUUID() };
    const first = await post('hooks/keyed', body, headers);
    const again = await post('hooks/keyed', body, headers);
    assert.equal(first.status, 202);
    assert.equal(first.body.started, true);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, { started: false, runId: first.body.runId });

    const replayed = JSON.stringify({ action: 'replayed', at: randomUUID() });
    const one = await post('hooks/signed', replayed, { 'x-weft-signature': sign(replayed) });
    const two = await post('hooks/signed', replayed, { 'x-weft-signature': sign(replayed) });
    assert.equal(one.body.started, true);
    assert.deepEqual(two.body, { started: false, runId: one.body.runId });
  });

  it('answers 200 and starts nothing when `when` is false', async () => {
    const body = JSON.stringify({ action: 'ignore' });
    const answer = await post('hooks/signed', body, { 'x-weft-signature': sign(body) });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { started: false });
  });

  it('waits for the run and answers its outputs; a wait that expires answers 202 with runId and state', { timeout: 60_000 }, async () => {
    const waited = await post('hooks/waited?action=sync', '{}', { authorization: `Bearer ${TOKEN}` });
    assert.equal(waited.status, 200);
    assert.equal(waited.body.started, true);
    assert.equal(waited.body.state, 'COMPLETED');
    assert.equal(waited.body.outputs?.action, 'sync');

    const wrongToken = await post('hooks/waited?action=sync', '{}', { authorization: 'Bearer nope' });
    assert.equal(wrongToken.status, 401);

    const expired = await post('slow/hook', '{}', { authorization: `Bearer ${TOKEN}` });
    assert.equal(expired.status, 202);
    assert.equal(expired.body.started, true);
    assert.equal(expired.body.state, 'RUNNING');
    await env.client.workflow.getHandle(expired.body.runId as string).terminate('test done');
  });

  it('answers 404, 409, 413 and 422 as the contract says', { timeout: 60_000 }, async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const unknown = await post('hooks/nope', '{}', auth);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error?.code, 'TRIGGER_NOT_FOUND');
    assert.equal((await post('missing/hook', '{}', auth)).status, 404);
    const malformed = await post('hooks/signed/extra', '{}', auth);
    assert.equal(malformed.status, 404);
    assert.equal(malformed.body.error?.code, 'NOT_FOUND');
    const off = await post('hooks/off', '{}', auth);
    assert.equal(off.status, 409);
    assert.equal(off.body.error?.code, 'TRIGGER_DISABLED');
    const broken = await post('hooks/broken', '{}', auth);
    assert.equal(broken.status, 422);
    assert.match(broken.body.error?.message ?? '', /trigger\.body\.nothing\.here/);
    assert.equal(broken.body.error?.problems?.[0]?.path, 'triggers.broken.inputs.action');
    const invalid = await post('hooks/typed', '{"n": 5}', auth);
    assert.equal(invalid.status, 422, 'a number for a string input fails the input check');
    assert.equal(invalid.body.error?.code, 'FLOW_INVALID');
    assert.ok(Array.isArray(invalid.body.error?.problems) && invalid.body.error?.problems?.length > 0);

    const huge = await fetch(`${base}/hooks/signed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(2 * 1024 * 1024) });
    assert.equal(huge.status, 413);
    assert.equal(((await huge.json()) as { error: { code: string } }).error.code, 'BODY_TOO_LARGE');
  });

  it('keeps the signature, token and secret out of the history and the logs of the run', { timeout: 60_000 }, async () => {
    const body = JSON.stringify({ action: 'quiet', nonce: randomUUID() });
    const signature = sign(body);
    const signed = await post('hooks/signed', body, { 'x-weft-signature': signature });
    const tokened = await post('hooks/waited?action=quiet', '{}', { authorization: `Bearer ${TOKEN}` });
    for (const runId of [signed.body.runId as string, tokened.body.runId as string]) {
      const handle = env.client.workflow.getHandle(runId);
      await handle.result();
      const history = JSON.stringify(await handle.fetchHistory(), payloadsAsText);
      assert.ok(history.includes('quiet'), 'the history holds the delivery');
      for (const hidden of [signature, signature.slice(7), TOKEN, SECRET]) assert.ok(!history.includes(hidden), `history of ${runId} holds a credential`);
      const logs = await waitFor('the run log', async () => {
        const entries = await env.logs.read(runId);
        return entries.some((e) => JSON.stringify(e).includes('action quiet')) ? entries : undefined;
      });
      const text = JSON.stringify(logs);
      for (const hidden of [signature, signature.slice(7), TOKEN, SECRET]) assert.ok(!text.includes(hidden), `logs of ${runId} hold a credential`);
    }
    assert.ok(!output.includes(signature.slice(7)) && !output.includes(TOKEN), 'the server log holds a credential');
  });

  it('runs the example of docs/flows.md as written: the secret set, the signed curl, the awaited outputs', { timeout: 60_000 }, async () => {
    const { flow, shell } = await docsExample();
    await new FlowService(env.store).save(flow);
    // `weft` on the PATH is this checkout's, on the test's data directory; the URL is this server's.
    const bin = await mkdtemp(join(env.dataDir, 'bin-'));
    await writeFile(join(bin, 'weft'), `#!/bin/sh\nexec "${process.execPath}" "${WEFT_BIN}" "$@"\n`);
    await chmod(join(bin, 'weft'), 0o755);
    // A delivery id of this run's own: test/docs/doc-commands.test.ts sends the same example to the
    // same Temporal service, and a repeated id rightly attaches to the first run.
    const script = shell.replaceAll('http://127.0.0.1:8765', new URL(base).origin).replaceAll('3f2a9c', randomUUID().slice(0, 8));
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
      env: weftEnv(env, { PATH: `${bin}:${process.env.PATH ?? ''}`, HOOK_SECRET: `docs-${randomUUID()}` }),
    });
    assert.match(stdout, /created secret HOOK_SECRET/);
    const answer = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Answer;
    const shown = JSON.parse(/^# (\{.*\})$/m.exec(shell)?.[1]?.replace('…', '') ?? '{}') as Answer;
    assert.equal(answer.started, shown.started);
    assert.equal(answer.state, shown.state);
    assert.deepEqual(answer.outputs, shown.outputs);
    assert.ok(answer.runId?.startsWith(shown.runId ?? '?'), `${answer.runId} is not like ${shown.runId}`);
  });
});
