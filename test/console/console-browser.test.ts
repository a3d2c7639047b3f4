// The web console in real headless Chromium (Debian's, driven by playwright-core) against a real
// Weft HTTP server on loopback with a real worker: a run's page follows the run live, a person
// approves from the form, restart from a chosen task, keyboard navigation of the runs list, a
// 5,000-task run's page measured, a task waiting PENDING for a worker of its group followed live
// until one takes it, and no request of the console ever leaves the server's origin.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NativeConnection } from '@temporalio/worker';
import { type Browser, chromium, type Page } from 'playwright-core';
import { buildConsole } from '../../scripts/build-console.mjs';
import { WeftClient } from '../../src/adapters/client/weft-client.js';
import { consoleRoute } from '../../src/adapters/http/console/console-route.js';
import { createWeftWorker, type WeftWorker } from '../../src/app/worker/weft-worker.js';
import { ConcurrencyLimit } from '../../src/services/llm/concurrency-limit.js';
import { loadLlmSettings } from '../../src/services/llm/provider-config.js';
import { type ApiFixture, type ApiServer, apiFixture } from '../api/api-fixture.js';
import { type FakeModelServer, startFakeModelServer } from '../helpers/fake-model-server.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { temporalAddress } from '../helpers/temporal-env.js';

const CHROMIUM = '/usr/lib/chromium/chromium';
const IMAGES = new URL('../../docs/images/', import.meta.url).pathname;

// The middle task waits at the test's server until the test has seen the run RUNNING, so the
// page's first load, however slow, cannot miss it.
const liveFlow = (url: string) => `id: live
namespace: console
description: a run to watch
tasks:
  - { id: first, type: log, message: "starting" }
  - { id: pause, type: http, url: "${url}/gate" }
  - { id: last, type: log, message: "done" }
outputs:
  done: "yes"
`;

const GREET_FLOW = `id: greet
namespace: tools
inputs: [{ id: name, type: string }]
tasks:
  - { id: say, type: set, values: { greeting: "{{ 'hello ' + inputs.name }}" } }
outputs: { greeting: "{{ outputs.say.greeting }}" }
`;

const AGENT_FLOW = `id: agent
namespace: console
tasks:
  - { id: helper, type: agent, provider: local, model: m, prompt: "Greet Ada twice.", tools: [{ flow: tools/greet }] }
`;

const CHATTY_FLOW = `id: chatty
namespace: console
tasks:
  - { id: early, type: log, message: "the needle is here" }
  - { id: late, type: log, message: "nothing to see" }
`;

const APPROVAL_FLOW = `id: gate
namespace: console
description: waits for a person
tasks:
  - id: ok
    type: approval
    message: "Ship it?"
    fields:
      type: object
      properties: { amount: { type: number }, note: { type: string } }
      required: [amount]
outputs:
  by: "{{ outputs.ok.by }}"
  amount: "{{ outputs.ok.data.amount }}"
`;

