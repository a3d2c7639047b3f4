// A script's network: none without a grant (Weft's own ports on loopback included, unlike a plain
// process), and with one only the hosts it lists and the worker's egress policy admits, reached
// through the attempt's proxy (plain HTTP and CONNECT tunnels alike).

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EgressPolicy } from '../../src/services/security/egress-policy.js';
import { HostAllowList } from '../../src/services/security/host-allow-list.js';
import { type SandboxKit, sandboxKit } from './sandbox-kit.js';

async function serve(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end(`hello from ${name}`));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Bash that tries a raw TCP connection and one HTTP GET through the proxy variables, printing both outcomes. */
const probe = (port: number, via = '') => `
  raw=$(python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', ${port}), 2); print('open')" 2>/dev/null || echo closed)
  body=$(curl -s -m 5 ${via} http://127.0.0.1:${port}/ || echo "curl-failed:$?")
  printf '::weft-output::{"raw": "%s", "body": "%s"}\\n' "$raw" "$body"
`;

describe('the network of a sandboxed script', () => {
  let kit: SandboxKit;
  let own: { server: Server; port: number };
  let allowed: { server: Server; port: number };
  let other: { server: Server; port: number };
  let temporalPort: number;

  before(async () => {
    kit = await sandboxKit();
    own = await serve('weft-mcp');
    allowed = await serve('allowed');
    other = await serve('other');
    temporalPort = Number((process.env.TEMPORAL_ADDRESS ?? '').split(':').pop());
    assert.ok(temporalPort > 0, 'the test runner set TEMPORAL_ADDRESS');
    // The operator allows loopback (the http tasks' policy), where Weft's own port stays protected.
    kit.runner.egress = new EgressPolicy({
      allowList: HostAllowList.parse('127.0.0.1'),
      protectedEndpoints: [{ host: '127.0.0.1', port: own.port, what: "Weft's own MCP endpoint" }],
    });
  });
  after(async () => {
    for (const s of [own, allowed, other]) s.server.close();
    await kit.close();
  });

  it('reaches neither Temporal nor a Weft port on loopback without a grant; a plain process does', async () => {
    for (const port of [temporalPort, own.port]) {
      const sandboxed = await kit.run(kit.script(probe(port)));
      assert.equal(sandboxed.outputs.raw, 'closed', `port ${port} from the sandbox`);
      assert.match(String(sandboxed.outputs.body), /^curl-failed:7$/);
    }
    const plain = await kit.run(kit.script(probe(own.port)), { runner: { ...kit.runner, kind: 'process' } });
    assert.deepEqual(plain.outputs, { raw: 'open', body: 'hello from weft-mcp' }, 'without the sandbox the port is open');
  });

  it('reaches a host the task lists, through the proxy, by plain HTTP and by CONNECT', async () => {
    const grant = { network: [`127.0.0.1:${allowed.port}`] };
    const plainHttp = await kit.run(kit.script(probe(allowed.port), grant));
    assert.deepEqual(plainHttp.outputs, { raw: 'closed', body: `hello from allowed` }, 'only the proxy leads out');
    const tunnelled = await kit.run(kit.script(probe(allowed.port, '-p'), grant));
    assert.equal(tunnelled.outputs.body, 'hello from allowed');
  });

  it('refuses a host the task does not list, and says why in the run logs', async () => {
    const input = kit.script(probe(other.port, '-p -f'), { network: [`127.0.0.1:${allowed.port}`] });
    const out = await kit.run(input);
    assert.equal(out.outputs.raw, 'closed');
    assert.match(String(out.outputs.body), /^curl-failed:/);
    const lines = await kit.logLines(input.context.runId);
    assert.ok(
      lines.includes(`network: connection to 127.0.0.1:${other.port} refused: the task's network grant lists only 127.0.0.1:${allowed.port}`),
      lines.join('\n'),
    );
  });

  it('with network: true still refuses what the egress policy protects (Weft itself) and what it does not list', async () => {
    const input = kit.script(`${probe(own.port)}\ncurl -s -m 5 -o /dev/null -w '%{http_code}\\n' http://10.1.2.3:80/`, { network: true });
    const out = await kit.run(input);
    assert.match(String(out.outputs.body), /Weft's own MCP endpoint, which flows may not call/);
    const lines = await kit.logLines(input.context.runId);
    assert.ok(lines.includes('403'), 'a host outside the operator list is refused by the proxy');
    const open = await kit.run(kit.script(probe(allowed.port), { network: true }));
    assert.equal(open.outputs.body, 'hello from allowed');
  });

  it('refuses a grant when the operator turned script network off', async () => {
    const off = await sandboxKit({ WEFT_SCRIPT_NETWORK: 'off' });
    try {
      await assert.rejects(off.run(off.script('true', { network: true })), (error: Error & { type?: string }) => {
        assert.equal(error.type, 'ScriptSetupError');
        assert.match(error.message, /^network grant refused: the operator turned script network off on this worker \(WEFT_SCRIPT_NETWORK=off\)/);
        return true;
      });
    } finally {
      await off.close();
    }
  });
});
