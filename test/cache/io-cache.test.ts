// `cache` on I/O tasks in real runs (real worker, Temporal dev server, loopback HTTP, real
// scripts): a hit ends CACHED with where the entry came from and does no I/O; entries expire
// after ttl; an explicit key is shared across flows of a namespace; failures are never cached.

import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MemoryFlowCatalog } from '../../src/services/flows/flow-catalog.js';
import type { SecretSource } from '../../src/services/secrets/secret-source.js';
import { delay, json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { assertCompleted, createTestEnv, flowFrom, runFlow, type TestEnv, taskOf } from '../helpers/temporal-env.js';

describe('cache on I/O tasks', () => {
  let env: TestEnv;
  let server: TestHttpServer;
  const secretValues = new Map([
    ['TOKEN', 'first-value'],
    ['OTHER_TOKEN', 'other-value'],
  ]);
  const secrets: SecretSource = { get: (name) => secretValues.get(name) };
  const flows = new MemoryFlowCatalog();
  let served = 0;
  /** Where cached scripts may write: the operator's list of working directories, for this test's worker. */
  let scriptRoot = '';
  const requestsTo = (path: string) => server.requests.filter((r) => r.url.startsWith(path)).length;

  before(async () => {
    server = await startHttpServer();
    server.route('/flaky', (_req, res) => json(res, requestsTo('/flaky') === 1 ? 500 : 200, { n: requestsTo('/flaky') }));
    server.route('/', (req, res) => {
      served += 1;
      json(res, 200, { path: req.url, n: served, auth: req.headers.authorization ?? null });
    });
    flows.add(
      flowFrom(`
id: child
namespace: cachetest
inputs:
  - { id: city, type: string }
tasks:
  - { id: look, type: http, url: "${server.url}/child/{{ inputs.city }}" }
outputs: { n: "{{ outputs.look.body.n }}" }
`),
    );
    scriptRoot = await mkdtemp(join(tmpdir(), 'weft-cache-scripts-'));
    // A sandboxed script under a root worker runs as `nobody`, which must reach its workingDir.
    await chmod(scriptRoot, 0o755);
    // This test file's own process: the worker reads its configuration from it.
    process.env.WEFT_SCRIPT_WORKING_DIRS = scriptRoot;
    env = await createTestEnv({ secrets, flows });
  });
  after(async () => {
    await env.close();
    await server.close();
  });

  it('answers a repeated http task from the cache: CACHED, the same output, where it came from, no second request', async () => {
    const flow = `id: fetch-once\nnamespace: cachetest\ntasks:\n  - { id: fetch, type: http, url: "${server.url}/once", cache: { ttl: 1h } }\noutputs: { n: "{{ outputs.fetch.body.n }}" }\n`;
    const first = await runFlow(env, flow);
    assertCompleted(first);
    assert.equal(taskOf(first, 'fetch').state, 'COMPLETED');
    assert.equal(taskOf(first, 'fetch').cachedFrom, undefined);
    const second = await runFlow(env, flow);
    assertCompleted(second);
    const fetch = taskOf(second, 'fetch');
    assert.equal(fetch.state, 'CACHED');
    assert.equal(fetch.cachedFrom?.runId, first.runId);
    assert.equal(fetch.cachedFrom?.taskId, 'fetch');
    assert.ok(fetch.cachedFrom && Date.parse(fetch.cachedFrom.at) <= Date.now());
    assert.deepEqual(second.outputs, first.outputs);
    assert.equal(requestsTo('/once'), 1);
  });

  it('runs a cached script once: its side effect happens once and the second run is CACHED with the first output', async () => {
    const dir = await mkdtemp(join(scriptRoot, 'work-'));
    await chmod(dir, 0o777);
    const script = 'echo ran >> runs.txt; echo "::weft-output::{\\"lines\\": $(wc -l < runs.txt), \\"draw\\": \\"$RANDOM$RANDOM\\"}"';
    const flow = `id: script-once\nnamespace: cachetest\ntasks:\n  - id: count\n    type: script\n    language: bash\n    workingDir: ${dir}\n    script: '${script}'\n    cache: { ttl: 1h }\noutputs: { lines: "{{ outputs.count.outputs.lines }}", draw: "{{ outputs.count.outputs.draw }}" }\n`;
    const first = await runFlow(env, flow);
    assertCompleted(first);
    const second = await runFlow(env, flow);
    assertCompleted(second);
    assert.equal(taskOf(second, 'count').state, 'CACHED');
    assert.deepEqual(second.outputs, first.outputs);
    assert.equal((second.outputs as { lines: number }).lines, 1);
    assert.equal(await readFile(join(dir, 'runs.txt'), 'utf8'), 'ran\n');
    // The script's own lines are in the first run's logs only: no process ran for the second.
    const stdoutOf = async (runId: string) => (await env.logs.read(runId)).filter((line) => line.message.startsWith('::weft-output::')).length;
    assert.equal(await stdoutOf(first.runId), 1);
    assert.equal(await stdoutOf(second.runId), 0);
  });

  it('misses once ttl has passed: the task runs and requests again', async () => {
    const flow = `id: short-lived\nnamespace: cachetest\ntasks:\n  - { id: fetch, type: http, url: "${server.url}/short", cache: { ttl: 1s } }\n`;
    assertCompleted(await runFlow(env, flow));
    await delay(1200);
    const later = await runFlow(env, flow);
    assertCompleted(later);
    assert.equal(taskOf(later, 'fetch').state, 'COMPLETED');
    assert.equal(requestsTo('/short'), 2);
  });

  it('shares an entry by explicit key across two flows of a namespace, not with another namespace', async () => {
    const flow = (namespace: string, id: string) =>
      `id: ${id}\nnamespace: ${namespace}\ninputs:\n  - { id: city, type: string }\ntasks:\n  - { id: ${id.replace('-', '_')}, type: http, url: "${server.url}/shared/${id}", cache: { ttl: 1h, key: "weather-{{ inputs.city }}" } }\n`;
    const a = await runFlow(env, flow('cachetest', 'flow-a'), { city: 'oslo' });
    assertCompleted(a);
    const b = await runFlow(env, flow('cachetest', 'flow-b'), { city: 'oslo' });
    assertCompleted(b);
    const shared = taskOf(b, 'flow_b');
    assert.equal(shared.state, 'CACHED');
    assert.deepEqual(shared.cachedFrom && { runId: shared.cachedFrom.runId, taskId: shared.cachedFrom.taskId }, { runId: a.runId, taskId: 'flow_a' });
    assert.equal(requestsTo('/shared/flow-b'), 0);
    const otherCity = await runFlow(env, flow('cachetest', 'flow-b'), { city: 'bergen' });
    assert.equal(taskOf(otherCity, 'flow_b').state, 'COMPLETED');
    const otherNamespace = await runFlow(env, flow('elsewhere', 'flow-b'), { city: 'oslo' });
    assert.equal(taskOf(otherNamespace, 'flow_b').state, 'COMPLETED');
    assert.equal(requestsTo('/shared/flow-b'), 2);
  });

  it('keys a secret by name: a new value still hits (the old answer), another secret misses', async () => {
    const flow = (name: string) =>
      `id: with-secret\nnamespace: cachetest\ntasks:\n  - { id: fetch, type: http, url: "${server.url}/secret", headers: { Authorization: "Bearer {{ secret('${name}') }}" }, cache: { ttl: 1h } }\n`;
    assertCompleted(await runFlow(env, flow('TOKEN')));
    secretValues.set('TOKEN', 'rotated-value');
    const rotated = await runFlow(env, flow('TOKEN'));
    assert.equal(taskOf(rotated, 'fetch').state, 'CACHED');
    const other = await runFlow(env, flow('OTHER_TOKEN'));
    assert.equal(taskOf(other, 'fetch').state, 'COMPLETED');
    assert.deepEqual(
      server.requests.filter((r) => r.url === '/secret').map((r) => r.headers.authorization),
      ['Bearer first-value', 'Bearer other-value'],
    );
  });

  it('never caches a failed attempt', async () => {
    const flow = `id: flaky\nnamespace: cachetest\ntasks:\n  - { id: fetch, type: http, url: "${server.url}/flaky", cache: { ttl: 1h } }\n`;
    const failed = await runFlow(env, flow);
    assert.equal(failed.state, 'FAILED');
    const ok = await runFlow(env, flow);
    assertCompleted(ok);
    assert.equal(taskOf(ok, 'fetch').state, 'COMPLETED');
    const cached = await runFlow(env, flow);
    assert.equal(taskOf(cached, 'fetch').state, 'CACHED');
    assert.equal(requestsTo('/flaky'), 2);
  });

  it('caches a subflow the task waits for: the second run starts no child', async () => {
    const flow = `id: parent\nnamespace: cachetest\ntasks:\n  - { id: sub, type: subflow, flow: cachetest/child, inputs: { city: oslo }, cache: { ttl: 1h } }\noutputs: { n: "{{ outputs.sub.outputs.n }}" }\n`;
    const first = await runFlow(env, flow);
    assertCompleted(first);
    const second = await runFlow(env, flow);
    assertCompleted(second);
    const sub = taskOf(second, 'sub');
    assert.equal(sub.state, 'CACHED');
    assert.equal(sub.cachedFrom?.runId, first.runId);
    assert.deepEqual(second.outputs, first.outputs);
    assert.equal(requestsTo('/child/oslo'), 1);
  });
});
