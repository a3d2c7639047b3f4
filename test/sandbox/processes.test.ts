// A script's processes die with its attempt: one that ignores SIGTERM and forks children that do
// too (one of them in a new session) leaves nothing behind on cancel or timeout in the sandbox;
// a plain process's setsid child is caught only by the attempt's cgroup.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { detectCgroups } from '../../activities/script-cgroup.js';
import { failureOf, left, processesWith, type SandboxKit, sandboxKit } from './sandbox-kit.js';

/** A script that ignores SIGTERM and starts `n` children that ignore it as well, one of them setsid. */
const stubborn = (token: string, n = 5) => `
trap '' TERM
for i in $(seq 1 ${n}); do bash -c "trap '' TERM; exec -a ${token}-child-$i sleep 300" & done
setsid bash -c "trap '' TERM; exec -a ${token}-setsid sleep 300" &
sleep 0.3
echo ready
exec -a ${token}-main sleep 300
`;

describe('processes of a sandboxed script', () => {
  let kit: SandboxKit;
  before(async () => {
    kit = await sandboxKit();
  });
  after(async () => kit.close());

  it('kills a SIGTERM-ignoring script and every child it forked when the task is cancelled', async () => {
    const token = `weft-stubborn-${randomUUID()}`;
    const abort = new AbortController();
    const running = kit.run(kit.script(stubborn(token)), { signal: abort.signal });
    const until = Date.now() + 10_000;
    while ((await processesWith(token)).length < 7 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await processesWith(token)).length, 7, 'the script and its six children were running');
    abort.abort();
    await assert.rejects(running, /script cancelled/);
    assert.deepEqual(await left(token), [], 'nothing the script started is left');
  });

  it('kills the same script on timeout and fails with ScriptTimeoutError', async () => {
    const token = `weft-stubborn-${randomUUID()}`;
    const started = Date.now();
    const failure = await failureOf(kit.run(kit.script(stubborn(token), { timeoutMs: 1500 })));
    assert.equal(failure.type, 'ScriptTimeoutError');
    assert.ok(Date.now() - started < 6000, 'the timeout did not wait for the children');
    assert.deepEqual(await left(token), []);
  });

  it('reaps a setsid child of a plain process through the attempt cgroup, where the process group alone misses it', async () => {
    const token = `weft-escapee-${randomUUID()}`;
    await kit.run(kit.script(`setsid bash -c "trap '' TERM; exec -a ${token} sleep 300" &\nsleep 0.3\n`), { runner: { ...kit.runner, kind: 'process' } });
    const escaped = await left(token, 1000);
    for (const pid of escaped) process.kill(pid, 'SIGKILL');
    const { version, pids, memory } = (await detectCgroups()) as { version: number; pids?: string; memory?: string };
    if (version !== 0 && (pids || memory)) assert.deepEqual(escaped, [], 'the cgroup held the setsid child, so it died with the attempt');
    else assert.equal(escaped.length, 1, 'without a cgroup the setsid child of a plain process outlives its task');
  });
});
