// The iterations of a foreach large enough to run in batch child workflows, as every surface
// shows a run: the JSON API's run detail, MCP get_run (over Streamable HTTP) and the console's
// timeline in real Chromium, against a real worker on the suite's Temporal dev server. Each
// iteration's task runs (state, attempts, durations, errors, outputs) show under the foreach while
// the batches run and after the run completed.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type Browser, chromium } from 'playwright-core';
import { buildConsole } from '../../scripts/build-console.mjs';
import { type TaskRun, WeftClient } from '../../src/adapters/client/weft-client.js';
import { consoleRoute } from '../../src/adapters/http/console/console-route.js';
import type { Task } from '../../src/core/spec/flow-spec.js';
import { foreachBatchSize } from '../../workflows/foreach.js';
import { type ApiFixture, type ApiServer, apiFixture } from '../api/api-fixture.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { structured } from '../helpers/mcp-clients.js';
import { flowFrom } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const CHROMIUM = '/usr/lib/chromium/chromium';
const ITEMS = [0, 1, 2, 3, 4];
/** Items whose requests are held until the end: their run is terminated meanwhile. */
const HELD = [10, 11, 12, 13];
/** Tasks of a branch never taken: they count towards the batch size (foreach.ts) but never run. */
const PADDING = 400;

// Each iteration: a set, a request held at the test's server until the test lets it through (item
// 3's fails twice: allowed, with a retry), and an `if` whose untaken branch makes the batches small.
const batchedFlow = (url: string, id = 'batched', items = ITEMS) => `id: ${id}
namespace: batches
tasks:
  - id: each
    type: foreach
    items: [${items.join(', ')}]
    concurrency: 6
    tasks:
      - { id: note, type: set, values: { i: "{{ item }}" } }
      - id: hit
        type: http
        url: "${url}/item/{{ item }}"
        allowFailure: true
        retry: { maxAttempts: 2, initialInterval: 1s }
      - id: pad
        type: if
        condition: "{{ false }}"
        then:
${padding()}
  - { id: after, type: log, message: "all items done" }
`;

// Item 2 fails its iteration, and with it its batch and the run.
const FAILING_FLOW = `id: failing
namespace: batches
tasks:
  - id: each
    type: foreach
    items: [0, 1, 2, 3]
    concurrency: 4
    tasks:
      - id: check
        type: if
        condition: "{{ item == 2 }}"
        then:
          - { id: boom, type: fail, message: "item {{ item }} is bad" }
        else:
          - { id: fine, type: set, values: { i: "{{ item }}" } }
      - id: pad
        type: if
        condition: "{{ false }}"
        then:
${padding()}
`;

// A foreach in each iteration of a batched foreach, itself large enough to run in batches: the
// outer batches start batches of their own.
const NESTED_FLOW = `id: nested
namespace: batches
tasks:
  - id: outer
    type: foreach
    items: [0, 1, 2]
    concurrency: 3
    tasks:
      - id: inner
        type: foreach
        items: [0, 1, 2]
        concurrency: 3
        tasks:
          - { id: leaf, type: set, values: { at: "{{ item }}" } }
          - id: pad
            type: if
            condition: "{{ false }}"
            then:
${padding('  ')}
`;

function padding(indent = ''): string {
  return Array.from({ length: PADDING }, (_, i) => `${indent}          - { id: p${i}, type: set, values: { v: ${i} } }`).join('\n');
}

interface RunDetailView {
  runId: string;
  state: string;
  tasks: TaskRun[];
  tasksShown?: { nextCursor?: string };
  taskOutput?: { found: boolean; value?: unknown };
}

const keyOf = (t: Pick<TaskRun, 'id' | 'iteration'>) => (t.iteration ? `${t.id}[${t.iteration.join(',')}]` : t.id);

/**
 * The foreach first, then exactly the `expected` task runs: its iterations' right after it, batch
 * by batch (iterations of one batch run at once, so their task runs may interleave), then the rest.
 */
