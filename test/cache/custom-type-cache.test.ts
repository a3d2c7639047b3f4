// Task types from Weft modules take `cache` like built-in I/O types, unless their descriptor
// opts out: a hit never calls the handler; an opted-out type is refused by validation.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { parseFlow } from '../../src/core/spec/parse-flow.js';
import { defineTaskType, defineWeftModule } from '../../src/services/code-flows/weft-module.js';
import { assertCompleted, createTestEnv, runFlow, type TestEnv, taskOf } from '../helpers/temporal-env.js';

let handlerCalls = 0;

const stamp = defineTaskType({
  name: 'cache-stamp',
  description: 'Returns a label and how many times the handler ran.',
  config: { label: z.string() },
  output: '{ label, call }',
  example: { id: 'stamp', type: 'cache-stamp', label: 'x' },
  async run(config) {
    handlerCalls += 1;
    return { label: config.label, call: handlerCalls };
  },
});

const notify = defineTaskType({
  name: 'cache-notify',
  description: 'Sends a notice; never answered from a cache.',
  config: { text: z.string() },
  output: '{}',
  example: { id: 'notify', type: 'cache-notify', text: 'x' },
  cacheable: false,
  async run() {
    return {};
  },
});

describe('cache on task types from modules', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv({ modules: [defineWeftModule({ taskTypes: [stamp, notify] })] });
  });
  after(async () => env.close());

  it('answers a repeated task of a module type from the cache without calling its handler', async () => {
    const flow =
      'id: stamped\nnamespace: cachetest\ntasks:\n  - { id: s, type: cache-stamp, label: "{{ inputs.l }}", cache: { ttl: 1h } }\ninputs:\n  - { id: l, type: string }\noutputs: { call: "{{ outputs.s.call }}" }\n';
    const first = await runFlow(env, flow, { l: 'a' });
    assertCompleted(first);
    const second = await runFlow(env, flow, { l: 'a' });
    assertCompleted(second);
    assert.equal(taskOf(second, 's').state, 'CACHED');
    assert.deepEqual(second.outputs, { call: 1 });
    const other = await runFlow(env, flow, { l: 'b' });
    assert.equal(taskOf(other, 's').state, 'COMPLETED');
    assert.equal(handlerCalls, 2);
  });

  it('refuses cache on a module type that opted out, and on log and approval tasks', () => {
    const result = parseFlow(
      'id: refused\ntasks:\n  - { id: n, type: cache-notify, text: hi, cache: { ttl: 1h } }\n  - { id: l, type: log, message: hi, cache: { ttl: 1h } }\n  - { id: a, type: approval, message: "ok?", cache: { ttl: 1h } }\n',
    );
    assert.equal(result.valid, false);
    const problems = result.valid ? [] : result.problems;
    assert.deepEqual(
      problems.map((p) => [p.path, p.message]),
      [
        ['tasks[0].cache', 'tasks[0].cache is not supported on cache-notify tasks'],
        ['tasks[1].cache', 'tasks[1].cache is not supported on log tasks'],
        ['tasks[2].cache', 'tasks[2].cache is not supported on approval tasks'],
      ],
    );
    assert.match(problems[0]?.hint ?? '', /^cache applies to http, script, llm, mcp, subflow, cache-stamp tasks$/);
  });
});
