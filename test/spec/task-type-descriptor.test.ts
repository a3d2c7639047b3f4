// A task type is one descriptor: the built-in ones give the validator, the catalog and the run
// defaults from the same object, and a type added through a descriptor alone (a Weft module in
// test/fixtures) validates, is listed by list_task_types and the JSON Schema, and runs on a real
// Temporal dev server with the descriptor's own timeout and never-retried error types.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ConfigError } from '../../src/core/errors.js';
import { flowJsonSchema } from '../../src/core/spec/json-schema.js';
import { taskTypeDetail } from '../../src/core/spec/task-catalog.js';
import { validateFlow } from '../../src/core/spec/validate-flow.js';
import { BUILTIN_TASK_TYPES } from '../../src/core/task-types/builtin.js';
import { flowTaskDefaults } from '../../src/core/task-types/flow-defaults.js';
import { registerTaskType, taskSchema } from '../../src/core/task-types/registry.js';
import { registerModule } from '../../src/services/code-flows/load-modules.js';
import { waitForRun } from '../../src/services/runs/run-client.js';
import wordCountModule, { wordCount } from '../fixtures/task-types/word-count-module.js';
import { connectStdio, type StdioSession, structured, textOf, WEFT_BIN, weftEnv } from '../helpers/mcp-clients.js';
import { createTestEnv, flowFrom, runFlow, type TestEnv, taskOf } from '../helpers/temporal-env.js';

const run = promisify(execFile);
const MODULE = join(import.meta.dirname, '..', 'fixtures', 'task-types', 'word-count-module.ts');
const { run: _handler, ...wordCountDescriptor } = wordCount;

function problemsOf(document: unknown) {
  const result = validateFlow(document);
  return result.valid ? [] : result.problems;
}

describe('built-in task type descriptors', () => {
  it('each example is accepted by its own config schema', () => {
    for (const descriptor of BUILTIN_TASK_TYPES) {
      const parsed = taskSchema(descriptor.name).safeParse(descriptor.example);
      assert.ok(parsed.success, `${descriptor.name} example: ${JSON.stringify(parsed.error?.issues)}`);
    }
  });

  it('gives the catalog its output, example and defaults from the descriptor', () => {
    const http = BUILTIN_TASK_TYPES.find((d) => d.name === 'http');
    const detail = taskTypeDetail('http');
    assert.equal(detail.output, http?.output);
    assert.deepEqual(detail.example, http?.example);
    assert.equal(detail.defaultTimeout, '30s');
    assert.deepEqual(detail.nonRetryable, ['HttpInvalidRequestError']);
  });

  it('puts the defaults of the types a flow uses, nested ones too, into one table for the run input', () => {
    const flow = flowFrom(`
id: defaults
tasks:
  - { id: note, type: log, message: hi }
  - id: each
    type: foreach
    items: [1, 2]
    tasks:
      - { id: get, type: http, url: "https://example.com/{{ item }}" }
  - id: ask
    type: approval
    message: ok?
`);
    assert.deepEqual(flowTaskDefaults(flow), {
      approval: { nonRetryable: ['ApprovalRejected', 'ApprovalTimedOut'] },
      http: { defaultTimeout: '30s', nonRetryable: ['HttpInvalidRequestError'] },
    });
  });

  it('keeps cross-field rules with their type (sleep needs exactly one of duration or until)', () => {
    const problems = problemsOf({ id: 'f', tasks: [{ id: 'nap', type: 'sleep' }] });
    assert.deepEqual(
      problems.map((p) => [p.path, p.message]),
      [['tasks[0]', 'tasks[0] needs exactly one of duration or until']],
    );
  });
});

describe('registering a task type from a descriptor', () => {
  it('refuses a built-in name, nested task lists, an unknown secret field and an example its schema refuses', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: 'http' }, /task type "http" is built in and cannot be replaced/],
      [{ nested: ['text'] }, /task type "word-count" declares nested task lists/],
      [{ secretFields: ['token'] }, /task type "word-count" names field "token", which its config does not have/],
      [{ example: { id: 'c', type: 'word-count', text: 'x', maxWords: 0 } }, /task type "word-count" example is refused by its own config: maxWords/],
      [{ defaultTimeout: 'soon' }, /task type "word-count" defaultTimeout "soon" is not a duration/],
    ];
    for (const [change, message] of cases) {
      assert.throws(
        () => registerTaskType({ ...wordCountDescriptor, ...change } as never),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
        String(message),
      );
    }
  });

  it('validates a flow using the type, refusing a bad config with the field named', () => {
    registerModule(wordCountModule);
    assert.deepEqual(problemsOf({ id: 'f', tasks: [{ id: 'count', type: 'word-count', text: 'a b c', maxWords: 5 }] }), []);
    const problems = problemsOf({ id: 'f', tasks: [{ id: 'count', type: 'word-count', text: 'a b', maxWords: 0, colour: 'red' }] });
    assert.deepEqual(
      problems.map((p) => p.path),
      ['tasks[0].maxWords', 'tasks[0].colour'],
    );
    assert.match(problems[0]?.message ?? '', /^tasks\[0\]\.maxWords /);
  });

  it('appears in the JSON Schema with its config, and the schema accepts a flow using it', () => {
    registerModule(wordCountModule);
    const schema = flowJsonSchema();
    const defs = schema.$defs as Record<string, { description?: string; properties?: Record<string, unknown> }>;
    assert.equal(defs['word-countTask']?.description, wordCount.description);
    assert.ok(defs['word-countTask']?.properties?.maxWords);
    const validate = new Ajv2020({ strict: false }).compile(schema);
    assert.ok(validate({ id: 'f', tasks: [{ id: 'c', type: 'word-count', text: 'a b', maxWords: 5 }] }), JSON.stringify(validate.errors));
    assert.equal(validate({ id: 'f', tasks: [{ id: 'c', type: 'word-count', text: 'a b', maxWords: 0 }] }), false);
  });
});

