// The MCP server as an assistant meets it: the SDK's Client spawns the real `weft mcp` on
// stdio; a real worker runs the flows on the real Temporal dev server; a SQLite store is
// shared between them.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CONTRACT_TOOLS } from '../helpers/contract-tools.js';
import { connectStdio, type StdioSession, structured, textOf } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';

const DOUBLE = `id: double
namespace: mcp
description: Doubles a number
inputs: [{ id: n, type: integer }]
tasks:
  - { id: calc, type: set, values: { v: "{{ inputs.n * 2 }}" } }
  - { id: say, type: log, message: "doubled {{ inputs.n }} to {{ outputs.calc.v }}" }
outputs: { v: "{{ outputs.calc.v }}" }
`;

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  // The response budget holds for every call: about 25k tokens.
  assert.ok(JSON.stringify(result).length < 100_000, `${name} answered ${JSON.stringify(result).length} bytes`);
  return result;
}

function resourceText(result: { contents: Array<object> }): string {
  return String((result.contents[0] as { text?: string } | undefined)?.text ?? '');
}

function assertNoNulls(value: unknown, path = '$'): void {
  assert.notEqual(value, null, `${path} is null`);
  if (typeof value !== 'object') return;
  for (const [key, entry] of Object.entries(value as object)) {
    // Inputs and outputs are the flow's own data, where null is a legitimate value.
    if (key !== 'outputs' && key !== 'inputs') assertNoNulls(entry, `${path}.${key}`);
  }
}

