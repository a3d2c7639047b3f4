// The MCP conformance suite (@modelcontextprotocol/conformance, a devDependency that needs Node
// 22) against `weft server`'s /mcp: starts the server on free ports with a fresh data directory,
// runs the suite's server scenarios, and prints each one's result. Exits non-zero when a scenario
// that applies to Weft fails; the ones that do not apply are listed with the reason.
// Node 22 comes from the npm `node` package through `npm exec`, not as a devDependency: that
// would put it first on the PATH of every npm script, and Weft's native modules are built for
// the Node that runs the project.
// Usage: npx tsx scripts/mcp-conformance.ts [--keep] (TEMPORAL_ADDRESS: use that server, not an embedded one)

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/services/temporal/loopback-ports.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The Node the suite runs on when this one is older than 22. */
const NODE_22_PACKAGE = 'node@22.23.3';
const SUITE = join(ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

/** What a scenario needs from the server before it says anything about Weft. */
interface NotApplicable {
  reason: string;
  /** Applies after all once the server advertises this capability (a path in `capabilities`). */
  unlessCapability?: string[];
}

const fixture = (what: string) => ({ reason: `needs the reference server's fixture ${what}` });

/**
 * The scenarios that exercise fixtures only the suite's reference server has (tools, prompts and
 * resources named test_*), or a capability Weft does not advertise. Everything else must pass.
 */
export const NOT_APPLICABLE: Record<string, NotApplicable> = {
  'tools-call-image': fixture('tool test_image_content (Weft tools return text and structured content)'),
  'tools-call-audio': fixture('tool test_audio_content'),
  'tools-call-embedded-resource': fixture('tool test_embedded_resource'),
  'tools-call-mixed-content': fixture('tool test_multiple_content_types'),
  'tools-call-with-logging': fixture('tool test_tool_with_logging'),
  'tools-call-with-progress': fixture('tool test_tool_with_progress (Weft’s progress: run_flow, test/mcp/mcp-http.test.ts)'),
  'tools-call-sampling': fixture('tool test_sampling (Weft never asks the client to sample)'),
  'tools-call-elicitation': fixture('tool test_elicitation (Weft’s elicitation: approvals, test/mcp/mcp-http.test.ts)'),
  'elicitation-sep1034-defaults': fixture('tool test_elicitation_sep1034_defaults'),
  'elicitation-sep1330-enums': fixture('tool test_elicitation_sep1330_enums'),
  'json-schema-2020-12': fixture('tool json_schema_2020_12_tool'),
  'server-sse-polling': fixture('tool test_reconnection'),
  'resources-read-text': fixture('resource test://static-text'),
  'resources-read-binary': fixture('resource test://static-binary'),
  'resources-templates-read': fixture('resource template test://template/{id}/data'),
  'prompts-get-simple': fixture('prompt test_simple_prompt'),
  'prompts-get-with-args': fixture('prompt test_prompt_with_arguments'),
  'prompts-get-embedded-resource': fixture('prompt test_prompt_with_embedded_resource'),
  'prompts-get-with-image': fixture('prompt test_prompt_with_image'),
  'completion-complete': fixture('prompt test_prompt_with_arguments, whose argument it completes'),
  'resources-subscribe': fixture('resource test://watched-resource (Weft’s subscriptions: weft://runs/{runId}, test/mcp/resource-subscriptions.test.ts)'),
  'resources-unsubscribe': fixture('resource test://watched-resource (Weft’s subscriptions: weft://runs/{runId}, test/mcp/resource-subscriptions.test.ts)'),
};

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

interface ScenarioResult {
  scenario: string;
  passed: boolean;
  failures: string[];
  warnings: string[];
}

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  if (!existsSync(SUITE)) {
    say('the conformance suite is a devDependency: run `npm install` first');
    return 2;
  }
  const node = node22();
  const nodeVersion = execFileSync(node.command, [...node.args, '--version'], { encoding: 'utf8' }).trim();
  const work = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'weft-conformance-'));
  const mcpPort = await freePort();
  const server = spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'weft.js'),
      'server',
      '--data-dir',
      join(work, 'data'),
      '--port',
      String(await freePort()),
      '--ui-port',
      String(await freePort()),
      '--mcp-port',
      String(mcpPort),
    ],
    { env: { ...process.env, WEFT_LOG_LEVEL: 'warn', WEFT_TASK_QUEUE: `conformance-${randomUUID()}` }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let serverOutput = '';
  server.stdout?.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
  const url = `http://127.0.0.1:${mcpPort}/mcp`;
  try {
    await waitUntilUp(server, mcpPort, () => serverOutput);
    const capabilities = await serverCapabilities(url);
    const started = Date.now();
    const output = join(work, 'results');
    const suite = spawn(node.command, [...node.args, SUITE, 'server', '--url', url, '-o', output], { stdio: ['ignore', 'pipe', 'pipe'] });
    let suiteOutput = '';
    suite.stdout?.on('data', (chunk: Buffer) => (suiteOutput += chunk.toString()));
    suite.stderr?.on('data', (chunk: Buffer) => (suiteOutput += chunk.toString()));
    await new Promise<void>((done) => suite.once('exit', () => done()));
    const results = await readResults(output);
    if (results.length === 0) {
      say(suiteOutput);
      say('the suite produced no results');
      return 1;
    }
    say(`MCP conformance suite against weft server (${url}), Node ${nodeVersion}, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    let failed = 0;
    let applicable = 0;
    for (const result of results) {
      const skip = NOT_APPLICABLE[result.scenario];
      const applies = !skip || (skip.unlessCapability !== undefined && hasPath(capabilities, skip.unlessCapability));
      const outcome = result.passed ? 'pass' : 'FAIL';
      if (applies) {
        applicable++;
        if (!result.passed) failed++;
        say(`${outcome.padEnd(5)} ${result.scenario}${result.passed ? '' : `: ${result.failures.join('; ')}`}${warningsOf(result)}`);
      } else {
        say(`n/a   ${result.scenario} (${outcome.toLowerCase()}): ${skip.reason}`);
      }
    }
    say(`${applicable - failed} of ${applicable} applicable scenarios pass; ${results.length - applicable} do not apply`);
    return failed === 0 ? 0 : 1;
  } finally {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise<void>((done) => server.once('exit', () => done()));
    }
    if (!process.argv.includes('--keep')) await rm(work, { recursive: true, force: true });
  }
}

/** This Node when it is 22 or later, else the `node` package's through npm (cached after the first run). */
function node22(): { command: string; args: string[] } {
  if (Number(process.versions.node.split('.')[0]) >= 22) return { command: process.execPath, args: [] };
  return { command: 'npm', args: ['exec', '--yes', `--package=${NODE_22_PACKAGE}`, '--', 'node'] };
}

async function waitUntilUp(server: ChildProcess, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`weft server exited: ${output()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`weft server did not answer on port ${port} within 90 s: ${output()}`);
}

/** The capabilities the server advertises, from an initialize of its own. */
async function serverCapabilities(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'weft-conformance', version: '1' } },
    }),
  });
  const answer = (await res.json()) as { result?: { capabilities?: Record<string, unknown> } };
  const sessionId = res.headers.get('mcp-session-id');
  if (sessionId) await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId } });
  return answer.result?.capabilities ?? {};
}

