// The task cache's key rule and its table, on both stores: secret markers count by name, an
// explicit key is shared in its namespace only, entries expire, and clearing picks by flow, task
// or all.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secretMarker } from '../../src/core/expressions/cel-environment.js';
import { type CacheSubject, taskCacheKey } from '../../src/services/cache/cache-key.js';
import { CacheClearTargetError, CacheService } from '../../src/services/cache/cache-service.js';
import { type CacheWriter, TaskCache } from '../../src/services/cache/task-cache.js';
import { openTestStore, STORE_KINDS } from '../helpers/stores.js';

const hour = 60 * 60 * 1000;
const subject = (flow: string, taskId = 'fetch'): CacheSubject => ({ namespace: flow.split('/')[0] ?? '', flow, taskId });
const writer = (flow: string, taskId = 'fetch', runId = 'run-1'): CacheWriter => ({ ...subject(flow, taskId), runId });

describe('cache keys', () => {
  const request = (token: string) => ({ url: 'https://api.example.com/x', headers: { authorization: `Bearer ${token}` } });

  it('count a secret by name: another run (another nonce, any value) keys the same, another name does not', () => {
    const first = taskCacheKey(subject('demo/a'), { ttlMs: hour }, 'http', request(secretMarker('TOKEN', 'nonceOfRunOne')));
    const again = taskCacheKey(subject('demo/a'), { ttlMs: hour }, 'http', request(secretMarker('TOKEN', 'nonceOfRunTwo')));
    const renamed = taskCacheKey(subject('demo/a'), { ttlMs: hour }, 'http', request(secretMarker('OTHER_TOKEN', 'nonceOfRunOne')));
    assert.equal(first, again);
    assert.notEqual(first, renamed);
  });

  it('without key: differ by flow, task id, kind and rendered configuration; the ttl is not part of it', () => {
    const base = taskCacheKey(subject('demo/a'), { ttlMs: hour }, 'http', { url: 'u' });
    assert.equal(base, taskCacheKey(subject('demo/a'), { ttlMs: 5 }, 'http', { url: 'u' }));
    assert.notEqual(base, taskCacheKey(subject('demo/b'), { ttlMs: hour }, 'http', { url: 'u' }));
    assert.notEqual(base, taskCacheKey(subject('demo/a', 'other'), { ttlMs: hour }, 'http', { url: 'u' }));
    assert.notEqual(base, taskCacheKey(subject('demo/a'), { ttlMs: hour }, 'script', { url: 'u' }));
    assert.notEqual(base, taskCacheKey(subject('demo/a'), { ttlMs: hour }, 'http', { url: 'v' }));
  });

  it('with key: shared by every flow and task of the namespace, never across namespaces', () => {
    const shared = taskCacheKey(subject('demo/a'), { ttlMs: hour, key: 'weather-oslo' }, 'http', { url: 'u' });
    assert.equal(shared, taskCacheKey(subject('demo/b', 'other'), { ttlMs: hour, key: 'weather-oslo' }, 'script', { script: 's' }));
    assert.notEqual(shared, taskCacheKey(subject('prod/a'), { ttlMs: hour, key: 'weather-oslo' }, 'http', { url: 'u' }));
    assert.notEqual(shared, taskCacheKey(subject('demo/a'), { ttlMs: hour }, 'http', { url: 'u' }));
  });
});

for (const kind of STORE_KINDS) {
  describe(`the task cache table (${kind})`, () => {
    it('answers a fresh entry with its origin, and nothing once it expired', async () => {
      const store = await openTestStore(kind);
      try {
        const cache = new TaskCache(store);
        const at = new Date('2026-12-06T10:00:00.000Z');
        await cache.put('k1', { ...writer('demo/a'), iteration: [2] }, { status: 200, body: { ok: true } }, 1000, at);
        const hit = await cache.lookup('k1', new Date(at.getTime() + 999));
        assert.deepEqual(hit, {
          output: { status: 200, body: { ok: true } },
          origin: { runId: 'run-1', taskId: 'fetch', iteration: [2], at: '2026-12-06T10:00:00.000Z' },
        });
        assert.equal(await cache.lookup('k1', new Date(at.getTime() + 1000)), undefined);
        assert.equal(await cache.lookup('missing', at), undefined);
        // A later store replaces the entry and its origin.
        await cache.put('k1', writer('demo/a', 'fetch', 'run-2'), 'second', hour, at);
        assert.equal((await cache.lookup('k1', at))?.origin.runId, 'run-2');
        assert.equal(await cache.prune(new Date(at.getTime() + 2 * hour)), 1);
      } finally {
        await store.close();
      }
    });

    it('clears by flow, by task id, by both, or all, and prunes expired entries on the way', async () => {
      const store = await openTestStore(kind);
      try {
        const cache = new TaskCache(store);
        await cache.put('a-fetch', writer('demo/a', 'fetch'), 1, hour);
        await cache.put('a-parse', writer('demo/a', 'parse'), 2, hour);
        await cache.put('b-fetch', writer('demo/b', 'fetch'), 3, hour);
        await cache.put('c-parse', writer('demo/c', 'parse'), 4, hour);
        await cache.put('old', writer('demo/d', 'x'), 5, 1, new Date('2020-01-01T00:00:00Z'));
        const service = new CacheService(store);
        assert.deepEqual(await service.clearCache({ flow: 'demo/a', taskId: 'parse' }), { removed: 1, expired: 1 });
        assert.deepEqual(await service.clearCache({ taskId: 'fetch' }), { removed: 2, expired: 0 });
        assert.ok(await cache.lookup('c-parse'));
        assert.deepEqual(await service.clearCache({ flow: 'demo/c' }), { removed: 1, expired: 0 });
        await cache.put('e', writer('demo/e'), 6, hour);
        assert.deepEqual(await service.clearCache({ all: true }), { removed: 1, expired: 0 });
      } finally {
        await store.close();
      }
    });
  });
}

describe('clearing the cache', () => {
  it('refuses a request that selects nothing, mixes --all with a filter, or names no valid flow or task', async () => {
    const store = await openTestStore('sqlite');
    try {
      const service = new CacheService(store);
      const cases: Array<[Parameters<CacheService['clearCache']>[0], RegExp]> = [
        [{}, /^cache clear needs --flow, --task or --all$/],
        [{ all: true, flow: 'demo/a' }, /^cache clear --all takes no --flow or --task$/],
        [{ flow: 'demo' }, /^cache clear --flow "demo" is not a flow name$/],
        [{ taskId: 'no-dashes' }, /^cache clear --task "no-dashes" is not a task id$/],
      ];
      for (const [request, message] of cases) {
        await assert.rejects(service.clearCache(request), (error: unknown) => error instanceof CacheClearTargetError && message.test(error.message));
      }
    } finally {
      await store.close();
    }
  });
});
