// Limits the kernel enforces on a script attempt: memory (a typed error), process count (a fork
// loop stopped), CPU time, file size and the $WEFT_OUTPUT file; stdout and stderr cut at their
// bound while the worker's memory stays flat; a task asking past a ceiling is capped and told so.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { detectCgroups } from '../../activities/script-cgroup.js';
import { failureOf, type SandboxKit, sandboxKit } from './sandbox-kit.js';

describe('limits of a script attempt', () => {
  let kit: SandboxKit;
  let cgroups: { memory?: string; pids?: string };
  before(async () => {
    kit = await sandboxKit({ WEFT_SCRIPT_LIMITS: 'fileBytes=4Mi,outputFileBytes=64Ki', WEFT_SCRIPT_LIMITS_MAX: 'memory=2Gi' });
    cgroups = (await detectCgroups()) as typeof cgroups;
  });
  after(async () => kit.close());

  it('kills a script over resources.memory and fails it with ScriptMemoryExceeded', async (t) => {
    if (!cgroups.memory) return t.skip('no memory cgroup on this machine: the worker logs why');
    const grow = `import time\nblocks = []\nfor i in range(100):\n    blocks.append(bytearray(16 * 2**20))\n    print(i * 16, flush=True)\nprint("survived")`;
    const failure = await failureOf(kit.run(kit.script(grow, { language: 'python', resources: { memory: '64Mi' } })));
    assert.equal(failure.type, 'ScriptMemoryExceeded');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /^script used more than its memory limit of 67108864 bytes and was killed: raise resources\.memory/);
  });

  it('stops a fork loop at resources.processes', async (t) => {
    if (!cgroups.pids) return t.skip('no pids cgroup on this machine: the worker logs why');
    const forks = `import os, time, json
started = 0
refused = ''
for i in range(500):
    try:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        started += 1
    except OSError as e:
        refused = e.strerror
        break
print('::weft-output::' + json.dumps({'started': started, 'refused': refused}))`;
    const out = await kit.run(kit.script(forks, { language: 'python', resources: { processes: 20 } }));
    assert.ok(Number(out.outputs.started) < 20, `started ${out.outputs.started}`);
    assert.equal(out.outputs.refused, 'Resource temporarily unavailable');
  });

  it('kills a process over resources.cpuTime with ScriptCpuTimeExceeded', async () => {
    const started = Date.now();
    const failure = await failureOf(kit.run(kit.script('while True: pass', { language: 'python', resources: { cpuTime: '1s' } })));
    assert.equal(failure.type, 'ScriptCpuTimeExceeded');
    assert.match(failure.message, /CPU time limit of 1 s and was killed: raise resources\.cpuTime/);
    assert.ok(Date.now() - started < 10_000);
  });

  it('refuses a file over the operator fileBytes and a $WEFT_OUTPUT over outputFileBytes', async () => {
    const big = await kit.run(kit.script('head -c 8M /dev/zero > big 2>/dev/null; echo "::weft-output::{\\"size\\": $(stat -c %s big)}"'));
    assert.equal(big.outputs.size, 4 * 2 ** 20, 'the write stopped at fileBytes');
    const failure = await failureOf(kit.run(kit.script(`python3 -c "import json; print(json.dumps({'x': 'y' * 100000}))" > "$WEFT_OUTPUT"`)));
    assert.equal(failure.type, 'OutputTooLarge');
    assert.match(failure.message, /^\$WEFT_OUTPUT file too large: \d+ bytes, over the limit of 65536 bytes/);
  });

  it('caps a task asking past the ceiling, and says so in the run logs', async () => {
    const input = kit.script('echo ok', { resources: { memory: '100Gi' } });
    await kit.run(input);
    const lines = await kit.logLines(input.context.runId);
    assert.ok(lines.includes("resources.memory 100Gi capped at the worker's ceiling of 2Gi (WEFT_SCRIPT_LIMITS_MAX)"), lines.join('\n'));
  });

  it('cuts 1 GB of stdout at resources.outputBytes, says so, and keeps the worker memory flat', async () => {
    const input = kit.script(
      `import sys\nline = b'z' * 1023 + b'\\n'\nchunk = line * 1024\nfor _ in range(1024):\n    sys.stdout.buffer.write(chunk)\nprint('::weft-output::{"done": true}')`,
      { language: 'python', resources: { outputBytes: '1Mi' }, timeoutMs: 120_000 },
    );
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const started = Date.now();
    const out = await kit.run(input).finally(() => clearInterval(sampler));
    const seconds = (Date.now() - started) / 1000;
    assert.deepEqual(out.outputs, { done: true }, 'an output line past the bound still counts');
    const lines = await kit.logLines(input.context.runId);
    assert.equal(lines.length, 1025, 'the lines within 1 MiB, and the line that says the rest was cut');
    assert.equal(
      lines.at(-1),
      `output cut: ${1024 * 1024 - 1024 + 1} lines (${2 ** 30 - 2 ** 20 + 30} bytes) of stdout and stderr were not kept, past resources.outputBytes (1048576 bytes logged)`,
    );
    process.stderr.write(
      `[sandbox] 1 GB of stdout in ${seconds.toFixed(1)} s: rss ${Math.round(before / 2 ** 20)} MB before, peak ${Math.round(peak / 2 ** 20)} MB\n`,
    );
    assert.ok(peak - before < 100 * 2 ** 20, `memory grew by ${Math.round((peak - before) / 2 ** 20)} MB`);
  });
});
