import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FlowValidationError } from '../../src/core/errors.js';
import { InvalidCursorError } from '../../src/services/cursor.js';
import { checkFlow, FlowService, validFlow } from '../../src/services/flow-service.js';
import type { Store } from '../../src/services/store/database.js';
import { openTestStore, STORE_KINDS } from '../helpers/stores.js';

const flowText = (id: string, message = 'hi', namespace = 'team') =>
  `id: ${id}\nnamespace: ${namespace}\ndescription: says ${message}\ntasks:\n  - { id: a, type: log, message: "${message}" }\n`;

for (const kind of STORE_KINDS) {
  describe(`flow registry on ${kind}`, () => {
    let store: Store;
    let flows: FlowService;
    before(async () => {
      store = await openTestStore(kind);
      flows = new FlowService(store);
    });
    after(async () => store.close());

    it('saves immutable revisions and makes none when the text is unchanged', async () => {
      assert.deepEqual(await flows.save(flowText('greet', 'one')), { flow: 'team/greet', revision: 1, created: true });
      assert.deepEqual(await flows.save(flowText('greet', 'one')), { flow: 'team/greet', revision: 1, created: false });
      assert.deepEqual(await flows.save(flowText('greet', 'two'), 'second'), { flow: 'team/greet', revision: 2, created: true });
      const latest = await flows.get('team/greet');
      assert.equal(latest.revision, 2);
      assert.equal(latest.revisions, 2);
      assert.match(latest.yaml, /message: "two"/);
      const first = await flows.get('team/greet', 1);
      assert.match(first.yaml, /message: "one"/);
      assert.equal((await flows.resolve('team/greet', 1)).flow.tasks[0]?.type, 'log');
    });

    it('refuses an invalid flow with every problem and stores nothing', async () => {
      await assert.rejects(
        flows.save('id: broken\ntasks:\n  - { id: a, type: nope }\n'),
        (error: unknown) => error instanceof FlowValidationError && error.problems[0]?.path === 'tasks[0].type',
      );
      await assert.rejects(flows.get('default/broken'), /flow default\/broken does not exist/);
    });

    it('lists flows by namespace and search text, page by page with an opaque cursor', async () => {
      for (let i = 0; i < 7; i++) await flows.save(flowText(`list-${i}`, i % 2 ? 'odd' : 'even', 'paging'));
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await flows.list({ namespace: 'paging', limit: 3, ...(cursor ? { cursor } : {}) });
        assert.ok(page.flows.length <= 3);
        seen.push(...page.flows.map((f) => f.flow));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(
        seen,
        Array.from({ length: 7 }, (_, i) => `paging/list-${i}`),
      );
      const odd = await flows.list({ namespace: 'paging', search: 'ODD' });
      assert.deepEqual(
        odd.flows.map((f) => f.flow),
        ['paging/list-1', 'paging/list-3', 'paging/list-5'],
      );
      await assert.rejects(flows.list({ cursor: 'garbage' }), InvalidCursorError);
    });

    it('deletes a flow but keeps its revisions numbered when it is saved again', async () => {
      await flows.save(flowText('doomed'));
      assert.deepEqual(await flows.delete('team/doomed'), { deleted: true });
      assert.deepEqual(await flows.delete('team/doomed'), { deleted: false });
      await assert.rejects(flows.get('team/doomed'), /does not exist/);
      assert.ok(!(await flows.list({ namespace: 'team' })).flows.some((f) => f.flow === 'team/doomed'));
      assert.deepEqual(await flows.save(flowText('doomed', 'back')), { flow: 'team/doomed', revision: 2, created: true });
    });

    it('gives concurrent saves of one flow distinct, gapless revisions', async () => {
      const results = await Promise.all(Array.from({ length: 5 }, (_, i) => flows.save(flowText('raced', `v${i}`))));
      assert.deepEqual(results.map((r) => r.revision).sort(), [1, 2, 3, 4, 5]);
      assert.equal((await flows.get('team/raced')).revisions, 5);
    });
  });
}

describe('the one validate entry', () => {
  it('checks syntax, the spec and references at once, with lines; validFlow throws them named by the file', () => {
    const text = 'id: refs\ninputs: [{ id: name, type: string }]\ntasks:\n  - { id: a, type: log, message: "{{ inputs.nmae }}" }\n  - { id: b, type: nope }\n';
    const checked = checkFlow(text);
    assert.equal(checked.valid, false);
    const problems = checked.valid ? [] : checked.problems;
    assert.deepEqual(
      problems.map((p) => [p.path, p.line, p.message]),
      [
        ['tasks[1].type', 5, 'tasks[1].type "nope" is not a task type'],
        ['tasks[0].message', 4, 'tasks[0].message reads inputs.nmae, but the flow declares no input "nmae"'],
      ],
    );
    assert.throws(
      () => validFlow(text, 'flows/refs.yaml'),
      (error: unknown) =>
        error instanceof FlowValidationError && error.problems.length === problems.length && error.message.startsWith('flows/refs.yaml is invalid: '),
    );
    assert.equal(validFlow(flowText('fine')).id, 'fine');
  });
});
