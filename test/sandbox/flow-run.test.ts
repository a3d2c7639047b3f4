// The sandbox fields through a real run: the workflow hands `network` and `resources` to the
// activity, the worker's egress settings apply to the grant, and a limit's error type reaches
// the run's outcome (so retry.nonRetryable and the error handlers can name it).

import assert from 'node:assert/strict';
import { chmod, mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectCgroups } from '../../activities/script-cgroup.js';
import { assertCompleted, createTestEnv, runFlow, type TestEnv } from '../helpers/temporal-env.js';

describe('sandboxed scripts in a flow run', () => {
  let env: TestEnv;
  let server: Server;
  let port: number;
  before(async () => {
    server = createServer((_req, res) => res.end('{"greeting": "hello"}'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
    const shared = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'shared-'));
    await chmod(shared, 0o777);
    env = await createTestEnv({ workerEnv: { WEFT_HTTP_ALLOWED_HOSTS: `127.0.0.1:${port}`, WEFT_SCRIPT_WORKING_DIRS: shared } });
  });
  after(async () => {
    server.close();
    await env.close();
  });

  it('reaches a granted host the operator allows, and only through the proxy', async () => {
    const view = await runFlow(
      env,
      `
id: sandbox-network
tasks:
  - id: fetch
    type: script
    language: python
    network: ["127.0.0.1:${port}"]
    script: |
      import json, socket, urllib.request
      body = json.load(urllib.request.urlopen("http://127.0.0.1:${port}/", timeout=5))
      try:
          socket.create_connection(("127.0.0.1", ${port}), 2)
          direct = "open"
      except OSError:
          direct = "closed"
      print("::weft-output::" + json.dumps({"greeting": body["greeting"], "direct": direct}))
outputs: { greeting: "{{ outputs.fetch.outputs.greeting }}", direct: "{{ outputs.fetch.outputs.direct }}" }
`,
    );
    assertCompleted(view);
    assert.deepEqual(view.outputs, { greeting: 'hello', direct: 'closed' });
  });

  it('fails the run with ScriptMemoryExceeded, not retried', async (t) => {
    if (!((await detectCgroups()) as { memory?: string }).memory) return t.skip('no memory cgroup on this machine');
    const view = await runFlow(
      env,
      `
id: sandbox-memory
tasks:
  - id: grow
    type: script
    language: python
    resources: { memory: 64Mi }
    retry: { maxAttempts: 3, initialInterval: 100ms }
    script: |
      blocks = [bytearray(16 * 2**20) for _ in range(100)]
`,
    );
    assert.equal(view.state, 'FAILED');
    assert.equal(view.error?.type, 'ScriptMemoryExceeded');
    assert.equal(view.tasks?.find((task) => task.id === 'grow')?.attempts, 1);
  });
});
