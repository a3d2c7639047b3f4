// The MCP Apps run view (console/src/run-app.tsx) in real headless Chromium, inside a test page
// that is the host: the package's own AppBridge over postMessage, the view in a sandboxed frame
// under the strict CSP hosts give views, and every tool call the view makes forwarded by the
// host to Weft's real MCP server (Streamable HTTP, a real worker on the suite's Temporal dev
// server). The view shows a run from the get_run result it is handed and follows its logs
// (query_logs, searched on the server too), a person answers its approval form, and the run
// completes; a person's approval is answered from the form only once the host's user confirms it
// (elicitation), and cancel goes through the host too. No request leaves the host's page.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type CallToolRequest, type CallToolResult, type ElicitRequest, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { build } from 'esbuild';
import { type Browser, chromium, type FrameLocator, type Page } from 'playwright-core';
import { type ApiFixture, type ApiServer, apiFixture } from '../api/api-fixture.js';
import { structured } from '../helpers/mcp-clients.js';
import { waitFor } from '../helpers/wait-for.js';

const CHROMIUM = '/usr/lib/chromium/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HOST = 'http://mcp-host.test';
/** What hosts put on a view that declares no domains: nothing may load from anywhere. */
const VIEW_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'";

const APPROVAL_FLOW = `id: gate
namespace: apps
description: waits for an answer in the run view
tasks:
  - { id: prepare, type: log, message: "preparing" }
  - id: ok
    type: approval
    approvers: any
    message: "Ship it?"
    fields:
      type: object
      properties: { amount: { type: number }, note: { type: string } }
      required: [amount]
  - { id: ship, type: log, message: "shipping {{ outputs.ok.data.amount }}" }
outputs:
  amount: "{{ outputs.ok.data.amount }}"
  note: "{{ outputs.ok.data.note }}"
`;

const PERSON_FLOW = `id: person
namespace: apps
description: waits for a person
tasks:
  - id: sign
    type: approval
    approvers: human
    message: "Sign the contract?"
    fields:
      type: object
      properties: { amount: { type: number } }
outputs:
  by: "{{ outputs.sign.by }}"
  amount: "{{ outputs.sign.data.amount }}"
`;

// The host: the package's AppBridge with no client of its own, so each tools/call of the view
// reaches `forwardToolCall`, which the test answers from Node with its MCP client.
const HOST_SCRIPT = `
import { AppBridge, PostMessageTransport } from '@modelcontextprotocol/ext-apps/app-bridge';
window.showView = async (html, csp, args, result, hostContext) => {
  const frame = document.createElement('iframe');
  frame.setAttribute('sandbox', 'allow-scripts');
  frame.style.cssText = 'width: 960px; height: 640px; border: 1px solid #999';
  document.body.appendChild(frame);
  const bridge = new AppBridge(null, { name: 'weft-test-host', version: '1.0.0' }, { serverTools: {} }, { hostContext });
  bridge.oncalltool = (params) => window.forwardToolCall(params);
  bridge.onsizechange = ({ height }) => { if (height) frame.style.height = height + 'px'; };
  bridge.oninitialized = () => {
    bridge.sendToolInput({ arguments: args });
    bridge.sendToolResult(result);
  };
  await bridge.connect(new PostMessageTransport(frame.contentWindow, frame.contentWindow));
  frame.srcdoc = html.replace('<head>', '<head><meta http-equiv="Content-Security-Policy" content="' + csp + '">');
};
`;

