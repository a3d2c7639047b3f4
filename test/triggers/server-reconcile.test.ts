// A crash between the store and Temporal, mended by the next `weft server` start: a flow saved
// without its Schedule gets one, and a Schedule whose flow was deleted is removed.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ScheduleNotFoundError } from '@temporalio/client';
import { FlowService } from '../../src/services/flow-service.js';
import { storeIdentity } from '../../src/services/temporal/store-identity.js';
import { scheduleIdOf } from '../../src/services/triggers/schedule-names.js';
import { TriggerService } from '../../src/services/triggers/trigger-service.js';
import { WEFT_BIN, weftEnv } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const flowYaml = (namespace: string, id: string) => `id: ${id}
namespace: ${namespace}
tasks: [{ id: say, type: log, message: hi }]
triggers:
  - { id: hourly, type: schedule, every: 1h }
`;

describe('weft server reconciles Schedules with the store at start', () => {
  let env: TestEnv;
  const namespace = `srv-trig-${randomUUID().slice(0, 8)}`;
  const missing = scheduleIdOf(`${namespace}/missing`, 'hourly');
  const stray = scheduleIdOf(`${namespace}/stray`, 'hourly');

  before(async () => {
    env = await createTestEnv({ startWorker: false });
  });
  after(async () => {
    for (const id of [missing, stray])
      await env.client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    await env.close();
  });

  const exists = (id: string) =>
    env.client.schedule
      .getHandle(id)
      .describe()
      .then(
        () => true,
        (error: unknown) => {
          if (error instanceof ScheduleNotFoundError) return false;
          throw error;
        },
      );

  it('creates the missing Schedule and deletes the stray one', { timeout: 120_000 }, async () => {
    const plain = new FlowService(env.store);
    await plain.save(flowYaml(namespace, 'missing'));
    const synced = new FlowService(env.store);
    synced.observe(new TriggerService(env.client, synced, { namespace: 'default', taskQueue: env.taskQueue, storeId: await storeIdentity(env.store) }));
    await synced.save(flowYaml(namespace, 'stray'));
    await plain.delete(`${namespace}/stray`);
    assert.deepEqual([await exists(missing), await exists(stray)], [false, true]);
    await waitFor('the stray in the Schedule list', async () => {
      for await (const s of env.client.schedule.list()) if (s.scheduleId === stray) return true;
      return undefined;
    });

    let output = '';
    const server = spawn(process.execPath, [WEFT_BIN, 'server', '--no-mcp'], { env: weftEnv(env, { WEFT_LOG_LEVEL: 'info' }) });
    server.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    server.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise((resolve) => server.once('exit', resolve));
    try {
      await waitFor(
        'weft server to be up',
        async () => {
          if (server.exitCode !== null) throw new Error(`weft server exited: ${output}`);
          return output.includes('weft server up') ? true : undefined;
        },
        90_000,
        200,
      );
      assert.match(output, /schedules reconciled: \d+ in place, \d+ stray removed/);
      assert.equal(await exists(missing), true, 'the missing Schedule was created');
      assert.equal(await exists(stray), false, 'the stray Schedule was deleted');
    } finally {
      if (server.exitCode === null) server.kill('SIGTERM');
      await exited;
    }
  });
});
