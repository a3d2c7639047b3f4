// The store's index of flow triggers on SQLite and PostgreSQL: written with each revision, read
// by a run as it starts ("does anyone listen?") and as it ends (who listens), and the last fire
// of a trigger kept across saves.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { FlowService } from '../../src/services/flow-service.js';
import type { Store } from '../../src/services/store/database.js';
import { listenersOf, recordFlowTriggerFire } from '../../src/services/triggers/flow-trigger-links.js';
import { openTestStore, STORE_KINDS } from '../helpers/stores.js';

const downstream = (id: string, trigger: string) => `id: ${id}
namespace: team
tasks: [{ id: a, type: log, message: hi }]
${trigger ? `triggers:\n  - ${trigger}\n` : ''}`;

for (const kind of STORE_KINDS) {
  describe(`flow trigger links (${kind})`, () => {
    const stores: Store[] = [];
    after(async () => {
      for (const store of stores) await store.close();
    });

    it('follows each saved revision and delete, and keeps the last fire of a trigger that stays', async () => {
      const store = await openTestStore(kind);
      stores.push(store);
      const flows = new FlowService(store);
      await flows.save(downstream('up', ''));
      assert.equal(await flows.listenedTo('team/up'), false);

      await flows.save(downstream('b', '{ id: t1, type: flow, flows: [team/up, team/other, team/up] }'));
      await flows.save(downstream('a', '{ id: t2, type: flow, flows: [team/up], states: [FAILED] }'));
      await flows.save(downstream('off', '{ id: t3, type: flow, flows: [team/up], enabled: false }'));
      assert.equal(await flows.listenedTo('team/up'), true);
      assert.equal(await flows.listenedTo('team/other'), true);
      assert.deepEqual(await listenersOf(store.db, 'team/up'), [
        { flow: 'team/a', triggerId: 't2' },
        { flow: 'team/b', triggerId: 't1' },
      ]);

      await recordFlowTriggerFire(store.db, 'team/up', { flow: 'team/b', triggerId: 't1', runId: 'team.b-k1' }, '2026-12-06T08:00:00.000Z');
      // A new revision that keeps t1 on team/up keeps its last fire; the dropped upstream goes.
      await flows.save(downstream('b', '{ id: t1, type: flow, flows: [team/up], when: "{{ trigger.depth < 2 }}" }'));
      assert.deepEqual(await flows.lastFlowTriggerFire('team/b', 't1'), { firedAt: '2026-12-06T08:00:00.000Z', runId: 'team.b-k1' });
      assert.equal(await flows.listenedTo('team/other'), false);

      await flows.delete('team/a');
      await flows.save(downstream('b', ''));
      assert.equal(await flows.listenedTo('team/up'), false);
      assert.deepEqual(await listenersOf(store.db, 'team/up'), []);
    });
  });
}
