// `weft trigger` as a user runs it (the real CLI process against the suite's Temporal server and
// a store of the test's own): list, pause and resume, preview with a daylight-saving warning,
// and backfill, which shows the count first and starts runs only with --yes.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { scheduleIdOf } from '../../src/services/triggers/schedule-names.js';
import { WEFT_BIN, weftEnv } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { triggerServices } from '../helpers/trigger-services.js';
import { waitFor } from '../helpers/wait-for.js';

const run = promisify(execFile);

describe('weft trigger', () => {
  let env: TestEnv;
  const namespace = `cli-trig-${randomUUID().slice(0, 8)}`;
  const ref = `${namespace}/nightly`;

  const weft = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [WEFT_BIN, ...args], { env: weftEnv(env) });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  before(async () => {
    env = await createTestEnv();
    // The flow is saved the way the server saves it: the Schedule follows the save.
    const { flows } = await triggerServices(env);
    await flows.save(`id: nightly
namespace: ${namespace}
tasks: [{ id: say, type: log, message: "{{ run.event.scheduledAt }}" }]
triggers:
  - { id: night, type: schedule, cron: "30 2 * * 0", timezone: Europe/Paris }
  - { id: quarter, type: schedule, every: 15m }
`);
  });

  after(async () => {
    for (const id of ['night', 'quarter']) {
      await env.client.schedule
        .getHandle(scheduleIdOf(ref, id))
        .delete()
        .catch(() => undefined);
      await env.client.schedule
        .getHandle(scheduleIdOf(ref, id, 'backfill'))
        .delete()
        .catch(() => undefined);
    }
    await env.close();
  });

  it('lists, pauses and resumes, with --json on every command', async () => {
    const listed = await weft('trigger', 'list', ref, '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const views = JSON.parse(listed.stdout) as { triggers: Array<{ id: string; paused: boolean; nextFires: string[] }> };
    assert.deepEqual(
      views.triggers.map((t) => [t.id, t.paused]),
      [
        ['night', false],
        ['quarter', false],
      ],
    );
    assert.equal((await weft('trigger', 'pause', ref, 'night')).code, 0);
    const text = await weft('trigger', 'list', ref);
    assert.match(text.stdout, /night {2}schedule {2}paused/);
    const resumed = await weft('trigger', 'resume', ref, 'night', '--json');
    assert.deepEqual(JSON.parse(resumed.stdout), { trigger: 'night', paused: false });
  });

  it('lists the triggers of every flow without a flow, each with its flow, a page at a time', async () => {
    const all = await weft('trigger', 'list', '--json');
    assert.equal(all.code, 0, all.stderr);
    const views = JSON.parse(all.stdout) as { triggers: Array<{ flow: string; id: string }>; nextCursor?: string };
    assert.deepEqual(
      views.triggers.filter((t) => t.flow === ref).map((t) => t.id),
      ['night', 'quarter'],
    );
    const first = JSON.parse((await weft('trigger', 'list', '--limit', '1', '--json')).stdout) as { triggers: Array<{ id: string }>; nextCursor?: string };
    assert.equal(first.triggers.length, 1);
    assert.ok(first.nextCursor, 'a cursor to the rest');
    const text = await weft('trigger', 'list', '--limit', '1', '--cursor', first.nextCursor);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^${namespace}/nightly {2}\\w+ {2}schedule`, 'm'));
    const bad = await weft('trigger', 'list', '--limit', '0');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--limit must be an integer 1-200/);
  });

  it('previews fire times in the trigger zone and warns about the skipped 02:30', async () => {
    const preview = await weft('trigger', 'preview', ref, 'night', '--count', '3');
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stdout, /02:30:00 Europe\/Paris/);
    const year = await weft('trigger', 'preview', ref, 'night', '--count', '30', '--json');
    const parsed = JSON.parse(year.stdout) as { fires: unknown[]; warnings: Array<{ kind: string; message: string }> };
    assert.equal(parsed.fires.length, 30);
    // 30 Sunday fires reach past the last Sunday of March, whenever the suite runs.
    assert.ok(
      parsed.warnings.some((w) => w.kind === 'skipped' && /02:30 does not exist in Europe\/Paris/.test(w.message)),
      JSON.stringify(parsed.warnings),
    );
  });

  it('backfill shows the count and asks for --yes; --yes starts that many runs', async () => {
    const hour = 3_600_000;
    const to = new Date(Math.floor(Date.now() / hour) * hour - hour).toISOString();
    const from = new Date(Date.parse(to) - hour).toISOString();
    const asked = await weft('trigger', 'backfill', ref, 'quarter', '--from', from, '--to', to);
    assert.equal(asked.code, 2, 'nothing starts without --yes');
    assert.match(asked.stdout, /^5 fire time\(s\) in .*; run again with --yes to start them/);
    const dry = JSON.parse((await weft('trigger', 'backfill', ref, 'quarter', '--from', from, '--to', to, '--dry-run', '--json')).stdout) as {
      runs: number;
      started: boolean;
    };
    assert.deepEqual([dry.runs, dry.started], [5, false]);
    const started = await weft('trigger', 'backfill', ref, 'quarter', '--from', from, '--to', to, '--yes');
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /backfill started 5 run\(s\)/);
    const companion = scheduleIdOf(ref, 'quarter', 'backfill');
    await waitFor('5 backfilled starts', async () => {
      const { info } = await env.client.schedule.getHandle(companion).describe();
      return info.recentActions.length === 5 ? true : undefined;
    });
    const bad = await weft('trigger', 'backfill', ref, 'quarter', '--from', 'yesterday', '--to', to, '--json');
    assert.equal(bad.code, 1);
    assert.match(JSON.parse(bad.stdout).error.message, /--from is not an ISO 8601 time \(got "yesterday"\)/);
  });
  it('weft flow save creates, updates and removes the Schedule; weft flow delete removes it', async () => {
    const cliRef = `${namespace}/from-cli`;
    const file = join(env.dataDir, 'from-cli.yaml');
    const text = (every: string, triggers = true) =>
      `id: from-cli\nnamespace: ${namespace}\ntasks: [{ id: say, type: log, message: hi }]\n${triggers ? `triggers: [{ id: tick, type: schedule, every: ${every} }]\n` : ''}`;
    const schedule = env.client.schedule.getHandle(scheduleIdOf(cliRef, 'tick'));
    const intervalSeconds = async () => {
      const { spec } = await schedule.describe();
      return Number(spec.intervals?.[0]?.every) / 1000;
    };
    try {
      await writeFile(file, text('1h'));
      const saved = await weft('flow', 'save', file, '--json');
      assert.equal(saved.code, 0, saved.stderr);
      assert.equal(await intervalSeconds(), 3600);
      await writeFile(file, text('2h'));
      assert.equal((await weft('flow', 'save', file)).code, 0);
      assert.equal(await intervalSeconds(), 7200, 'a new revision updates the Schedule in place');
      await writeFile(file, text('2h', false));
      assert.equal((await weft('flow', 'save', file)).code, 0);
      await assert.rejects(schedule.describe(), /not found/i, 'a trigger removed from the file removes its Schedule');
      await writeFile(file, text('1h'));
      assert.equal((await weft('flow', 'save', file)).code, 0);
      await schedule.describe();
      assert.equal((await weft('flow', 'delete', cliRef)).code, 0);
      await assert.rejects(schedule.describe(), /not found/i, 'deleting the flow removes its Schedule');
    } finally {
      await schedule.delete().catch(() => undefined);
    }
  });
});
