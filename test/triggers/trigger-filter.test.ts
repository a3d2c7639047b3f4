// Runs are told apart by what started them: every start sets the WeftTrigger search attribute, and
// list_runs (MCP) and `weft run list` (CLI) filter on it, on the suite's real dev server, with a
// real worker, a real Schedule, a real MCP SDK client and the real CLI process.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { scheduleIdOf } from '../../src/services/triggers/schedule-names.js';
import { structured, textOf, WEFT_BIN, weftEnv } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { triggerMcpClient } from '../helpers/trigger-services.js';
import { waitFor } from '../helpers/wait-for.js';

const VALID = 'cli, api, mcp, schedule, backfill, webhook, flow, restart, subflow, agent';

describe('runs listed by trigger', () => {
  let env: TestEnv;
  let client: Client;
  const namespace = `trig-filter-${randomUUID().slice(0, 8)}`;
  const ref = `${namespace}/ticker`;

  before(async () => {
    env = await createTestEnv();
    client = await triggerMcpClient(env);
  });

  after(async () => {
    await client?.close();
    await env.client.schedule
      .getHandle(scheduleIdOf(ref, 'tick'))
      .delete()
      .catch(() => undefined);
    await env.close();
  });

  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
  const weft = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [WEFT_BIN, ...args], { env: weftEnv(env) }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const listed = async (flow: string, trigger: string) =>
    structured<{ runs: Array<{ runId: string }> }>(await call('list_runs', { flow, trigger }))
      .runs.map((r) => r.runId)
      .sort();

  it('tells runs started by MCP, the CLI, a schedule and a subflow task apart in list_runs and weft run list', async () => {
    structured(
      await call('save_flow', {
        flow: `id: ticker\nnamespace: ${namespace}\ntasks: [{ id: say, type: log, message: "tick" }]\ntriggers:\n  - { id: tick, type: schedule, every: 1s }\n`,
      }),
    );
    structured(await call('save_flow', { flow: `id: parent\nnamespace: ${namespace}\ntasks: [{ id: child, type: subflow, flow: ${ref} }]\n` }));
    // One fire is enough: pausing right after keeps the set of scheduled runs fixed for the lists.
    const fired = await waitFor('a schedule fire', async () => {
      const triggers = structured<{ triggers: Array<{ lastFire?: { runId: string } }> }>(await call('list_triggers', { flow: ref })).triggers;
      return triggers[0]?.lastFire?.runId;
    });
    structured(await call('operate_trigger', { flow: ref, triggerId: 'tick', action: 'pause' }));
    const byMcp = structured<{ runId: string; state: string }>(await call('run_flow', { flow: ref, waitSeconds: 20 }));
    assert.equal(byMcp.state, 'COMPLETED');
    const cli = await weft(['run', 'start', ref, '--wait', '--json']);
    assert.equal(cli.code, 0, cli.stderr);
    const byCli = (JSON.parse(cli.stdout) as { runId: string }).runId;
    const parent = structured<{ runId: string; state: string }>(await call('run_flow', { flow: `${namespace}/parent`, waitSeconds: 20 }));
    assert.equal(parent.state, 'COMPLETED');

    // Visibility lags a start by a moment: wait until every run is listed under its trigger.
    const scheduled = await waitFor('the runs in visibility', async () => {
      const [schedule, mcp, cliRuns, subflow] = await Promise.all([listed(ref, 'schedule'), listed(ref, 'mcp'), listed(ref, 'cli'), listed(ref, 'subflow')]);
      return schedule.includes(fired) && mcp.length && cliRuns.length && subflow.length ? { schedule, mcp, cliRuns, subflow } : undefined;
    });
    assert.deepEqual(scheduled.mcp, [byMcp.runId]);
    assert.deepEqual(scheduled.cliRuns, [byCli]);
    assert.equal(scheduled.subflow.length, 1);
    assert.ok(scheduled.subflow[0]?.startsWith(`${parent.runId}.`), `the subflow run ${scheduled.subflow[0]} is the parent's child`);
    for (const runId of scheduled.schedule) assert.ok(![byMcp.runId, byCli, ...scheduled.subflow].includes(runId), `${runId} listed as scheduled`);
    assert.deepEqual(await listed(`${namespace}/parent`, 'mcp'), [parent.runId]);
    assert.deepEqual(await listed(ref, 'webhook'), []);

    const cliList = await weft(['run', 'list', '--flow', ref, '--trigger', 'schedule', '--json']);
    assert.equal(cliList.code, 0, cliList.stderr);
    assert.deepEqual((JSON.parse(cliList.stdout) as { runs: Array<{ runId: string }> }).runs.map((r) => r.runId).sort(), scheduled.schedule);
    const got = structured<{ trigger: string }>(await call('get_run', { runId: byCli }));
    assert.equal(got.trigger, 'cli');
  });

  it('refuses an unknown trigger, naming the valid ones, in list_runs and weft run list', async () => {
    const refused = await call('list_runs', { trigger: 'cron' });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /list_runs arguments are invalid: trigger is invalid/, textOf(refused));
    for (const value of VALID.split(', ')) assert.match(textOf(refused), new RegExp(`"${value}"`), textOf(refused));
    const cli = await weft(['run', 'list', '--trigger', 'cron']);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /trigger must be one of .*\(got "cron"\)/, cli.stderr);
    for (const value of VALID.split(', ')) assert.match(cli.stderr, new RegExp(`"${value}"`), cli.stderr);
  });
});
