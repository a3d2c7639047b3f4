// `weft mcp` with nothing configured: it starts one background Weft service for the data
// directory (embedded Temporal + worker), two assistants starting at once share it, and runs
// keep going after every `weft mcp` process has exited.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { processAlive, readServiceRecord } from '../../src/app/server/service-record.js';
import { structured, WEFT_BIN } from '../helpers/mcp-clients.js';

const run = promisify(execFile);

describe('weft mcp with no Temporal configured', () => {
  let dataDir: string;
  let env: Record<string, string>;
  before(async () => {
    dataDir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'bg-'));
    env = { ...(process.env as Record<string, string>), WEFT_DATA_DIR: dataDir, WEFT_LOG_LEVEL: 'warn' };
    delete env.TEMPORAL_ADDRESS;
    delete env.WEFT_TASK_QUEUE;
  });
  after(async () => {
    await run(process.execPath, [WEFT_BIN, 'server', 'stop', '--json'], { env }).catch(() => undefined);
    const record = await readServiceRecord(dataDir);
    if (record && processAlive(record.pid)) process.kill(record.pid, 'SIGKILL');
  });

  async function assistant(): Promise<{ client: Client; transport: StdioClientTransport }> {
    const transport = new StdioClientTransport({ command: process.execPath, args: [WEFT_BIN, 'mcp'], env, stderr: 'pipe' });
    const client = new Client({ name: 'assistant', version: '1.0.0' });
    await client.connect(transport);
    return { client, transport };
  }

  it('starts one shared background service, and runs outlive the assistants that started them', async () => {
    const [first, second] = await Promise.all([assistant(), assistant()]);
    const record = await readServiceRecord(dataDir);
    assert.ok(record, 'the service recorded itself in the data directory');
    assert.equal(record.mode, 'background');
    assert.ok(processAlive(record.pid));
    const mcpPids = [first.transport.pid, second.transport.pid];
    assert.ok(mcpPids.every((pid) => pid && pid !== record.pid));

    structured(
      await first.client.callTool({
        name: 'save_flow',
        arguments: {
          flow: 'id: later\nnamespace: bg\ntasks:\n  - { id: nap, type: sleep, duration: 3s }\n  - { id: done, type: set, values: { ok: true } }\noutputs: { ok: "{{ outputs.done.ok }}" }\n',
        },
      }),
    );
    const started = structured<{ runId: string }>(await first.client.callTool({ name: 'run_flow', arguments: { flow: 'bg/later' } }));
    const seenBySecond = structured<{ flows: { flow: string }[] }>(await second.client.callTool({ name: 'list_flows', arguments: { namespace: 'bg' } }));
    assert.deepEqual(
      seenBySecond.flows.map((f) => f.flow),
      ['bg/later'],
    );
    await first.client.close();
    await second.client.close();
    for (const pid of mcpPids) assert.equal(processAlive(pid as number), false, `weft mcp ${pid} exited`);
    assert.ok(processAlive(record.pid), 'the service outlives the assistants');

    const third = await assistant();
    try {
      assert.equal((await readServiceRecord(dataDir))?.pid, record.pid, 'reused, not restarted');
      const done = structured<{ state: string; outputs: { ok: boolean } }>(
        await third.client.callTool({ name: 'get_run', arguments: { runId: started.runId, waitSeconds: 30 } }, undefined, { timeout: 60_000 }),
      );
      assert.equal(done.state, 'COMPLETED');
      assert.deepEqual(done.outputs, { ok: true });
    } finally {
      await third.client.close();
    }
    const status = JSON.parse((await run(process.execPath, [WEFT_BIN, 'server', 'status', '--json'], { env })).stdout);
    assert.equal(status.running, true);
    assert.equal(status.service.pid, record.pid);
    const stopped = JSON.parse((await run(process.execPath, [WEFT_BIN, 'server', 'stop', '--json'], { env })).stdout);
    assert.deepEqual(stopped, { stopped: true, pid: record.pid });
    assert.equal(processAlive(record.pid), false);
  });
});