describe('the MCP Apps run view in a host, in Chromium', () => {
  let fixture: ApiFixture;
  let server: ApiServer;
  let client: Client;
  let browser: Browser;
  let hostPage: string;
  let viewHtml: string;
  /** Requests of any page that were not the host's own page. */
  const foreign: string[] = [];

  before(async () => {
    fixture = await apiFixture();
    server = await fixture.serve();
    client = new Client({ name: 'weft-test-host', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`)));
    const read = await client.readResource({ uri: 'ui://weft/run' });
    viewHtml = String((read.contents[0] as { text?: string }).text);
    const bundle = await build({
      stdin: { contents: HOST_SCRIPT, resolveDir: ROOT, loader: 'js' },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'warning',
    });
    hostPage = `<!doctype html><html><head><meta charset="utf-8"><title>host</title></head><body><script type="module">${bundle.outputFiles[0]?.text}</script></body></html>`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await client?.close();
    await fixture?.close();
    assert.deepEqual(foreign, [], 'the view requested nothing');
  });

  /**
   * A host page showing the view for `runId`, handed a real get_run result; the tool calls it
   * forwards, through `via` (the host's own MCP client: one that can elicit shows its user forms).
   */
  async function host(
    runId: string,
    hostContext: Record<string, unknown> = {},
    handOver: (result: CallToolResult) => CallToolResult = (result) => result,
    via: Client = client,
  ): Promise<{ page: Page; view: FrameLocator; calls: CallToolRequest['params'][] }> {
    const calls: CallToolRequest['params'][] = [];
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url === `${HOST}/`) return route.fulfill({ status: 200, contentType: 'text/html', body: hostPage });
      foreign.push(url);
      return route.abort();
    });
    await page.exposeFunction('forwardToolCall', async (params: CallToolRequest['params']) => {
      calls.push(params);
      return via.callTool(params, undefined, { timeout: 60_000 });
    });
    await page.goto(`${HOST}/`);
    const args = { runId };
    const result = handOver((await client.callTool({ name: 'get_run', arguments: args })) as CallToolResult);
    await page.evaluate(([html, csp, a, r, c]) => (globalThis as unknown as HostWindow).showView(html, csp, a, r, c), [
      viewHtml,
      VIEW_CSP,
      args,
      result,
      hostContext,
    ] as const);
    return { page, view: page.frameLocator('iframe'), calls };
  }

  async function startWaiting(flow: string, ref: string): Promise<string> {
    structured(await client.callTool({ name: 'save_flow', arguments: { flow } }));
    // The client offers no elicitation, so the wait ends as soon as the run waits on its approval.
    const run = structured<{ runId: string; state: string }>(await client.callTool({ name: 'run_flow', arguments: { flow: ref, waitSeconds: 30 } }));
    assert.equal(run.state, 'WAITING');
    return run.runId;
  }

  it('shows the run it is handed, and its approval form answers through the host until the run completes', { timeout: 90_000 }, async () => {
    const runId = await startWaiting(APPROVAL_FLOW, 'apps/gate');
    const { page, view, calls } = await host(runId);
    await view.locator('[data-run-state="WAITING"]').waitFor({ timeout: 20_000 });
    await view.locator('.task-row[data-task="prepare"] .state-COMPLETED').waitFor();
    await view.locator('.task-row[data-task="ok"] .state-WAITING').waitFor();
    assert.match((await view.locator('h1').textContent()) ?? '', new RegExp(runId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    // The run's logs, read through the host's query_logs, never from Weft directly.
    await view.getByRole('log', { name: 'log lines' }).locator('.log-line', { hasText: 'preparing' }).waitFor({ timeout: 20_000 });
    // The whole timeline is read through the host, never from Weft directly.
    await waitFor('the view reads the run through get_run', async () => calls.some((c) => c.name === 'get_run' && c.arguments?.detail === 'full') || undefined);

    const form = view.getByRole('form', { name: 'approval ok' });
    assert.match((await form.textContent()) ?? '', /Ship it\?/);
    await form.locator('input[name="amount"]').fill('42');
    await form.locator('input[name="note"]').fill('from the view');
    await page.screenshot({ path: join(ROOT, 'docs', 'images', 'mcp-app-run-view.png') });
    await form.getByRole('button', { name: 'Approve' }).click();

    const answer = await waitFor('a respond_to_approval call at the host', async () => calls.find((c) => c.name === 'respond_to_approval'));
    assert.deepEqual(answer.arguments, { runId, taskId: 'ok', approved: true, data: { amount: 42, note: 'from the view' } });
    // The call is seen as the host forwards it: a wait may begin before the answer reached the run
    // (and end at once, on the approval no one here answers), so it is asked again until the end.
    const ended = await waitFor('the run to complete', async () => {
      const read = structured<{ state: string; outputs: Record<string, unknown> }>(
        (await client.callTool({ name: 'get_run', arguments: { runId, waitSeconds: 10 } })) as CallToolResult,
      );
      return read.state === 'COMPLETED' ? read : undefined;
    });
    assert.deepEqual(ended.outputs, { amount: 42, note: 'from the view' });
    // The view follows the run to its end by get_run calls through the host.
    await view.locator('[data-run-state="COMPLETED"]').waitFor({ timeout: 20_000 });
    await view.locator('.task-row[data-task="ship"] .state-COMPLETED').waitFor();
    assert.equal(await view.locator('form.approval').count(), 0);
    // The lines written after the answer reached the view as it followed the run.
    await view.locator('.log-line', { hasText: 'shipping 42' }).waitFor({ timeout: 20_000 });
    // A search asks the server too, through the host, for the words over the run's whole log.
    await view.locator('input[name="log-search"]').fill('shipping');
    const search = await waitFor('a query_logs search at the host', async () => calls.find((c) => c.name === 'query_logs' && c.arguments?.contains));
    assert.deepEqual(search.arguments, { runId, contains: 'shipping', level: 'debug', limit: 500 });
    await view.locator('[data-server-matches]').waitFor();
    const found = await view.locator('.log-line').allTextContents();
    assert.ok(found.length > 0 && found.every((line) => line.includes('shipping')), found.join('\n'));
    // The logs are followed at the run's own reads, never more often.
    const follows = calls.filter((c) => c.name === 'query_logs' && !c.arguments?.contains).length;
    const reads = calls.filter((c) => c.name === 'get_run' && c.arguments?.detail === 'full' && !c.arguments?.cursor).length;
    assert.ok(follows >= 2 && follows <= reads, `${follows} log reads, ${reads} run reads`);
    assert.deepEqual([...new Set(calls.map((c) => c.name))].sort(), ['get_run', 'query_logs', 'respond_to_approval']);

    // The ended run restarts from a chosen task through the host, and the view follows the new run:
    // the answered approval is reused, so it completes without asking again.
    await view.locator('select[name="from-task"]').selectOption('ship');
    await view.getByRole('button', { name: 'Restart' }).click();
    const restart = await waitFor('a restart_run call at the host', async () => calls.find((c) => c.name === 'restart_run'));
    assert.deepEqual(restart.arguments, { runId, fromTask: 'ship' });
    const heading = await waitFor('the view to show the new run', async () => {
      const text = (await view.locator('h1').textContent()) ?? '';
      return text.includes(runId) ? undefined : text;
    });
    assert.match(heading, /apps\.gate-/);
    await view.locator('[data-run-state="COMPLETED"]').waitFor({ timeout: 20_000 });
    await view.locator('.task-row[data-task="ship"] .state-COMPLETED').waitFor();
    await page.close();
  });

  it('refuses a person’s approval from the form when the host cannot ask its user, cancels the run through the host, takes the host’s theme and reads a text-only result', {
    timeout: 60_000,
  }, async () => {
    const runId = await startWaiting(PERSON_FLOW, 'apps/person');
    // The browser prefers light; the host says dark. It hands over only the text blocks, as some
    // hosts do: Weft's first one is the same JSON as the structured content.
    const { page, view, calls } = await host(runId, { theme: 'dark' }, (result) => ({ content: result.content }));
    await view.locator('[data-run-state="WAITING"]').waitFor({ timeout: 20_000 });
    const background = await view.locator('body').evaluate((body) => (globalThis as unknown as HostWindow).getComputedStyle(body).backgroundColor);
    assert.equal(background, 'rgb(18, 22, 29)', 'the dark background of styles.css');
    const form = view.getByRole('form', { name: 'approval sign' });
    assert.match((await form.textContent()) ?? '', /Sign the contract\?[\s\S]*waits for a person: you will be asked to confirm/);
    await form.locator('input[name="amount"]').fill('7');
    await form.getByRole('button', { name: 'Approve' }).click();
    // This host's client offers no elicitation: the tool call alone is refused, and says where a person answers.
    await form.locator('.error', { hasText: 'APPROVAL_NOT_ACCEPTED' }).waitFor({ timeout: 20_000 });
    assert.match((await form.locator('.error').textContent()) ?? '', /needs a person's answer[\s\S]*Weft console[\s\S]*weft run approve/);
    await view.locator('[data-run-state="WAITING"]').waitFor();

    await view.getByRole('button', { name: 'Cancel run' }).click();
    const cancel = await waitFor('a cancel_run call at the host', async () => calls.find((c) => c.name === 'cancel_run'));
    assert.equal(cancel.arguments?.runId, runId);
    await view.locator('[data-run-state="CANCELLED"]').waitFor({ timeout: 20_000 });
    const run = structured<{ state: string }>((await client.callTool({ name: 'get_run', arguments: { runId } })) as CallToolResult);
    assert.equal(run.state, 'CANCELLED');
    await page.close();
  });

  it('answers a person’s approval from the form once the host’s user confirms the exact answer', { timeout: 60_000 }, async () => {
    const runId = await startWaiting(PERSON_FLOW, 'apps/person');
    // A host whose client shows its user forms (elicitation); this user confirms what they see.
    const asked: ElicitRequest['params'][] = [];
    const person = new Client({ name: 'weft-test-host', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
    person.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params);
      return { action: 'accept', content: { confirm: true } };
    });
    await person.connect(new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`)));
    try {
      const { page, view, calls } = await host(runId, {}, undefined, person);
      const form = view.getByRole('form', { name: 'approval sign' });
      await form.locator('input[name="amount"]').fill('9');
      await form.locator('textarea[name="comment"]').fill('mine');
      await form.getByRole('button', { name: 'Approve' }).click();
      await view.locator('[data-run-state="COMPLETED"]').waitFor({ timeout: 20_000 });
      const answer = calls.find((c) => c.name === 'respond_to_approval');
      assert.deepEqual(answer?.arguments, { runId, taskId: 'sign', approved: true, comment: 'mine', data: { amount: 9 } });
      assert.equal(asked.length, 1);
      assert.match(String((asked[0] as { message?: string }).message), /decision: approve\n {2}comment: "mine"\n {2}amount: 9/);
      const ended = structured<{ state: string; outputs: Record<string, unknown> }>(
        (await client.callTool({ name: 'get_run', arguments: { runId } })) as CallToolResult,
      );
      assert.deepEqual(ended.outputs, { by: 'user (via MCP elicitation)', amount: 9 });
      await page.close();
    } finally {
      await person.close();
    }
  });
});

/** The host page's global, as the callback above uses it in the browser (the tests compile without the DOM library). */
interface HostWindow {
  showView(html: string, csp: string, args: Record<string, unknown>, result: unknown, hostContext: Record<string, unknown>): Promise<void>;
  getComputedStyle(element: unknown): { backgroundColor: string };
}
