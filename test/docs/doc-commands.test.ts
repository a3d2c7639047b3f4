// The shell blocks of docs/code-flows.md and docs/flows.md, run as written: `npm start` with the
// code-flow module, the CLI lines against it (the watched run's approval answered meanwhile),
// the assistant's `weft mcp` command with the real SDK client, and the webhook's curl with
// its signature. A new shell block fails the first test until it is run here too.

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { waitFor } from '../helpers/wait-for.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'weft.js');
const WEFT = `"${process.execPath}" "${BIN}"`;

interface Block {
  doc: string;
  text: string;
  /** The fenced block just before this one, with its language. */
  previous?: { lang: string; text: string };
}

async function blocksOf(doc: string): Promise<Block[]> {
  const text = await readFile(join(ROOT, doc), 'utf8');
  const fences = [...text.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1] ?? '', text: m[2] ?? '' }));
  return fences.flatMap((fence, i) => (fence.lang === 'sh' ? [{ doc, text: fence.text, ...(i > 0 ? { previous: fences[i - 1] } : {}) }] : []));
}

/** The block's lines that are commands: blank and comment-only lines dropped. */
function commandLines(block: Block): string[] {
  return block.text.split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
}

/** What a line's trailing comment shows it prints, as a pattern: its words in order, `...` for anything. */
function shownOutput(line: string): RegExp | undefined {
  const comment = /\s#\s+(.*)$/.exec(line)?.[1];
  if (!comment) return undefined;
  const words = comment.split(/\s+/).map((w) => (w === '...' || w === '…' ? '.*' : w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
  return new RegExp(`^${words.join('\\s+')}`, 'm');
}

function sh(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', script], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('the shell commands of docs/code-flows.md and docs/flows.md', () => {
  let blocks: Block[];
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let service: ChildProcess | undefined;
  let serviceOutput = '';
  let serviceExited: Promise<void> = Promise.resolve();
  const find = (doc: string, first: RegExp): Block => {
    const block = blocks.find((b) => b.doc === doc && first.test(commandLines(b)[0] ?? ''));
    assert.ok(block, `${doc} has a shell block starting ${first}`);
    return block;
  };

  before(async () => {
    blocks = [...(await blocksOf('docs/code-flows.md')), ...(await blocksOf('docs/flows.md'))];
    dataDir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'doc-commands-'));
    env = { WEFT_DATA_DIR: dataDir, WEFT_TASK_QUEUE: `docs-${process.pid}-${Date.now()}`, WEFT_LOG_LEVEL: 'warn', HOOK_SECRET: 'doc-hook-secret' };
  });
  after(async () => {
    // The service runs in its own process group (npm, its shell, weft dev): stop all of it.
    if (service?.pid && service.exitCode === null) process.kill(-service.pid, 'SIGTERM');
    await serviceExited;
  });

  it('runs every shell block the two docs hold', () => {
    const known = [/^export WEFT_MODULES=/, /^claude mcp add /, /^printf %s "\$HOOK_SECRET" \| weft secret set /, /^weft flow save issue-followup\.yaml/];
    for (const block of blocks) {
      const first = commandLines(block)[0] ?? '';
      assert.ok(
        known.some((k) => k.test(first)),
        `${block.doc}: the shell block starting "${first}" is not run by this test; add it`,
      );
    }
    assert.equal(blocks.length, known.length, blocks.map((b) => commandLines(b)[0]).join('\n'));
  });

  it('code-flows.md "Run it": npm start with the module, flow list, and the watched run to its end', { timeout: 300_000 }, async () => {
    const lines = commandLines(find('docs/code-flows.md', /^export WEFT_MODULES=/));
    const start = lines.findIndex((l) => /^npm start\b/.test(l));
    assert.ok(start > 0, 'the block starts the service with npm start after setting WEFT_MODULES');
    const exports = lines.slice(0, start).join('\n');
    service = spawn('/bin/sh', ['-c', `${exports}\n${lines[start]}`], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    service.stdout?.on('data', (c: Buffer) => (serviceOutput += c.toString()));
    service.stderr?.on('data', (c: Buffer) => (serviceOutput += c.toString()));
    const child = service;
    serviceExited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor(
      'npm start to say Weft is up',
      async () => {
        if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${serviceOutput}`);
        return /Weft is up/.test(serviceOutput) ? true : undefined;
      },
      240_000,
      250,
    );
    for (const line of lines.slice(start + 1)) {
      const command = `${exports}\n${line.replaceAll('npx weft', WEFT)}`;
      if (!line.includes('--watch')) {
        // The comment shows what the line prints. The service registers the module's flows as
        // it starts its worker: list until it shows.
        const shown = shownOutput(line);
        assert.ok(shown, `${line}: the doc shows its output`);
        let last = '';
        await waitFor(`"${line}" to print ${shown}`, async () => {
          const r = await sh(command, env);
          assert.equal(r.code, 0, `${line}\n${r.stderr}`);
          last = r.stdout;
          return shown.test(r.stdout) ? true : undefined;
        }).catch((error: unknown) => assert.fail(`${(error as Error).message}; it printed:\n${last}`));
        continue;
      }
      // The run waits on its `publish` approval: answer it as the doc says a person does.
      const watched = spawn('/bin/sh', ['-c', command], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      watched.stdout?.on('data', (c: Buffer) => (out += c.toString()));
      watched.stderr?.on('data', (c: Buffer) => (err += c.toString()));
      const exited = new Promise<number | null>((resolve) => watched.once('exit', resolve));
      const runId = await waitFor('the watched run to start', async () => /run (\S+) started/.exec(err)?.[1], 120_000);
      await waitFor(
        'the publish approval',
        async () => ((await sh(`${WEFT} run approve ${runId} publish --comment "doc test"`, env)).code === 0 ? true : undefined),
        60_000,
        250,
      );
      assert.equal(await exited, 0, `${line}\n${err}`);
      assert.match(out, /COMPLETED examples\.order-report-/, line);
      const run = JSON.parse((await sh(`${WEFT} run get ${runId} --json`, env)).stdout) as { outputs: Record<string, unknown> };
      assert.equal(run.outputs.day, '2026-11-23');
      assert.equal(run.outputs.approved, true);
    }
  });

  it('code-flows.md "Expose it to Claude": the command after -- serves MCP with the module’s flow', { timeout: 120_000 }, async () => {
    const [line = ''] = commandLines(find('docs/code-flows.md', /^claude mcp add /));
    const [options = '', command = ''] = line.split(' -- ');
    const extra = Object.fromEntries([...options.matchAll(/-e (\S+?)=(\S+)/g)].map((m) => [m[1] ?? '', (m[2] ?? '').replaceAll('/path/to/weft', ROOT)]));
    assert.ok(extra.WEFT_MODULES, line);
    const [program, ...args] = command.replaceAll('/path/to/weft', ROOT).split(' ');
    assert.equal(program, 'node', line);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args,
      env: { ...(process.env as Record<string, string>), ...(env as Record<string, string>), ...extra },
    });
    const client = new Client({ name: 'doc-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const result = (await client.callTool({ name: 'list_flows', arguments: { namespace: 'examples' } })) as CallToolResult;
      assert.notEqual(result.isError, true, JSON.stringify(result.content));
      const flows = (result.structuredContent as { flows: { flow: string; kind: string }[] }).flows;
      assert.deepEqual(
        flows.filter((f) => f.flow === 'examples/order-report').map((f) => f.kind),
        ['code'],
      );
    } finally {
      await client.close();
    }
  });

  it('flows.md "Webhooks": the secret, the signed curl, and the answer the doc shows', { timeout: 120_000 }, async () => {
    const block = find('docs/flows.md', /^printf %s "\$HOOK_SECRET" \| weft secret set /);
    assert.equal(block.previous?.lang, 'yaml', 'the webhook flow is the block before');
    const flowFile = join(dataDir, 'on-issue.yaml');
    await writeFile(flowFile, block.previous?.text ?? '');
    const saved = await sh(`${WEFT} flow save ${flowFile}`, env);
    assert.equal(saved.code, 0, saved.stderr);
    // The hooks are served where /mcp is: weft dev's port, 8765 unless that was taken.
    const base = /Streamable HTTP at (http:\/\/127\.0\.0\.1:\d+)\/mcp/.exec(serviceOutput)?.[1];
    assert.ok(base, serviceOutput);
    const script = commandLines(block)
      .map((l) => l.replace(/^printf %s "\$HOOK_SECRET" \| weft /, `printf %s "$HOOK_SECRET" | ${WEFT} `).replaceAll('http://127.0.0.1:8765', base))
      .join('\n')
      // A delivery id of this run's own: test/triggers/webhook.test.ts sends the same example to the
      // same Temporal service, and a repeated id rightly attaches to the first run.
      .replaceAll('3f2a9c', `docs-${Date.now().toString(36)}`);
    const result = await sh(script, env);
    assert.equal(result.code, 0, result.stderr);
    const shown = /^# (\{.*\})$/m.exec(block.text)?.[1] ?? '';
    const expected = JSON.parse(shown.replace(/"runId":"([^"]*)…"/, '"runId":"$1"')) as { runId: string; [k: string]: unknown };
    // `weft secret set` says what it did first; curl's answer is the last line.
    const answer = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as { runId: string; [k: string]: unknown };
    assert.ok(answer.runId.startsWith(expected.runId), `${answer.runId} starts like the doc's ${expected.runId}`);
    assert.deepEqual({ ...answer, runId: expected.runId }, expected);
  });

  it('flows.md "Flow triggers": the downstream flow saved, the upstream run, and the run it fired', { timeout: 120_000 }, async () => {
    const block = find('docs/flows.md', /^weft flow save issue-followup\.yaml/);
    assert.equal(block.previous?.lang, 'yaml', 'the downstream flow is the block before');
    const flowFile = join(dataDir, 'issue-followup.yaml');
    await writeFile(flowFile, block.previous?.text ?? '');
    for (const line of commandLines(block)) {
      const command = line.replace(/^weft /, `${WEFT} `).replace('issue-followup.yaml', flowFile);
      const shown = shownOutput(line);
      assert.ok(shown, `${line}: the doc shows its output`);
      // The fired run shows in Temporal's visibility a moment after the upstream run closed.
      let last = '';
      await waitFor(`"${line}" to print ${shown}`, async () => {
        const r = await sh(command, env);
        assert.equal(r.code, 0, `${line}\n${r.stderr}`);
        last = r.stdout;
        return shown.test(r.stdout) ? true : undefined;
      }).catch((error: unknown) => assert.fail(`${(error as Error).message}; it printed:\n${last}`));
    }
    const listed = JSON.parse((await sh(`${WEFT} run list --flow team.support/issue-followup --trigger flow --json`, env)).stdout) as {
      runs: { runId: string }[];
    };
    assert.equal(listed.runs.length, 1, JSON.stringify(listed));
    const run = JSON.parse((await sh(`${WEFT} run get ${listed.runs[0]?.runId} --json`, env)).stdout) as { trigger: string; event: Record<string, unknown> };
    assert.equal(run.trigger, 'flow');
    assert.deepEqual(
      { ...run.event, runId: typeof run.event.runId },
      {
        id: 'after-triage',
        flow: 'team.support/on-issue',
        runId: 'string',
        state: 'COMPLETED',
        outputs: { title: 'Crash on load' },
        inputs: { title: 'Crash on load' },
        depth: 1,
      },
    );
  });
});
