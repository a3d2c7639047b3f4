// Worker groups in the spec: which queue each task's activities go to, and the Temporal task
// queue a named queue is.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFlow } from '../../src/core/spec/parse-flow.js';
import { NESTED_TASK_FIELDS, namedTaskQueue, queueNameOf, taskQueues } from '../../src/core/spec/task-queues.js';
import { BUILTIN_TASK_TYPES } from '../../src/core/task-types/builtin.js';
import type { AnyTaskTypeDescriptor } from '../../src/core/task-types/descriptor.js';

describe('task queues', () => {
  it('gives each task its own queue, else its container’s, else the flow’s; default is Weft’s own', () => {
    const parsed = parseFlow(`
id: q
queue: gpu
tasks:
  - { id: train, type: http, url: https://example.org }
  - { id: plain, type: http, url: https://example.org, queue: default }
  - id: fan
    type: parallel
    queue: io
    tasks:
      - { id: one, type: http, url: https://example.org }
      - { id: two, type: http, url: https://example.org, queue: gpu }
      - id: pick
        type: switch
        value: "{{ 1 }}"
        cases:
          "1": [{ id: deep, type: http, url: https://example.org }]
  - id: again
    type: foreach
    items: "{{ [1] }}"
    queue: default
    tasks: [{ id: each, type: http, url: https://example.org }]
finally:
  - { id: last, type: http, url: https://example.org }
`);
    assert.ok(parsed.valid, JSON.stringify(!parsed.valid && parsed.problems));
    if (!parsed.valid) return;
    assert.deepEqual(Object.fromEntries(taskQueues(parsed.flow)), {
      train: 'gpu',
      fan: 'io',
      one: 'io',
      two: 'gpu',
      pick: 'io',
      deep: 'io',
      last: 'gpu',
    });
  });

  it('names a queue’s Temporal task queue after Weft’s configured one, and reads it back', () => {
    assert.equal(namedTaskQueue('weft', 'gpu'), 'weft/gpu');
    assert.equal(namedTaskQueue('team-a', 'gpu'), 'team-a/gpu');
    assert.equal(namedTaskQueue('weft', 'default'), 'weft');
    assert.equal(queueNameOf('weft', 'weft/gpu'), 'gpu');
    assert.equal(queueNameOf('weft', 'weft'), undefined);
    assert.equal(queueNameOf('weft', 'other/gpu'), undefined);
  });

  it('knows the nested task fields of every built-in container, as the descriptors declare them', () => {
    const descriptors: readonly AnyTaskTypeDescriptor[] = BUILTIN_TASK_TYPES;
    const containers = descriptors.filter((d) => d.nested?.length || d.nestedMaps?.length);
    assert.deepEqual(
      Object.fromEntries(containers.map((d) => [d.name, { lists: [...(d.nested ?? [])], maps: [...(d.nestedMaps ?? [])] }])),
      Object.fromEntries(Object.entries(NESTED_TASK_FIELDS).map(([name, f]) => [name, { lists: [...f.lists], maps: [...f.maps] }])),
    );
  });
});