function assertNested(view: readonly TaskRun[], expected: string[]): void {
  const keys = view.map(keyOf);
  assert.equal(keys[0], 'each', `the foreach comes first: ${keys.join(' ')}`);
  assert.deepEqual([...keys.slice(1)].sort(), [...expected].sort());
  const batches = view.slice(1).flatMap((t) => (t.iteration ? [Math.floor((t.iteration[0] ?? 0) / 2)] : []));
  assert.deepEqual(batches, [...batches].sort(), `iterations batch by batch: ${keys.join(' ')}`);
  const firstOther = view.findIndex((t, i) => i > 0 && !t.iteration);
  assert.ok(firstOther === -1 || view.slice(firstOther).every((t) => !t.iteration), `iterations right under the foreach: ${keys.join(' ')}`);
}

describe('a foreach run in batches, in the run detail, get_run and the console timeline', () => {
  let fixture: ApiFixture;
  let server: ApiServer;
  let weft: WeftClient;
  let mcp: Client;
  let http: TestHttpServer;
  let browser: Browser;
  const released = new Set<number>();

  before(async () => {
    const dir = join(process.env.WEFT_TEST_WORK_DIR ?? '/tmp', `console-batches-${process.pid}`);
    await buildConsole(dir);
    fixture = await apiFixture();
    server = await fixture.serve({ routes: [consoleRoute({ dir })] });
    weft = new WeftClient({ url: server.base });
    mcp = new Client({ name: 'weft-test', version: '1.0.0' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`)));
    http = await startHttpServer();
    http.route('/item/', async (req, res) => {
      const item = Number(req.url.split('/').at(-1));
      while (!released.has(item)) await new Promise((r) => setTimeout(r, 20));
      if (item === 3) json(res, 500, { error: 'item 3 is broken' });
      else json(res, 200, { item });
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    for (const item of [...ITEMS, ...HELD]) released.add(item);
    await browser?.close();
    await mcp?.close();
    await http?.close();
    await fixture?.close();
  });

  /** The whole timeline through the JSON API and through get_run, page by page. */
  async function timelines(runId: string): Promise<{ api: TaskRun[]; mcp: TaskRun[]; state: string }> {
    const api: TaskRun[] = [];
    let cursor: string | undefined;
    let state = '';
    do {
      const page = await weft.getRun(runId, { detail: 'full', ...(cursor ? { cursor } : {}) });
      state ||= page.state;
      api.push(...page.tasks);
      cursor = page.tasksShown?.nextCursor;
    } while (cursor);
    const viaMcp: TaskRun[] = [];
    do {
      const page = structured<RunDetailView>(
        (await mcp.callTool({ name: 'get_run', arguments: { runId, detail: 'full', ...(cursor ? { cursor } : {}) } })) as CallToolResult,
      );
      viaMcp.push(...page.tasks);
      cursor = page.tasksShown?.nextCursor;
    } while (cursor);
    return { api, mcp: viaMcp, state };
  }

  it('shows every iteration under its foreach while the batches run, follows them live in the console, and after the run completed', {
    timeout: 180_000,
  }, async () => {
    const flow = batchedFlow(http.url);
    const spec = flowFrom(flow);
    const size = foreachBatchSize((spec.tasks[0] as Extract<Task, { type: 'foreach' }>).tasks);
    assert.equal(size, 2, 'two items a batch: five items run in three batch child workflows');
    await weft.saveFlow('batches/batched', flow);
    const { runId } = await weft.startRun({ flow: 'batches/batched' });

    // Every item's request is in flight: each batch is running its iterations.
    await waitFor('every item requested', async () => (new Set(http.requests.map((r) => r.url)).size === ITEMS.length ? true : undefined), 60_000);
    const running = await timelines(runId);
    assert.equal(running.state, 'RUNNING');
    for (const view of [running.api, running.mcp]) {
      assertNested(
        view,
        ITEMS.flatMap((i) => [`note[${i}]`, `hit[${i}]`]),
      );
      for (const i of ITEMS) {
        assert.equal(view.find((t) => keyOf(t) === `note[${i}]`)?.state, 'COMPLETED');
        assert.equal(view.find((t) => keyOf(t) === `hit[${i}]`)?.state, 'RUNNING');
      }
      assert.equal(view.find((t) => t.id === 'each')?.state, 'RUNNING');
    }
    assert.deepEqual(running.mcp, running.api, 'get_run and the JSON API show the same timeline');

    // The console's run page shows them too, and follows them as they change while the run runs.
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.base}/runs/${encodeURIComponent(runId)}`);
    await page.locator('.task-row[data-task="hit[4]"] .state-RUNNING').waitFor({ timeout: 30_000 });
    await page.locator('.task-row[data-task="note[0]"] .state-COMPLETED').waitFor();
    for (const item of [0, 1, 2, 3]) released.add(item);
    await page.locator('.task-row[data-task="hit[0]"] .state-COMPLETED').waitFor({ timeout: 30_000 });
    await page.locator('.task-row[data-task="hit[3]"] .state-FAILED').waitFor({ timeout: 30_000 });
    assert.match((await page.locator('.task-row[data-task="hit[3]"]').textContent()) ?? '', /2 attempts[\s\S]*HttpServerError/);
    assert.equal(await page.locator('[data-run-state]').getAttribute('data-run-state'), 'RUNNING', 'item 4 still holds the run');

    released.add(4);
    await page.locator('[data-run-state="COMPLETED"]').waitFor({ timeout: 60_000 });
    await page.locator('.task-row[data-task="hit[4]"] .state-COMPLETED').waitFor({ timeout: 30_000 });
    await page.locator('.task-row[data-task="after"] .state-COMPLETED').waitFor();
    // Nested under the foreach: iteration rows are indented by their depth.
    assert.match((await page.locator('.task-row[data-task="hit[4]"] .task-id').textContent()) ?? '', /^ {2}hit\[4\]$/);
    await page.close();

    const ended = await timelines(runId);
    assert.equal(ended.state, 'COMPLETED');
    for (const view of [ended.api, ended.mcp]) {
      assertNested(view, [...ITEMS.flatMap((i) => [`note[${i}]`, `hit[${i}]`, `pad[${i}]`]), 'after']);
      for (const task of view.filter((t) => t.iteration)) {
        assert.ok(task.durationMs !== undefined && task.durationMs >= 0, `${keyOf(task)} has a duration`);
        if (keyOf(task) === 'hit[3]') continue;
        assert.deepEqual([keyOf(task), task.state, task.attempts], [keyOf(task), 'COMPLETED', 1]);
      }
      const failed = view.find((t) => keyOf(t) === 'hit[3]');
      assert.deepEqual([failed?.state, failed?.attempts, failed?.allowedFailure, failed?.error?.type], ['FAILED', 2, true, 'HttpServerError']);
    }
    assert.deepEqual(ended.mcp, ended.api);

    // An iteration's output, from the batch that ran it: a set's (its batch replayed by the worker)
    // and a request's (from the batch's history).
    const note = structured<RunDetailView>((await mcp.callTool({ name: 'get_run', arguments: { runId, taskId: 'note', iteration: [3] } })) as CallToolResult);
    assert.deepEqual(note.taskOutput?.value, { i: 3 });
    const hit = await weft.getRun(runId, { taskId: 'hit', iteration: [4] });
    assert.deepEqual((hit.taskOutput?.value as { body?: unknown } | undefined)?.body, { item: 4 });
  });

  it('shows the iterations of the batch that failed the run, with the failing task run and its error', { timeout: 120_000 }, async () => {
    await weft.saveFlow('batches/failing', FAILING_FLOW);
    const { runId } = await weft.startRun({ flow: 'batches/failing' });
    const ended = await waitFor(
      'the run to fail',
      async () => {
        const read = await timelines(runId);
        return read.state === 'FAILED' ? read : undefined;
      },
      60_000,
    );
    for (const view of [ended.api, ended.mcp]) {
      const boom = view.find((t) => keyOf(t) === 'boom[2]');
      assert.deepEqual([boom?.state, boom?.error?.message], ['FAILED', 'item 2 is bad']);
      assert.equal(view.find((t) => keyOf(t) === 'check[2]')?.state, 'FAILED');
      for (const key of ['check[0]', 'check[1]', 'fine[0]', 'fine[1]'])
        assert.ok(
          view.some((t) => keyOf(t) === key),
          `${key} is shown`,
        );
      assert.deepEqual(view.filter((t) => t.state === 'RUNNING').map(keyOf), [], 'an ended run shows nothing running');
      assert.equal(view[0]?.id, 'each');
    }
    assert.deepEqual(ended.mcp, ended.api);
  });

  it('shows the iterations a terminated run stopped in its batches as cancelled, the run’s end their reason', { timeout: 120_000 }, async () => {
    await weft.saveFlow('batches/held', batchedFlow(http.url, 'held', HELD));
    const { runId } = await weft.startRun({ flow: 'batches/held' });
    const held = HELD.map((i) => `/item/${i}`);
    await waitFor('every held item requested', async () => (held.every((url) => http.requests.some((r) => r.url === url)) ? true : undefined), 60_000);
    structured((await mcp.callTool({ name: 'cancel_run', arguments: { runId, force: true } })) as CallToolResult);
    const ended = await timelines(runId);
    assert.equal(ended.state, 'TERMINATED');
    for (const view of [ended.api, ended.mcp]) {
      for (const i of HELD.keys()) {
        assert.equal(view.find((t) => keyOf(t) === `note[${i}]`)?.state, 'COMPLETED');
        const hit = view.find((t) => keyOf(t) === `hit[${i}]`);
        assert.deepEqual([hit?.state, hit?.error?.type], ['CANCELLED', 'RunEnded'], `hit[${i}]`);
      }
    }
  });

  it('shows the iterations of batches that a batch’s iterations started, each under its own foreach', { timeout: 120_000 }, async () => {
    await weft.saveFlow('batches/nested', NESTED_FLOW);
    const { runId } = await weft.startRun({ flow: 'batches/nested' });
    const ended = await waitFor(
      'the run to complete',
      async () => {
        const read = await timelines(runId);
        return read.state === 'COMPLETED' ? read : undefined;
      },
      60_000,
    );
    for (const view of [ended.api, ended.mcp]) {
      const keys = view.map(keyOf);
      assert.equal(keys[0], 'outer');
      for (const i of [0, 1, 2]) {
        const at = keys.indexOf(`inner[${i}]`);
        assert.ok(at > 0, `inner[${i}] is shown: ${keys.join(' ')}`);
        // Right under its own foreach: the three leaves of its iterations, then the next outer iteration.
        const under = keys.slice(at + 1, at + 7);
        assert.deepEqual(
          under.filter((k) => k.startsWith('leaf')).sort(),
          [0, 1, 2].map((j) => `leaf[${i},${j}]`),
          keys.join(' '),
        );
        for (const j of [0, 1, 2]) assert.equal(view.find((t) => keyOf(t) === `leaf[${i},${j}]`)?.state, 'COMPLETED');
      }
    }
    // Its output, from the batch of the batch that ran it.
    const leaf = structured<RunDetailView>(
      (await mcp.callTool({ name: 'get_run', arguments: { runId, taskId: 'leaf', iteration: [2, 1] } })) as CallToolResult,
    );
    assert.deepEqual(leaf.taskOutput?.value, { at: 1 });
  });
});
