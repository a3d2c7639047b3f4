// A taken MCP HTTP port is reported as one typed line naming the port and how to choose
// another, not as a bare EADDRINUSE.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');

describe('a port already taken', () => {
  it('weft mcp --http on a taken port exits 1 with an error naming the port and a hint', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    const dataDir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'port-'));
    try {
      const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [BIN, 'mcp', '--http', '--port', String(port)],
          { env: { ...process.env, WEFT_DATA_DIR: dataDir }, timeout: 60_000 },
          (error, _stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
        );
      });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`^error: the MCP HTTP port ${port} on 127\\.0\\.0\\.1 is already in use`, 'm'));
      assert.match(result.stderr, /--port P/);
      assert.doesNotMatch(result.stderr, /^Error: listen EADDRINUSE/m);
    } finally {
      holder.close();
    }
  });
});
