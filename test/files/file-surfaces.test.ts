// Namespace files through every surface, on real components: the JSON API on a loopback server
// (and the typed client), a `weft mcp` process over stdio with the SDK's Client, and the `weft`
// CLI; each with its happy path and its refusals (bad path, too big, a key without the scope or
// the script right). Then a saved flow's script reads its namespace's file on a real worker, and
// a file it lists that is missing fails the run naming it.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { MAX_CONTENT_CHARS } from '../../mcp/tools/file-tools.js';
import { WeftClient } from '../../src/adapters/client/weft-client.js';
import { FileService, MAX_FILE_BYTES } from '../../src/services/files/file-service.js';
import { NamespaceFileStore } from '../../src/services/files/file-store.js';
import { startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { cliActor } from '../../src/services/security/audit-cli.js';
import { type ApiFixture, type ApiServer, apiFixture, call, errorOf } from '../api/api-fixture.js';
import { connectStdio, type StdioSession, structured, textOf, WEFT_BIN, weftEnv } from '../helpers/mcp-clients.js';
import { flowFrom } from '../helpers/temporal-env.js';

interface FileView {
  namespace: string;
  path: string;
  bytes: number;
  sha256: string;
}

describe('namespace files through the API, MCP and the CLI', () => {
  let fixture: ApiFixture;
  let local: ApiServer;
  let keyed: ApiServer;
  const tokens: Record<string, string> = {};

  before(async () => {
    fixture = await apiFixture();
    local = await fixture.serve();
    keyed = await fixture.serve({ auth: true });
    tokens.read = (await fixture.keys.create({ scope: 'read', name: 'reader' })).token;
    tokens.run = (await fixture.keys.create({ scope: 'run', name: 'runner' })).token;
    tokens.scripts = (await fixture.keys.create({ scope: 'run', name: 'scripter', allowScripts: true })).token;
    tokens.teamA = (await fixture.keys.create({ scope: 'run', name: 'team-a', namespace: 'team-a', allowScripts: true })).token;
  });
  after(async () => fixture?.close());

  it('API: puts, lists, pages, gets as base64, and removes files; a nested path travels as %2F', async () => {
    const api = local.api;
    const put = await call(`${api}/files/api-ns/data%2Fin.csv`, { method: 'PUT', body: { content: 'a,b\n1,2\n' } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual((put.body.file as FileView).path, 'data/in.csv');
    const long = 'x'.repeat(30_000) + 'é'.repeat(20_000);
    assert.equal((await call(`${api}/files/api-ns/long.txt`, { method: 'PUT', body: { content: long } })).status, 200);
    const binary = Buffer.from([0, 159, 146, 150, 255]);
    await call(`${api}/files/api-ns/blob.bin`, { method: 'PUT', body: { content: binary.toString('base64'), base64: true } });
    const listed = await call(`${api}/files/api-ns`);
    assert.deepEqual(
      (listed.body.files as FileView[]).map((f) => [f.path, f.bytes]),
      [
        ['blob.bin', 5],
        ['data/in.csv', 8],
        ['long.txt', 70_000],
      ],
    );
    const csv = await call(`${api}/files/api-ns/data%2Fin.csv`);
    assert.equal(csv.body.content, 'a,b\n1,2\n');
    assert.equal(csv.body.nextOffset, undefined);
    let text = '';
    let offset: number | undefined = 0;
    let pages = 0;
    while (offset !== undefined) {
      const page = await call(`${api}/files/api-ns/long.txt?offset=${offset}`);
      text += page.body.content as string;
      offset = page.body.nextOffset as number | undefined;
      pages += 1;
    }
    assert.equal(text, long, 'pages join into the file, each cut on a character boundary');
    assert.equal(pages, 3);
    const blob = await call(`${api}/files/api-ns/blob.bin`);
    assert.deepEqual([blob.body.base64, Buffer.from(blob.body.content as string, 'base64').equals(binary)], [true, true]);
    const removed = await call(`${api}/files/api-ns/blob.bin`, { method: 'DELETE' });
    assert.equal((removed.body.file as FileView).path, 'blob.bin');
    const gone = await call(`${api}/files/api-ns/blob.bin`);
    assert.equal(gone.status, 404);
    assert.equal(errorOf(gone).code, 'FILE_NOT_FOUND');
  });

  it('API: refuses a bad path (400), a body over the request bound (413), and a put without content (400)', async () => {
    const bad = await call(`${local.api}/files/api-ns/..%2Fescape.txt`, { method: 'PUT', body: { content: 'x' } });
    assert.equal(bad.status, 400);
    assert.equal(errorOf(bad).code, 'INVALID_FILE');
    assert.match(errorOf(bad).message, /file path "\.\.\/escape\.txt" contains "\.\."/);
    const big = await call(`${local.api}/files/api-ns/big.txt`, { method: 'PUT', body: { content: 'x'.repeat(3 * 2 ** 20) } });
    assert.equal(big.status, 413);
    assert.equal(errorOf(big).code, 'BODY_TOO_LARGE');
    const empty = await call(`${local.api}/files/api-ns/empty.txt`, { method: 'PUT', body: {} });
    assert.equal(empty.status, 400);
    assert.equal(errorOf(empty).code, 'INVALID_ARGUMENTS');
  });

  it('API with keys: a read key is refused; writing needs the script right; a namespace key stays in its namespace', async () => {
    const api = keyed.api;
    const put = (ns: string, token: string | undefined) =>
      call(`${api}/files/${ns}/notes.txt`, { method: 'PUT', body: { content: 'hi' }, ...(token ? { token } : {}) });
    const byReader = await call(`${api}/files/keyed`, { token: tokens.read as string });
    assert.deepEqual([byReader.status, errorOf(byReader).code], [403, 'TOOL_NOT_ALLOWED']);
    const byRunner = await put('keyed', tokens.run);
    assert.deepEqual([byRunner.status, errorOf(byRunner).code], [403, 'ACCESS_DENIED']);
    assert.match(errorOf(byRunner).message, /may not use script tasks, so it may not put or remove them/);
    assert.equal((await call(`${api}/files/keyed`, { token: tokens.run as string })).status, 200, 'a run key may list');
    assert.equal((await put('keyed', tokens.scripts)).status, 200);
    const foreign = await put('keyed', tokens.teamA);
    assert.deepEqual([foreign.status, errorOf(foreign).code], [403, 'ACCESS_DENIED']);
    assert.equal((await put('team-a', tokens.teamA)).status, 200);
    const records = await fixture.audited({ tool: 'manage_files' }, (entries) => entries.length >= 4);
    const ok = records.find((r) => r.outcome === 'ok' && (r.arguments as { namespace?: string }).namespace === 'team-a');
    assert.deepEqual(ok?.arguments, { action: 'put', namespace: 'team-a', path: 'notes.txt', contentChars: 2 }, 'the audit keeps the size, not the bytes');
    assert.ok(
      records.some((r) => r.outcome === 'error' && r.errorCode === 'ACCESS_DENIED'),
      'refusals are audited',
    );
  });

  it('the typed client puts text and bytes, lists, pages and removes', async () => {
    const client = new WeftClient({ url: local.base });
    await client.putFile('client-ns', 'conf/app.json', '{"a":1}');
    const bytes = new Uint8Array([1, 2, 3, 0, 250]);
    const put = await client.putFile('client-ns', 'raw.bin', bytes);
    assert.equal(put.file?.bytes, 5);
    assert.deepEqual(
      (await client.listFiles('client-ns')).files.map((f) => f.path),
      ['conf/app.json', 'raw.bin'],
    );
    assert.equal((await client.getFile('client-ns', 'conf/app.json')).content, '{"a":1}');
    const raw = await client.getFile('client-ns', 'raw.bin');
    assert.deepEqual([...Buffer.from(raw.content ?? '', 'base64')], [...bytes]);
    assert.equal((await client.removeFile('client-ns', 'raw.bin')).file?.path, 'raw.bin');
  });

  describe('over MCP (stdio, a real weft mcp process)', () => {
    let session: StdioSession;
    let client: Client;
    const callTool = async (args: Record<string, unknown>) => (await client.callTool({ name: 'manage_files', arguments: args })) as CallToolResult;
    before(async () => {
      session = await connectStdio(fixture.env);
      client = session.client;
    });
    after(async () => session?.close());

    it('puts, lists, gets and removes with manage_files', async () => {
      const put = structured<{ file: FileView }>(await callTool({ action: 'put', namespace: 'mcp-ns', path: 'prompts/system.txt', content: 'Be brief.' }));
      assert.equal(put.file.bytes, 9);
      const listed = structured<{ files: FileView[] }>(await callTool({ action: 'list', namespace: 'mcp-ns' }));
      assert.deepEqual(
        listed.files.map((f) => f.path),
        ['prompts/system.txt'],
      );
      const got = structured<{ content: string }>(await callTool({ action: 'get', namespace: 'mcp-ns', path: 'prompts/system.txt' }));
      assert.equal(got.content, 'Be brief.');
      structured(await callTool({ action: 'remove', namespace: 'mcp-ns', path: 'prompts/system.txt' }));
      assert.deepEqual(structured<{ files: FileView[] }>(await callTool({ action: 'list', namespace: 'mcp-ns' })).files, []);
    });

    it('answers bad paths, missing arguments, missing files and content over its bound as tool errors', async () => {
      const bad = await callTool({ action: 'put', namespace: 'mcp-ns', path: '/etc/passwd', content: 'x' });
      assert.equal(bad.isError, true);
      assert.match(textOf(bad), /INVALID_FILE[\s\S]*is absolute/);
      const noPath = await callTool({ action: 'get', namespace: 'mcp-ns' });
      assert.match(textOf(noPath), /manage_files get needs path/);
      const missing = await callTool({ action: 'get', namespace: 'mcp-ns', path: 'nope.txt' });
      assert.match(textOf(missing), /FILE_NOT_FOUND[\s\S]*file nope\.txt is not in namespace mcp-ns/);
      // Past this bound the SDK's stdio transport (10 MiB a message) would close the connection.
      const big = await callTool({ action: 'put', namespace: 'mcp-ns', path: 'big.bin', content: 'x'.repeat(MAX_CONTENT_CHARS + 1) });
      assert.equal(big.isError, true);
      assert.match(textOf(big), /INVALID_ARGUMENTS[\s\S]*content[\s\S]*must be at most 8388608 characters: put larger files with weft file put/);
    });
  });

  describe('through the CLI', () => {
    const weft = (args: string[], stdin?: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(process.execPath, [WEFT_BIN, ...args], { env: weftEnv(fixture.env), maxBuffer: 32 * 2 ** 20 }, (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
        child.stdin?.end(stdin ?? '');
      });

    it('puts from a file and from standard input, lists, gets and removes, with --json', async () => {
      const local = join(fixture.env.dataDir, 'input.csv');
      await writeFile(local, 'id,name\n1,ada\n');
      const put = await weft(['file', 'put', 'cli-ns', 'data/input.csv', '--from', local, '--json']);
      assert.equal(put.code, 0, put.stderr);
      assert.deepEqual({ created: JSON.parse(put.stdout).created, bytes: JSON.parse(put.stdout).file.bytes }, { created: true, bytes: 14 });
      const piped = await weft(['file', 'put', 'cli-ns', 'note.txt'], 'from stdin');
      assert.equal(piped.code, 0, piped.stderr);
      assert.match(piped.stdout, /put cli-ns\/note\.txt \(10 bytes\)/);
      const listed = JSON.parse((await weft(['file', 'list', 'cli-ns', '--json'])).stdout) as { files: FileView[] };
      assert.deepEqual(
        listed.files.map((f) => f.path),
        ['data/input.csv', 'note.txt'],
      );
      assert.equal((await weft(['file', 'get', 'cli-ns', 'data/input.csv'])).stdout, 'id,name\n1,ada\n');
      assert.equal(JSON.parse((await weft(['file', 'get', 'cli-ns', 'note.txt', '--json'])).stdout).content, 'from stdin');
      const removed = await weft(['file', 'remove', 'cli-ns', 'note.txt', '--json']);
      assert.equal(JSON.parse(removed.stdout).removed.path, 'note.txt');
      const again = await weft(['file', 'remove', 'cli-ns', 'note.txt', '--json']);
      assert.equal(again.code, 1);
      assert.equal(JSON.parse(again.stdout).error.code, 'FILE_NOT_FOUND');
      const records = await fixture.audited({ tool: 'manage_files', actor: cliActor() }, (entries) => entries.length >= 3);
      assert.ok(records.some((r) => JSON.stringify(r.arguments) === JSON.stringify({ action: 'put', namespace: 'cli-ns', path: 'note.txt', bytes: 10 })));
    });

    it('refuses a bad path and a file over 10 MiB with their codes', async () => {
      const bad = await weft(['file', 'put', 'cli-ns', 'a/../b', '--json'], 'x');
      assert.equal(bad.code, 1);
      assert.equal(JSON.parse(bad.stdout).error.code, 'INVALID_FILE');
      const big = join(fixture.env.dataDir, 'big.bin');
      await writeFile(big, Buffer.alloc(MAX_FILE_BYTES + 1));
      const tooBig = await weft(['file', 'put', 'cli-ns', 'big.bin', '--from', big]);
      assert.equal(tooBig.code, 1);
      assert.match(tooBig.stderr, /error: file big\.bin is 10485761 bytes, over the limit of 10485760 bytes/);
    });
  });

  it('a saved flow’s script reads its namespace file on a real worker; a missing one fails the run naming it', async () => {
    const files = new FileService(new NamespaceFileStore(fixture.env.store));
    await files.put('run-ns', 'config/greeting.txt', Buffer.from('hello from the store'));
    const flow = flowFrom(`
id: reads-files
namespace: run-ns
tasks:
  - id: read
    type: script
    language: bash
    files: [config/greeting.txt]
    script: |
      echo "::weft-output::{\\"text\\":\\"$(cat config/greeting.txt)\\"}"
      if echo more >> config/greeting.txt 2>/dev/null; then echo "::weft-output::{\\"wrote\\":true}"; fi
outputs:
  script: "{{ outputs.read.outputs }}"
`);
    const ran = await waitForRun(fixture.env.client, (await startRun(fixture.env.client, { flow, taskQueue: fixture.env.taskQueue })).runId);
    assert.equal(ran.state, 'COMPLETED', JSON.stringify(ran.error));
    assert.deepEqual(ran.outputs, { script: { text: 'hello from the store' } }, 'read, and not written');
    const missing = flowFrom(`
id: misses-files
namespace: run-ns
tasks:
  - id: read
    type: script
    language: bash
    files: [config/absent.txt]
    script: cat config/absent.txt
`);
    const failed = await waitForRun(fixture.env.client, (await startRun(fixture.env.client, { flow: missing, taskQueue: fixture.env.taskQueue })).runId);
    assert.equal(failed.state, 'FAILED');
    assert.equal(failed.error?.type, 'ScriptSetupError');
    assert.match(failed.error?.message ?? '', /files\[0\] config\/absent\.txt is not in namespace run-ns/);
  });

  it('a cached script task misses once a file it lists was put again', async () => {
    const files = new FileService(new NamespaceFileStore(fixture.env.store));
    await files.put('run-ns', 'version.txt', Buffer.from('one'));
    const flow = flowFrom(`
id: cached-files
namespace: run-ns
tasks:
  - id: read
    type: script
    language: bash
    cache: { ttl: 1h }
    files: [version.txt]
    script: echo "::weft-output::{\\"version\\":\\"$(cat version.txt)\\"}"
outputs:
  version: "{{ outputs.read.outputs.version }}"
`);
    const run = async () => waitForRun(fixture.env.client, (await startRun(fixture.env.client, { flow, taskQueue: fixture.env.taskQueue })).runId);
    const first = await run();
    const second = await run();
    await files.put('run-ns', 'version.txt', Buffer.from('two'));
    const third = await run();
    assert.deepEqual(
      [first, second, third].map((view) => [view.outputs?.version, view.tasks[0]?.state]),
      [
        ['one', 'COMPLETED'],
        ['one', 'CACHED'],
        ['two', 'COMPLETED'],
      ],
    );
  });
});