describe('the web console in Chromium', () => {
  let fixture: ApiFixture;
  let server: ApiServer;
  let weft: WeftClient;
  let browser: Browser;
  let http: TestHttpServer;
  let gateOpen = false;
  let model: FakeModelServer;
  /** Every URL the browser asked for, across all tests. */
  const requested: string[] = [];

  before(async () => {
    const dir = join(process.env.WEFT_TEST_WORK_DIR ?? '/tmp', `console-${process.pid}`);
    const built = await buildConsole(dir);
    process.stderr.write(`[console] bundle ${Math.round(built.bytes / 1024)} KiB before gzip\n`);
    model = await startFakeModelServer();
    fixture = await apiFixture({
      llm: () => ({
        settings: loadLlmSettings({ WEFT_LLM_PROVIDERS: JSON.stringify({ local: { kind: 'openai', baseUrl: model.openaiUrl, stream: false } }) }),
        limit: new ConcurrencyLimit(),
        prompts: async () => [],
      }),
    });
    server = await fixture.serve({ routes: [consoleRoute({ dir })] });
    weft = new WeftClient({ url: server.base });
    http = await startHttpServer();
    http.route('/n/', (_req, res) => json(res, 200, { n: 1 }));
    http.route('/gate', async (_req, res) => {
      while (!gateOpen) await new Promise((r) => setTimeout(r, 20));
      json(res, 200, {});
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await http?.close();
    await fixture?.close();
    await model?.close();
    const foreign = requested.filter((url) => new URL(url).origin !== server.base);
    assert.deepEqual(foreign, [], 'no request leaves the server origin');
  });

  async function open(path: string, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme });
    await page.route('**/*', (route) => {
      requested.push(route.request().url());
      return route.continue();
    });
    await page.goto(`${server.base}${path}`);
    return page;
  }

  it('serves index.html for console pages with a strict CSP and hashed assets cached for good', { timeout: 10_000 }, async () => {
    const page = await fetch(`${server.base}/runs/anything`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const html = await page.text();
    const script = /src="(\/assets\/console-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    assert.ok(script, html);
    const asset = await fetch(`${server.base}${script}`);
    assert.match(asset.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    assert.equal((await fetch(`${server.base}/assets/missing.js`)).status, 404);
    // /mcp stays MCP's: a POST without a session is refused as MCP refuses it, not answered with the page.
    const mcp = await fetch(`${server.base}/mcp`, {
      method: 'POST',
      headers: { accept: 'application/json, text/event-stream', 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(mcp.status, 400);
  });

  it('follows a running flow live until COMPLETED, then restarts it from a chosen task', { timeout: 40_000 }, async () => {
    await weft.saveFlow('console/live', liveFlow(http.url));
    const { runId } = await weft.startRun({ flow: 'console/live' });
    const page = await open(`/runs/${runId}`);
    await page.evaluate(() => {
      window.sameDocument = true;
    });
    // Seen while it runs, then COMPLETED on the same document (no reload): the events did it.
    await page.locator('[data-run-state]:is([data-run-state="RUNNING"],[data-run-state="WAITING"])').waitFor({ timeout: 20_000 });
    gateOpen = true;
    await page.locator('[data-run-state="COMPLETED"]').waitFor({ timeout: 15_000 });
    await page.locator('.task-row[data-task="last"] .state-COMPLETED').waitFor();
    await page.locator('.log-line', { hasText: 'done' }).waitFor();
    assert.equal(await page.evaluate(() => window.sameDocument), true);
    assert.equal(await page.locator('.task-row').count(), 3);
    await page.screenshot({ path: await image('console-run-light.png') });

    await page.selectOption('select[name="from-task"]', 'last');
    await page.getByRole('button', { name: 'Restart' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/runs/') && !url.pathname.endsWith(runId));
    const restartedId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2] ?? '');
    await page.locator('[data-run-state="COMPLETED"]').waitFor({ timeout: 15_000 });
    const restarted = await weft.getRun(restartedId);
    assert.equal(restarted.restartOf, runId);
    assert.equal(restarted.state, 'COMPLETED');
    await page.close();

    const dark = await open(`/runs/${runId}`, 'dark');
    await dark.locator('[data-run-state="COMPLETED"]').waitFor();
    await dark.locator('.task-row').first().waitFor();
    await dark.screenshot({ path: await image('console-run-dark.png') });
    await dark.close();
  });

  it('lets a person approve from the form built from fields, and the run goes on as theirs', { timeout: 30_000 }, async () => {
    await weft.saveFlow('console/gate', APPROVAL_FLOW);
    const { runId } = await weft.startRun({ flow: 'console/gate' });
    const page = await open(`/runs/${runId}`);
    const form = page.getByRole('form', { name: 'approval ok' });
    await form.waitFor({ timeout: 15_000 });
    await form.locator('input[name="amount"]').fill('42');
    await form.locator('textarea[name="comment"]').fill('looks right');
    await form.getByRole('button', { name: 'Approve' }).click();
    await page.locator('[data-run-state="COMPLETED"]').waitFor({ timeout: 15_000 });
    const run = await weft.getRun(runId);
    assert.equal(run.outputs?.amount, 42);
    assert.equal(run.outputs?.by, `${userInfo().username} (local)`, 'a person, not an agent');
    await page.close();
  });

  it("searches the run's whole log on the server as well as the lines in the page", { timeout: 30_000 }, async () => {
    await weft.saveFlow('console/chatty', CHATTY_FLOW);
    const { runId } = await weft.startRun({ flow: 'console/chatty' });
    const page = await open(`/runs/${runId}`);
    await page.locator('[data-run-state="COMPLETED"]').waitFor({ timeout: 15_000 });
    const asked = page.waitForRequest((r) => r.url().includes(`/runs/${runId}/logs`) && new URL(r.url()).searchParams.get('contains') === 'needle');
    await page.locator('input[name="log-search"]').fill('needle');
    await asked;
    await page.locator('[data-server-matches="1"]').waitFor();
    const lines = await page.locator('.log-line').allTextContents();
    assert.equal(lines.filter((l) => l.includes('the needle is here')).length, 1, lines.join('\n'));
    assert.ok(!lines.some((l) => l.includes('nothing to see')));
    await page.close();
  });

  it("nests an agent's tool calls under it in the timeline, each with its tool and state", { timeout: 40_000 }, async () => {
    model.answer((call) =>
      call.toolResults.length === 0
        ? {
            toolCalls: [
              { name: 'greet', arguments: { name: 'Ada' } },
              { name: 'greet', arguments: { name: 'Bob' } },
            ],
          }
        : { text: 'greeted twice' },
    );
    await weft.saveFlow('tools/greet', GREET_FLOW);
    await weft.saveFlow('console/agent', AGENT_FLOW);
    const { runId } = await weft.startRun({ flow: 'console/agent' });
    const page = await open(`/runs/${runId}`);
    await page.locator('[data-run-state="COMPLETED"]').waitFor({ timeout: 30_000 });
    const steps = page.locator('.step-row');
    // The run's end may be drawn before the agent's last task event: wait for that.
    await page.locator('.step-row[data-step="helper.2"][data-state="COMPLETED"]').waitFor();
    assert.deepEqual(
      await steps.evaluateAll((rows) =>
        rows.map((r) => [r.getAttribute('data-step'), r.querySelector('.task-type')?.textContent, r.getAttribute('data-state')]),
      ),
      [
        ['helper.1', 'greet', 'COMPLETED'],
        ['helper.2', 'greet', 'COMPLETED'],
      ],
    );
    const rows = await page
      .locator('.timeline-space > li')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-task') ?? li.getAttribute('data-step')));
    assert.deepEqual(rows, ['helper', 'helper.1', 'helper.2'], 'the steps come right under their agent');
    await page.close();
  });

  it('shows a flow’s source, a diff between two revisions, and its schedule trigger, paused from the page', { timeout: 60_000 }, async () => {
    const first = 'id: timed\nnamespace: console\ntasks:\n  - { id: hello, type: log, message: "hello" }\n';
    const second = `${first.replace('"hello"', '"hello again"')}triggers:\n  - { id: nightly, type: schedule, cron: "0 3 * * *", timezone: UTC }\n`;
    await weft.saveFlow('console/timed', first);
    await weft.saveFlow('console/timed', second);
    const page = await open('/flows/console/timed');
    try {
      await page.locator('pre.source', { hasText: 'hello again' }).waitFor();
      await page.selectOption('select[name="compare"]', '1');
      await page.locator('.diff-removed', { hasText: 'message: "hello" }' }).waitFor();
      await page.locator('.diff-added', { hasText: 'hello again' }).waitFor();
      await page.locator('.diff-added', { hasText: 'nightly' }).waitFor();
      const trigger = page.locator('.triggers li', { hasText: 'nightly' });
      await trigger.filter({ hasText: 'next:' }).waitFor();
      await trigger.getByRole('button', { name: 'Pause' }).click();
      await trigger.filter({ hasText: 'paused' }).waitFor();
      const listed = await weft.listTriggers('console/timed');
      assert.equal(listed.triggers.find((t) => t.id === 'nightly')?.paused, true);
    } finally {
      await page.close();
      await weft.deleteFlow('console/timed');
    }
  });

  it('shows a named limit with the run holding it, and a run cancelled from its page', { timeout: 60_000 }, async () => {
    let release = false;
    http.route('/hold', async (_req, res) => {
      while (!release) await new Promise((r) => setTimeout(r, 50));
      json(res, 200, {});
    });
    const name = 'console-gate';
    await weft.setLimit(name, 1);
    await weft.saveFlow(
      'console/held',
      `id: held\nnamespace: console\ntasks:\n  - { id: call, type: http, url: "${http.url}/hold", limits: [${name}], timeout: 5m }\n`,
    );
    const { runId } = await weft.startRun({ flow: 'console/held' });
    const page = await open('/limits');
    try {
      const row = page.locator('tr', { hasText: name });
      await row.filter({ hasText: '1 / 1' }).waitFor({ timeout: 20_000 });
      await row.locator(`a[href="/runs/${encodeURIComponent(runId)}"]`).click();
      await page.locator('[data-run-state="RUNNING"]').waitFor();
      await page.getByRole('button', { name: 'Cancel run' }).click();
      await page.locator('[data-run-state="CANCELLED"]').waitFor({ timeout: 20_000 });
      assert.equal((await weft.getRun(runId)).state, 'CANCELLED');
    } finally {
      release = true;
      await page.close();
      await weft.removeLimit(name);
    }
  });

  it('shows a task PENDING while it waits for a worker of its group, and follows it once one takes it', { timeout: 60_000 }, async () => {
    let release = false;
    http.route('/gpu', async (_req, res) => {
      while (!release) await new Promise((r) => setTimeout(r, 20));
      json(res, 200, {});
    });
    await weft.saveFlow('console/grouped', `id: grouped\nnamespace: console\ntasks:\n  - { id: train, type: http, url: "${http.url}/gpu", queue: gpu }\n`);
    const { runId } = await weft.startRun({ flow: 'console/grouped' });
    const page = await open(`/runs/${runId}`);
    const connection = await NativeConnection.connect({ address: temporalAddress() });
    let group: { worker: WeftWorker; running: Promise<void> } | undefined;
    try {
      const row = page.locator('.task-row[data-task="train"]');
      await row.locator('.state-PENDING').waitFor({ timeout: 20_000 });
      assert.equal(await row.locator('.task-note').textContent(), 'waiting for a worker on queue gpu');
      // The run's event stream polls every 20 to 250 ms: a second of it still says PENDING.
      await page.waitForTimeout(1000);
      assert.equal(await row.locator('.state-PENDING').count(), 1, 'the live updates keep the task PENDING while no worker of its group runs');
      await page.evaluate(() => {
        window.sameDocument = true;
      });
      // A worker of the group starts: the same page follows the task as it runs, then ends.
      const worker = await createWeftWorker({
        connection,
        store: fixture.env.store,
        taskQueue: fixture.env.taskQueue,
        dataDir: fixture.env.dataDir,
        queue: 'gpu',
      });
      group = { worker, running: worker.run() };
      await row.locator('.state-RUNNING').waitFor({ timeout: 20_000 });
      assert.equal(await row.locator('.task-note').textContent(), '');
      release = true;
      await page.locator('[data-run-state="COMPLETED"]').waitFor({ timeout: 20_000 });
      await row.locator('.state-COMPLETED').waitFor();
      assert.equal(await page.evaluate(() => window.sameDocument), true);
    } finally {
      release = true;
      await page.close();
      group?.worker.shutdown();
      await group?.running;
      await connection.close();
    }
  });

  it('reads on a phone: the run page fits 390 px without scrolling sideways', { timeout: 30_000 }, async () => {
    const { runId } = await weft.startRun({ flow: 'console/live' });
    await weft.waitForRun(runId);
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await page.route('**/*', (route) => {
      requested.push(route.request().url());
      return route.continue();
    });
    try {
      await page.goto(`${server.base}/runs/${runId}`);
      await page.locator('[data-run-state="COMPLETED"]').waitFor();
      await page.locator('.task-row').first().waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `the page is ${width} px wide on a 390 px screen`);
      await page.screenshot({ path: await image('console-run-phone.png') });
    } finally {
      await page.close();
    }
  });

  it('moves through the runs list with the keyboard and opens a run with Enter', { timeout: 60_000 }, async () => {
    const page = await open('/runs');
    await page.locator('tr.run-row').first().waitFor();
    // This file's runs only: the suite's server also lists other files' runs, whose workers have gone.
    await page.fill('input[name="flow"]', 'console/live');
    await page.locator('select[name="state"]').focus();
    await page.locator('tr.run-row').filter({ hasNotText: 'console/live' }).first().waitFor({ state: 'detached' });
    await page.locator('tr.run-row').nth(1).waitFor();
    const ids = await page.locator('tr.run-row').evaluateAll((rows) => rows.map((r) => (r as unknown as PageElement).dataset.runId));
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.runId), ids[0]);
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.runId), ids[1]);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/runs/${encodeURIComponent(ids[1] ?? '')}`);
    await page.locator('[data-run-state]').waitFor();
    await page.close();
  });

  it('shows a 5,000-task run and answers input within 2 s', { timeout: 60_000 }, async () => {
    // 5,000 top-level tasks: each a task run of the run's own timeline (the iterations of a large
    // foreach run in batch child workflows, and the run's timeline shows the foreach's progress).
    const tasks = Array.from({ length: 5000 }, (_, i) => `  - { id: t${i}, type: log, message: "task ${i}" }`).join('\n');
    const flow = `id: big\nnamespace: console\ndescription: many tasks\ntasks:\n${tasks}\n`;
    await weft.saveFlow('console/big', flow);
    const started = Date.now();
    const { runId } = await weft.startRun({ flow: 'console/big' });
    const ended = await weft.waitForRun(runId);
    const runMs = Date.now() - started;
    const total = (await weft.getRun(runId, { detail: 'full' })).tasksShown?.total ?? 1;
    assert.ok(total >= 5000, `the run has ${total} task runs`);
    const page = await open(`/runs/${runId}`);
    await page.locator('[data-run-state="COMPLETED"]').waitFor();
    await page.locator('.task-row').first().waitFor();
    // Interactive: a scroll to the end of the timeline is drawn, measured in the page.
    const interactiveMs = await page.evaluate(async () => {
      const box = document.querySelector('.timeline') as PageElement;
      box.scrollTop = box.scrollHeight;
      await new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
      return performance.now();
    });
    await page.waitForFunction(
      (n) => document.querySelectorAll('.task-row').length > 0 && document.querySelector('h2 .muted')?.textContent === `(${n})`,
      total,
      {
        timeout: 30_000,
      },
    );
    const allMs = await page.evaluate(() => performance.now());
    process.stderr.write(
      `[console] ${total} task runs (run ${ended.state} in ${runMs} ms): page interactive at ${Math.round(interactiveMs)} ms, whole timeline at ${Math.round(allMs)} ms\n`,
    );
    assert.ok(interactiveMs < 2000, `interactive after ${interactiveMs} ms`);
    assert.ok((await page.locator('.task-row').count()) < 200, 'the timeline is windowed');
    await page.close();
  });
});

async function image(name: string): Promise<string> {
  await mkdir(IMAGES, { recursive: true });
  return join(IMAGES, name);
}

// The page's globals as the callbacks above use them in the browser (the tests compile without the DOM library).
interface PageElement {
  dataset: Record<string, string | undefined>;
  scrollTop: number;
  scrollHeight: number;
  scrollWidth: number;
  textContent: string | null;
}
declare const document: {
  activeElement: PageElement | null;
  documentElement: PageElement;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): { length: number };
};
declare const window: { sameDocument?: boolean };
declare function requestAnimationFrame(callback: () => void): number;
