// The MCP Apps run view as a client finds it, through the SDK's Client and the real `weft mcp` on
// stdio: get_run names `ui://weft/run` in its `_meta.ui`, resources/list lists it, and
// resources/read answers one HTML document with the MCP Apps mime type that loads nothing from
// anywhere (its script and style are inline).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RESOURCE_MIME_TYPE } from '@modelcontextprotocol/ext-apps/server';
import { connectStdio, type StdioSession } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';

const URI = 'ui://weft/run';

/** The markup outside inline scripts and styles, where a reference to another file would be. */
function markupOnly(html: string): string {
  return html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '<script></script>').replace(/<style\b[^>]*>[\s\S]*?<\/style>/gi, '<style></style>');
}

describe('the MCP Apps run view', () => {
  let env: TestEnv;
  let session: StdioSession;

  before(async () => {
    env = await createTestEnv();
    session = await connectStdio(env);
  });
  after(async () => {
    await session?.close();
    await env?.close();
  });

  it('is named by get_run’s _meta.ui.resourceUri and by no other tool, within the tools/list budget', async () => {
    const listed = await session.client.listTools();
    const getRun = listed.tools.find((t) => t.name === 'get_run');
    assert.deepEqual(getRun?._meta, { ui: { resourceUri: URI } });
    const others = listed.tools.filter((t) => t.name !== 'get_run' && t._meta !== undefined).map((t) => t.name);
    assert.deepEqual(others, []);
    const bytes = JSON.stringify(listed).length;
    assert.ok(bytes < 14_000, `tools/list is ${bytes} bytes`);
  });

  it('is listed by resources/list with the MCP Apps mime type', async () => {
    const { resources } = await session.client.listResources();
    const view = resources.find((r) => r.uri === URI);
    assert.ok(view, `resources/list has ${URI}: ${resources.map((r) => r.uri).join(', ')}`);
    assert.equal(view.mimeType, RESOURCE_MIME_TYPE);
    assert.equal(RESOURCE_MIME_TYPE, 'text/html;profile=mcp-app');
  });

  it('reads as one self-contained HTML document: inline module script and style, no src, href, url() or import', async () => {
    const read = await session.client.readResource({ uri: URI });
    assert.equal(read.contents.length, 1);
    const content = read.contents[0] as { uri: string; mimeType?: string; text?: string };
    assert.equal(content.uri, URI);
    assert.equal(content.mimeType, RESOURCE_MIME_TYPE);
    const html = content.text ?? '';
    assert.match(html, /^<!doctype html>/i);
    assert.match(html, /<div id="app"><\/div>/);
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    assert.equal(scripts.length, 1, 'one script');
    assert.equal(scripts[0]?.[1]?.trim(), 'type="module"', 'inline, without src');
    assert.ok((scripts[0]?.[2]?.length ?? 0) > 10_000, 'the bundle is inside the page');
    assert.doesNotMatch(markupOnly(html), /\b(src|href|srcset|action)\s*=/i, 'no attribute names another file');
    assert.doesNotMatch(markupOnly(html), /<(link|img|iframe|object|embed|base)\b/i);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    assert.match(style, /\.task-row/, 'the console’s styles are inline');
    assert.doesNotMatch(style, /url\(|@import/i, 'the style fetches nothing');
    // A module script can still import by URL: the bundle must import nothing at all.
    assert.doesNotMatch(scripts[0]?.[2] ?? '', /\bimport\s*\(\s*["'`]|\bfrom\s*["'`](https?:|\/|\.)/, 'no import of another file');
    assert.doesNotMatch(html, /weft_[A-Za-z0-9_-]{20,}/, 'no API key');
  });
});