/** Each scenario's checks, from the `<role>-<scenario>-<timestamp>/checks.json` the suite writes. */
async function readResults(dir: string): Promise<ScenarioResult[]> {
  const entries = existsSync(dir) ? await readdir(dir) : [];
  const results: ScenarioResult[] = [];
  for (const entry of entries.sort()) {
    const match = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(entry);
    const file = join(dir, entry, 'checks.json');
    if (!match?.[1] || !existsSync(file)) continue;
    const checks = JSON.parse(await readFile(file, 'utf8')) as Check[];
    const failures = checks.filter((c) => c.status === 'FAILURE').map((c) => `${c.id}: ${c.errorMessage ?? 'failed'}`);
    const warnings = checks.filter((c) => c.status === 'WARNING').map((c) => `${c.id}: ${c.errorMessage ?? 'warning'}`);
    results.push({ scenario: match[1], passed: failures.length === 0, failures, warnings });
  }
  return results;
}

function warningsOf(result: ScenarioResult): string {
  return result.warnings.length ? ` (warnings: ${result.warnings.join('; ')})` : '';
}

function hasPath(value: Record<string, unknown>, path: string[]): boolean {
  let at: unknown = value;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return false;
    at = (at as Record<string, unknown>)[key];
  }
  return Boolean(at);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      say(`failed: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