describe('weft mcp over stdio', () => {
  let env: TestEnv;
  let session: StdioSession;
  let client: Client;
  before(async () => {
    env = await createTestEnv();
    session = await connectStdio(env);
    client = session.client;
  });
  after(async () => {
    await session?.close();
    await env?.close();
  });

  it('lists every tool of the contract, titled, described, annotated, with schemas, in under 14 KB', async () => {
    const listed = await client.listTools();
    assert.deepEqual(listed.tools.map((t) => t.name).sort(), [...CONTRACT_TOOLS].sort());
    for (const tool of listed.tools) {
      assert.ok(tool.title, `${tool.name} has a title`);
      assert.ok((tool.description ?? '').length > 20, `${tool.name} has a description`);
      assert.ok(tool.outputSchema, `${tool.name} has an output schema`);
      assert.equal(typeof tool.annotations?.readOnlyHint, 'boolean', `${tool.name} says whether it only reads`);
    }
    assert.equal(listed.tools.find((t) => t.name === 'delete_flow')?.annotations?.destructiveHint, true);
    assert.equal(listed.tools.find((t) => t.name === 'get_run')?.annotations?.readOnlyHint, true);
    const bytes = JSON.stringify(listed).length;
    assert.ok(bytes < 14_000, `tools/list is ${bytes} bytes`);
    assert.equal(session.stderr().includes('{"jsonrpc"'), false, 'protocol stays on stdout');
  });

  it('validates flows: every problem with path and hint; bad arguments name the field', async () => {
    const bad = structured<{ valid: boolean; errors: { path: string; hint?: string }[] }>(
      await call(client, 'validate_flow', { flow: 'id: x\ntasks:\n  - { id: a, type: lgo }\n  - { id: b, type: http }\n' }),
    );
    assert.equal(bad.valid, false);
    assert.deepEqual(bad.errors.map((e) => e.path).sort(), ['tasks[0].type', 'tasks[1].url']);
    assert.match(bad.errors.find((e) => e.path === 'tasks[0].type')?.hint ?? '', /did you mean "log"/);
    const good = structured<{ valid: boolean; warnings: { path: string }[] }>(
      await call(client, 'validate_flow', { flow: 'id: x\ntasks:\n  - { id: a, type: log, message: hi }\n' }),
    );
    assert.equal(good.valid, true);
    assert.deepEqual(
      good.warnings.map((w) => w.path),
      ['description'],
    );
    const wrongType = await call(client, 'validate_flow', { flow: 42 });
    assert.equal(wrongType.isError, true);
    assert.match(textOf(wrongType), /INVALID_ARGUMENTS[\s\S]*flow is invalid: .*expected string/);
  });

  it('saves flows with revisions, refuses invalid ones without saving, lists, pages, reads and deletes them', async () => {
    const first = structured(await call(client, 'save_flow', { flow: DOUBLE, message: 'first' }));
    assert.deepEqual(first, { flow: 'mcp/double', revision: 1, created: true });
    assert.deepEqual(structured(await call(client, 'save_flow', { flow: DOUBLE })), { flow: 'mcp/double', revision: 1, created: false });
    const changed = DOUBLE.replace('Doubles a number', 'Doubles an integer');
    assert.deepEqual(structured(await call(client, 'save_flow', { flow: changed })), { flow: 'mcp/double', revision: 2, created: true });
    const invalid = await call(client, 'save_flow', { flow: 'id: broken\nnamespace: mcp\ntasks:\n  - { id: a, type: http }\n' });
    assert.equal(invalid.isError, true);
    assert.match(textOf(invalid), /FLOW_INVALID[\s\S]*tasks\[0\]\.url/);
    await call(client, 'save_flow', { flow: 'id: other\nnamespace: mcp\ntasks:\n  - { id: a, type: log, message: hi }\n' });

    const page1 = structured<{ flows: { flow: string }[]; nextCursor?: string }>(await call(client, 'list_flows', { namespace: 'mcp', limit: 1 }));
    assert.deepEqual(
      page1.flows.map((f) => f.flow),
      ['mcp/double'],
    );
    assert.ok(page1.nextCursor);
    const page2 = structured<{ flows: { flow: string }[]; nextCursor?: string }>(
      await call(client, 'list_flows', { namespace: 'mcp', limit: 1, cursor: page1.nextCursor }),
    );
    assert.deepEqual(
      page2.flows.map((f) => f.flow),
      ['mcp/other'],
    );
    assert.equal('nextCursor' in page2, false, 'absent optional fields are omitted, never null');
    const found = structured<{ flows: { flow: string; description?: string }[] }>(await call(client, 'list_flows', { search: 'integer' }));
    assert.deepEqual(
      found.flows.map((f) => f.flow),
      ['mcp/double'],
    );
    assert.equal(
      found.flows.some((f) => f.flow === 'mcp/broken'),
      false,
    );

    const old = structured<{ yaml: string; revision: number; revisions: number }>(await call(client, 'get_flow', { flow: 'mcp/double', revision: 1 }));
    assert.equal(old.revision, 1);
    assert.equal(old.revisions, 2);
    assert.match(old.yaml, /Doubles a number/);
    const missing = await call(client, 'get_flow', { flow: 'mcp/nope' });
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /FLOW_NOT_FOUND/);
    assert.deepEqual(structured(await call(client, 'delete_flow', { flow: 'mcp/other' })), { deleted: true });
    assert.deepEqual(structured(await call(client, 'delete_flow', { flow: 'mcp/other' })), { deleted: false });
  });

  it('serves the task catalog, in brief and one type in full', async () => {
    const all = structured<{ types: { type: string; output: string }[] }>(await call(client, 'list_task_types', {}));
    assert.ok(all.types.some((t) => t.type === 'foreach' && /iterations/.test(t.output)));
    const http = structured<{ types: { config: { properties: Record<string, unknown> }; example: { type: string }; defaultTimeout: string }[] }>(
      await call(client, 'list_task_types', { type: 'http' }),
    );
    assert.ok(http.types[0]?.config.properties.url);
    assert.equal(http.types[0]?.example.type, 'http');
    assert.equal(http.types[0]?.defaultTimeout, '30s');
  });

  it('runs a flow and waits for its outputs; the same idempotency key attaches to the same run; bad inputs are named', async () => {
    const done = structured<{ runId: string; state: string; started: boolean; outputs: { v: number }; uiUrl: string }>(
      await call(client, 'run_flow', { flow: 'mcp/double', inputs: { n: 21 }, waitSeconds: 30, idempotencyKey: 'order-1' }),
    );
    assert.equal(done.state, 'COMPLETED');
    assert.equal(done.started, true);
    assert.deepEqual(done.outputs, { v: 42 });
    assert.match(done.uiUrl, new RegExp(`/workflows/${encodeURIComponent(done.runId)}$`));
    const again = structured<{ runId: string; started: boolean }>(
      await call(client, 'run_flow', { flow: 'mcp/double', inputs: { n: 21 }, idempotencyKey: 'order-1' }),
    );
    assert.deepEqual([again.runId, again.started], [done.runId, false]);
    const conflict = await call(client, 'run_flow', { flow: 'mcp/double', inputs: { n: 22 }, idempotencyKey: 'order-1' });
    assert.equal(conflict.isError, true);
    assert.match(textOf(conflict), /IDEMPOTENCY_CONFLICT/);
    const badInputs = await call(client, 'run_flow', { flow: 'mcp/double', inputs: { n: 'many' } });
    assert.equal(badInputs.isError, true);
    assert.match(textOf(badInputs), /inputs\.n/);

    const run = structured<{ state: string; tasks: { id: string; durationMs?: number }[]; approvals: unknown[]; revision: number }>(
      await call(client, 'get_run', { runId: done.runId }),
    );
    const calc = structured<{ taskOutput: { value: unknown } }>(await call(client, 'get_run', { runId: done.runId, taskId: 'calc' }));
    assert.deepEqual(calc.taskOutput.value, { v: 42 });
    assert.equal(run.state, 'COMPLETED');
    assert.equal(run.revision, 2);
    assert.deepEqual(
      run.tasks.map((t) => t.id),
      ['calc', 'say'],
    );
    assert.ok(run.tasks.every((t) => typeof t.durationMs === 'number'));
    assertNoNulls(run);
    const logs = structured<{ entries: { message: string }[] }>(await call(client, 'query_logs', { runId: done.runId, contains: 'doubled' }));
    assert.ok(logs.entries.some((e) => e.message === 'doubled 21 to 42'));
    const unknown = await call(client, 'get_run', { runId: 'mcp.double-nope' });
    assert.equal(unknown.isError, true);
    assert.match(textOf(unknown), /RUN_NOT_FOUND/);
  });

  it('bounds big timelines and outputs, and pages through the rest', async () => {
    await call(client, 'save_flow', {
      flow: `id: wide\nnamespace: mcp\ntasks:\n  - id: each\n    type: foreach\n    items: "{{ range }}"\n    concurrency: 50\n    tasks:\n      - { id: one, type: set, values: { i: "{{ item }}" } }\n  - { id: big, type: set, values: { blob: "{{ blob }}" } }\noutputs: { blob: "{{ outputs.big.blob }}", small: "{{ 1 }}" }\n`
        .replace('"{{ range }}"', JSON.stringify(Array.from({ length: 150 }, (_, i) => i)))
        .replace('"{{ blob }}"', JSON.stringify('x'.repeat(60_000))),
    });
    const done = structured<{ runId: string; state: string; outputs: Record<string, unknown>; outputsTruncated?: boolean }>(
      await call(client, 'run_flow', { flow: 'mcp/wide', waitSeconds: 45 }),
    );
    assert.equal(done.state, 'COMPLETED');
    assert.equal(done.outputsTruncated, true);
    assert.equal(done.outputs.small, 1);
    assert.match(String(done.outputs.blob), /^\[cut: 60002 bytes\]/);
    const summary = structured<{ tasks: unknown[]; tasksShown: { shown: number; total: number } }>(await call(client, 'get_run', { runId: done.runId }));
    assert.deepEqual(summary.tasksShown, { shown: 50, total: 152 });
    assert.equal(summary.tasks.length, 50);
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = structured<{ tasks: { id: string; iteration?: number[] }[]; tasksShown?: { nextCursor?: string } }>(
        await call(client, 'get_run', { runId: done.runId, detail: 'full', ...(cursor ? { cursor } : {}) }),
      );
      for (const t of page.tasks) seen.add(`${t.id}${JSON.stringify(t.iteration ?? [])}`);
      cursor = page.tasksShown?.nextCursor;
    } while (cursor);
    assert.equal(seen.size, 152);
    const one = structured<{ tasks: { id: string; iteration?: number[] }[]; taskOutput: { value: unknown } }>(
      await call(client, 'get_run', { runId: done.runId, taskId: 'one', iteration: [7] }),
    );
    assert.deepEqual(
      one.tasks.map((t) => [t.id, t.iteration]),
      [['one', [7]]],
    );
    assert.deepEqual(one.taskOutput.value, { i: 7 });
    const ambiguous = structured<{ taskOutput: { found: boolean; note: string } }>(await call(client, 'get_run', { runId: done.runId, taskId: 'one' }));
    assert.equal(ambiguous.taskOutput.found, false);
    assert.match(ambiguous.taskOutput.note, /pass iteration/);
    // A 60 KB output comes in pages that join back into the exact value.
    let text = '';
    let outputCursor: string | undefined;
    let outputPages = 0;
    do {
      const page = structured<{ taskOutput: { text: string; nextCursor?: string } }>(
        await call(client, 'get_run', { runId: done.runId, taskId: 'big', ...(outputCursor ? { cursor: outputCursor } : {}) }),
      );
      text += page.taskOutput.text;
      outputCursor = page.taskOutput.nextCursor;
      outputPages++;
    } while (outputCursor);
    assert.equal(outputPages, 4, '60 KB of output in pages of 20 KB');
    assert.deepEqual(JSON.parse(text), { blob: 'x'.repeat(60_000) });
    const badCursor = await call(client, 'get_run', { runId: done.runId, detail: 'full', cursor: 'bm9wZQ' });
    assert.equal(badCursor.isError, true);
    assert.match(textOf(badCursor), /INVALID_CURSOR/);
  });

  it('cuts long log lines and log pages to a budget and resumes exactly after the last line shown', async () => {
    await call(client, 'save_flow', {
      flow: `id: chatty\nnamespace: mcp\ntasks:\n  - id: each\n    type: foreach\n    items: ${JSON.stringify(Array.from({ length: 120 }, (_, i) => i))}\n    concurrency: 20\n    tasks:\n      - { id: say, type: log, message: "line {{ item }} ${'y'.repeat(1500)}" }\n  - { id: huge, type: log, message: "${'z'.repeat(5000)}", level: warn }\n`,
    });
    const done = structured<{ runId: string; state: string }>(await call(client, 'run_flow', { flow: 'mcp/chatty', waitSeconds: 45 }));
    assert.equal(done.state, 'COMPLETED');
    const messages: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = structured<{ entries: { message: string; level: string }[]; nextCursor?: string; truncated: boolean }>(
        await call(client, 'query_logs', { runId: done.runId, limit: 1000, ...(cursor ? { cursor } : {}) }),
      );
      messages.push(...page.entries.map((e) => e.message));
      pages++;
      cursor = page.truncated ? page.nextCursor : undefined;
    } while (cursor);
    assert.ok(pages >= 2, `budget split the log into ${pages} pages`);
    const lines = messages.filter((m) => m.startsWith('line '));
    assert.equal(lines.length, 120);
    assert.equal(new Set(lines).size, 120, 'no line twice');
    const huge = messages.find((m) => m.startsWith('zzz'));
    assert.ok(huge?.endsWith('… [cut]'));
    const warnings = structured<{ entries: { level: string }[] }>(await call(client, 'query_logs', { runId: done.runId, level: 'warn' }));
    assert.ok(warnings.entries.length >= 1 && warnings.entries.every((e) => e.level === 'warn' || e.level === 'error'));
    const tail = structured<{ entries: { message: string }[] }>(await call(client, 'query_logs', { runId: done.runId, taskId: 'say', tail: 2 }));
    assert.equal(tail.entries.length, 2);
  });

  it('cancels a run, answers an `any` approval as an agent and is refused on a `human` one', async () => {
    await call(client, 'save_flow', { flow: 'id: napper\nnamespace: mcp\ntasks:\n  - { id: nap, type: sleep, duration: 1h }\n' });
    await call(client, 'save_flow', {
      flow: 'id: gates\nnamespace: mcp\ntasks:\n  - { id: agent_ok, type: approval, message: "agent may answer", approvers: any }\n  - { id: person_ok, type: approval, message: "a person must answer" }\n',
    });
    const napping = structured<{ runId: string }>(await call(client, 'run_flow', { flow: 'mcp/napper' }));
    const cancelled = structured<{ state: string }>(await call(client, 'cancel_run', { runId: napping.runId, reason: 'test' }));
    assert.equal(cancelled.state, 'CANCELLED', 'no finally tasks: the run is closed by the time cancel_run answers');
    const closed = structured<{ state: string }>(await call(client, 'get_run', { runId: napping.runId, waitSeconds: 20 }));
    assert.equal(closed.state, 'CANCELLED');

    const gated = structured<{ runId: string; state: string; approvals: { taskId: string; approvers: string }[] }>(
      await call(client, 'run_flow', { flow: 'mcp/gates', waitSeconds: 3 }),
    );
    assert.equal(gated.state, 'WAITING');
    assert.deepEqual(
      gated.approvals.map((a) => [a.taskId, a.approvers]),
      [['agent_ok', 'any']],
    );
    assert.deepEqual(structured(await call(client, 'respond_to_approval', { runId: gated.runId, taskId: 'agent_ok', approved: true, comment: 'fine' })), {
      runId: gated.runId,
      taskId: 'agent_ok',
      accepted: true,
    });
    const human = await (async () => {
      for (let i = 0; i < 50; i++) {
        const run = structured<{ approvals: { taskId: string }[] }>(await call(client, 'get_run', { runId: gated.runId }));
        if (run.approvals.some((a) => a.taskId === 'person_ok')) return run;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('person_ok never waited');
    })();
    assert.ok(human);
    const refused = await call(client, 'respond_to_approval', { runId: gated.runId, taskId: 'person_ok', approved: true });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /APPROVAL_NOT_ACCEPTED[\s\S]*person/);
    const still = structured<{ state: string }>(await call(client, 'get_run', { runId: gated.runId }));
    assert.equal(still.state, 'WAITING');
    await call(client, 'cancel_run', { runId: gated.runId, force: true });
  });

  it('shows a cancelled run’s timeline (completed, cancelled in flight, finally) and its completed task outputs', async () => {
    await call(client, 'save_flow', {
      flow: 'id: halted\nnamespace: mcp\ntasks:\n  - { id: calc, type: set, values: { v: 42 } }\n  - { id: nap, type: sleep, duration: 1h }\nfinally:\n  - { id: cleanup, type: log, message: "cleaned up" }\n',
    });
    const { runId } = structured<{ runId: string }>(await call(client, 'run_flow', { flow: 'mcp/halted' }));
    for (let i = 0; ; i++) {
      const run = structured<{ tasks: { id: string; state: string }[] }>(await call(client, 'get_run', { runId }));
      if (run.tasks.some((t) => t.id === 'nap' && t.state === 'WAITING')) break;
      assert.ok(i < 100, 'nap never waited');
      await new Promise((r) => setTimeout(r, 100));
    }
    await call(client, 'cancel_run', { runId });
    const result = await call(client, 'get_run', { runId, waitSeconds: 20 });
    const closed = structured<{ state: string; tasks: { id: string; state: string }[]; taskOutputs?: Record<string, unknown> }>(result);
    assert.equal(closed.state, 'CANCELLED');
    assert.deepEqual(
      closed.tasks.map((t) => [t.id, t.state]),
      [
        ['calc', 'COMPLETED'],
        ['nap', 'CANCELLED'],
        ['cleanup', 'COMPLETED'],
      ],
    );
    assert.deepEqual(closed.taskOutputs, { calc: { v: 42 }, cleanup: {} });
    assert.match(textOf(result), /2\/3 tasks done/);
  });

  it('tells a second answer to a decided approval accepted: false, with the decision and who gave it; the run keeps the first', async () => {
    await call(client, 'save_flow', {
      flow: 'id: twice\nnamespace: mcp\ntasks:\n  - { id: gate, type: approval, message: "ok?", approvers: any, onReject: continue }\noutputs: { approved: "{{ outputs.gate.approved }}" }\n',
    });
    const run = structured<{ runId: string; state: string }>(await call(client, 'run_flow', { flow: 'mcp/twice', waitSeconds: 3 }));
    assert.equal(run.state, 'WAITING');
    assert.deepEqual(structured(await call(client, 'respond_to_approval', { runId: run.runId, taskId: 'gate', approved: true })), {
      runId: run.runId,
      taskId: 'gate',
      accepted: true,
    });
    const second = await call(client, 'respond_to_approval', { runId: run.runId, taskId: 'gate', approved: false, comment: 'changed my mind' });
    assert.notEqual(second.isError, true);
    const refused = structured<{ accepted: boolean; code: string; decision: { approved: boolean; by: string; respondedAt: string } }>(second);
    assert.equal(refused.accepted, false);
    assert.equal(refused.code, 'APPROVAL_ALREADY_DECIDED');
    assert.equal(refused.decision.approved, true);
    assert.match(refused.decision.by, /^agent \(/);
    assert.ok(!Number.isNaN(Date.parse(refused.decision.respondedAt)));
    assert.match(textOf(second), /APPROVAL_ALREADY_DECIDED[\s\S]*already approved by agent/);
    const done = structured<{ state: string; outputs: { approved: boolean } }>(await call(client, 'get_run', { runId: run.runId, waitSeconds: 20 }));
    assert.deepEqual([done.state, done.outputs.approved], ['COMPLETED', true]);
  });

  it('refuses an answer to an approval of a run that has ended: an error result naming the run, its state and where to look', async () => {
    await call(client, 'save_flow', { flow: 'id: late\nnamespace: mcp\ntasks:\n  - { id: gate, type: approval, message: "ok?", approvers: any }\n' });
    const run = structured<{ runId: string; state: string }>(await call(client, 'run_flow', { flow: 'mcp/late', waitSeconds: 3 }));
    assert.equal(run.state, 'WAITING');
    assert.equal(structured<{ state: string }>(await call(client, 'cancel_run', { runId: run.runId })).state, 'CANCELLED');
    const late = await call(client, 'respond_to_approval', { runId: run.runId, taskId: 'gate', approved: true });
    assert.equal(late.isError, true);
    const block = late.content.at(-1);
    const error = (JSON.parse(block?.type === 'text' ? block.text : '{}') as { error: { code: string; message: string; hint?: string } }).error;
    assert.equal(error.code, 'RUN_ALREADY_ENDED');
    assert.equal(error.message, `run ${run.runId} already ended CANCELLED: approval gate can no longer be answered`);
    assert.match(error.hint ?? '', /get_run/);
    assert.match(textOf(late), /already ended CANCELLED/);
  });

  it('lists runs by flow and state with cursors', async () => {
    for (let n = 0; n < 3; n++) await call(client, 'run_flow', { flow: 'mcp/double', inputs: { n }, waitSeconds: 20 });
    const page1 = structured<{ runs: { flow: string; state: string }[]; nextCursor?: string }>(
      await call(client, 'list_runs', { flow: 'mcp/double', state: 'COMPLETED', limit: 2 }),
    );
    assert.equal(page1.runs.length, 2);
    assert.ok(page1.runs.every((r) => r.flow === 'mcp/double' && r.state === 'COMPLETED'));
    assert.ok(page1.nextCursor);
    const page2 = structured<{ runs: unknown[] }>(
      await call(client, 'list_runs', { flow: 'mcp/double', state: 'COMPLETED', limit: 2, cursor: page1.nextCursor }),
    );
    assert.ok(page2.runs.length >= 1);
  });

  it('sends a progress notification per finished task when the client asks for progress', async () => {
    const updates: { progress: number; total?: number; message?: string }[] = [];
    const result = (await client.callTool({ name: 'run_flow', arguments: { flow: 'mcp/double', inputs: { n: 5 }, waitSeconds: 30 } }, undefined, {
      onprogress: (p) => updates.push(p),
      timeout: 60_000,
    })) as CallToolResult;
    assert.equal(structured<{ state: string }>(result).state, 'COMPLETED');
    assert.deepEqual(
      updates.map((u) => u.message),
      ['calc COMPLETED', 'say COMPLETED'],
    );
    assert.deepEqual(
      updates.map((u) => u.progress),
      [1, 2],
    );
  });

  it('serves resources and prompts from the prompts folder', async () => {
    const guide = await client.readResource({ uri: 'weft://docs/flow-spec' });
    assert.match(resourceText(guide), /# Writing flows/);
    const source = await client.readResource({ uri: 'weft://flows/mcp/double' });
    assert.match(resourceText(source), /Doubles an integer/);
    const runs = structured<{ runs: { runId: string }[] }>(await call(client, 'list_runs', { flow: 'mcp/double', limit: 1 }));
    const runId = runs.runs[0]?.runId ?? '';
    const run = JSON.parse(resourceText(await client.readResource({ uri: `weft://runs/${runId}` })));
    assert.equal(run.state, 'COMPLETED');
    const logs = await client.readResource({ uri: `weft://runs/${runId}/logs` });
    assert.match(resourceText(logs), /INFO +say: doubled/);
    const prompts = await client.listPrompts();
    assert.deepEqual(prompts.prompts.map((p) => p.name).sort(), ['debug_run', 'design_flow', 'summarize_run']);
    const design = await client.getPrompt({ name: 'design_flow', arguments: { goal: 'ping a URL every hour' } });
    const designText = design.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n');
    assert.match(designText, /ping a URL every hour/);
    assert.match(designText, /namespace `default`/);
    const debug = await client.getPrompt({ name: 'debug_run', arguments: { runId } });
    const debugText = debug.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n');
    assert.match(debugText, new RegExp(`"runId": "${runId}"`));
    assert.match(debugText, /"state": "COMPLETED"/);
  });

  it('reads an activity task’s output from history when no worker runs, and says why a pure task’s is unavailable', async () => {
    await call(client, 'save_flow', {
      flow: 'id: shell\nnamespace: mcp\ntasks:\n  - { id: sh, type: script, language: bash, script: "echo hello" }\n  - { id: after, type: set, values: { n: 1 } }\n',
    });
    const done = structured<{ runId: string; state: string }>(await call(client, 'run_flow', { flow: 'mcp/shell', waitSeconds: 30 }));
    assert.equal(done.state, 'COMPLETED');
    const live = structured<{ taskOutput: { value: { exitCode: number } } }>(await call(client, 'get_run', { runId: done.runId, taskId: 'sh' }));
    assert.equal(live.taskOutput.value.exitCode, 0);
    await env.stopWorker();
    const fromHistory = structured<{ taskOutput: { value: { exitCode: number; stdoutTail: string } } }>(
      await call(client, 'get_run', { runId: done.runId, taskId: 'sh' }),
    );
    assert.equal(fromHistory.taskOutput.value.exitCode, 0);
    assert.match(fromHistory.taskOutput.value.stdoutTail, /hello/);
    const pure = await call(client, 'get_run', { runId: done.runId, taskId: 'after' });
    assert.equal(pure.isError, true);
    assert.match(textOf(pure), /TASK_OUTPUT_UNAVAILABLE/);
  });
});