describe('a task type added through its descriptor alone, end to end', () => {
  let env: TestEnv;
  let session: StdioSession;
  let client: Client;
  const extra = { WEFT_MODULES: MODULE };

  before(async () => {
    env = await createTestEnv({ modules: [wordCountModule] });
    session = await connectStdio(env, [], {}, extra);
    client = session.client;
  });
  after(async () => {
    await session?.close();
    await env?.close();
  });

  async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    return (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as CallToolResult;
  }

  it('is listed by list_task_types with the descriptor’s text, defaults and example', async () => {
    const all = structured<{ types: { type: string; origin: string; output: string }[] }>(await call('list_task_types', {}));
    const listed = all.types.find((t) => t.type === 'word-count');
    assert.deepEqual(listed && [listed.origin, listed.output], ['code', '{ words, timedOutAfterMs? }']);
    const detail = structured<{
      types: { config: { properties: Record<string, unknown> }; defaultTimeout: string; nonRetryable: string[]; example: unknown }[];
    }>(await call('list_task_types', { type: 'word-count' })).types[0];
    assert.ok(detail?.config.properties.maxWords);
    assert.equal(detail?.defaultTimeout, '2s');
    assert.deepEqual(detail?.nonRetryable, ['WordLimitExceeded']);
    assert.deepEqual(detail?.example, wordCount.example);
  });

  it('is refused by validate_flow when its config is bad, naming the field', async () => {
    const result = structured<{ valid: boolean; errors: { path: string }[] }>(
      await call('validate_flow', { flow: 'id: bad-count\ntasks:\n  - { id: c, type: word-count, text: "", maxWords: 3 }\n' }),
    );
    assert.equal(result.valid, false);
    assert.deepEqual(
      result.errors.map((e) => e.path),
      ['tasks[0].text'],
    );
  });

  it('is in the JSON Schema that `weft flow schema` prints', async () => {
    const { stdout } = await run(process.execPath, [WEFT_BIN, 'flow', 'schema'], { env: weftEnv(env, extra) });
    const defs = JSON.parse(stdout).$defs as Record<string, unknown>;
    assert.ok(defs['word-countTask'], 'word-countTask missing from weft flow schema');
  });

  it('runs: saved and started over MCP, its handler’s output and log line recorded', async () => {
    structured(
      await call('save_flow', {
        flow: 'id: count-words\nnamespace: tests\ninputs:\n  - { id: title, type: string }\ntasks:\n  - { id: count, type: word-count, text: "{{ inputs.title }}" }\noutputs:\n  words: "{{ outputs.count.words }}"\n',
      }),
    );
    const done = structured<{ state: string; outputs: Record<string, unknown>; runId: string }>(
      await call('run_flow', { flow: 'tests/count-words', inputs: { title: 'one small step for a type' }, waitSeconds: 20 }),
    );
    assert.equal(done.state, 'COMPLETED', textOf(await call('get_run', { runId: done.runId })));
    assert.deepEqual(done.outputs, { words: 6 });
    const logs = structured<{ entries: { message: string }[] }>(await call('query_logs', { runId: done.runId, taskId: 'count' }));
    assert.ok(logs.entries.some((e) => e.message === 'counted 6 words'));
  });

  it('runs with the descriptor’s defaults: its error type is never retried, and its timeout bounds an attempt', async () => {
    const refused = await runFlow(
      env,
      'id: too-long\ntasks:\n  - { id: count, type: word-count, text: "a b c", maxWords: 2, retry: { maxAttempts: 3, initialInterval: 100ms } }\n',
    );
    assert.equal(refused.state, 'FAILED');
    const task = taskOf(refused, 'count');
    assert.deepEqual([task.error?.type, task.attempts], ['WordLimitExceeded', 1]);
    // A subflow's run gets its own flow's defaults, read when the parent resolves it.
    structured(
      await call('save_flow', {
        flow: 'id: too-long\nnamespace: tests\ntasks:\n  - { id: count, type: word-count, text: "a b c", maxWords: 2, retry: { maxAttempts: 3, initialInterval: 100ms } }\n',
      }),
    );
    const parent = await runFlow(env, 'id: parent\ntasks:\n  - { id: child, type: subflow, flow: tests/too-long }\n');
    assert.equal(parent.state, 'FAILED');
    const child = await waitForRun(env.client, `${parent.runId}.child`);
    assert.deepEqual([taskOf(child, 'count').error?.type, taskOf(child, 'count').attempts], ['WordLimitExceeded', 1]);
    const waited = await runFlow(
      env,
      'id: waits\ntasks:\n  - { id: count, type: word-count, text: x, waitForTimeout: true }\noutputs:\n  ms: "{{ outputs.count.timedOutAfterMs }}"\n',
    );
    const ms = Number(waited.outputs?.ms);
    assert.ok(ms >= 1500 && ms < 10_000, `the attempt had ${ms} ms, not the descriptor's 2s`);
  });
});
