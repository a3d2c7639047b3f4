// What a sandboxed script sees of the host's files: everything read-only but its private work
// dir (and a workingDir the operator allows); Weft's data directory, homes, password hashes and
// the cgroup files that hold its own limits out of reach. A plain process shows the difference.

import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectCgroups } from '../../activities/script-cgroup.js';
import { projectPath } from '../../src/services/config/paths.js';
import { failureOf, type SandboxKit, sandboxKit, work } from './sandbox-kit.js';

const tries = `tries() { if "$@" >/dev/null 2>&1; then echo yes; else echo no; fi; }`;

describe('the file system of a sandboxed script', () => {
  let kit: SandboxKit;
  let shared: string;
  let home: string;
  before(async () => {
    shared = await work();
    // A script run by a root worker runs as nobody: the directory it may write is writable for it.
    await chmod(shared, 0o777);
    kit = await sandboxKit({ WEFT_SCRIPT_WORKING_DIRS: shared });
    await writeFile(join(kit.dataDir, 'flow-secret.txt'), 'data-dir-canary');
    // A home with a key in it, hidden as the worker's own home is.
    home = await work();
    await mkdir(join(home, '.ssh'));
    await writeFile(join(home, '.ssh', 'id_ed25519'), 'home-key-canary');
    kit.runner.privateDirs = [...(kit.runner.privateDirs ?? []), home];
  });
  after(async () => kit.close());

  it('cannot read a file under the data directory; a plain process can', async () => {
    const body = `cat "$F" 2>/dev/null || echo unreadable`;
    const env = { F: join(kit.dataDir, 'flow-secret.txt') };
    const sandboxed = await kit.run(kit.script(body, { env }));
    assert.equal(sandboxed.stdoutTail.trim(), 'unreadable');
    const plain = await kit.run(kit.script(body, { env }), { runner: { ...kit.runner, kind: 'process' } });
    assert.equal(plain.stdoutTail.trim(), 'data-dir-canary');
  });

  it('cannot read keys under a home, nor password hashes', async () => {
    const out = await kit.run(
      kit.script(
        `${tries}\nprintf '::weft-output::{"key":"%s","shadow":"%s","homeEntries":%s}\\n' "$(tries cat "$H/.ssh/id_ed25519")" "$(head -c 1 /etc/shadow | wc -c)" "$(ls -A "$H" | wc -l)"`,
        {
          env: { H: home },
        },
      ),
    );
    assert.deepEqual(out.outputs, { key: 'no', shadow: '0', homeEntries: 0 });
  });

  it('writes only in its work dir, its own /tmp and $WEFT_OUTPUT; nowhere else on the host', async () => {
    const outside = await work();
    const out = await kit.run(
      kit.script(
        `${tries}
        # The file that holds this attempt's own memory limit (cgroup v1 or v2): raising it would undo the limit.
        LIMIT=$(awk -F: '$2=="memory"{print "/sys/fs/cgroup/memory"$3"/memory.limit_in_bytes"} $1=="0"{print "/sys/fs/cgroup"$3"/memory.max"}' /proc/self/cgroup | while read -r p; do [ -f "$p" ] && echo "$p"; done | head -1)
        echo "limit file: $LIMIT"
        printf '::weft-output::{"work":"%s","tmp":"%s","etc":"%s","project":"%s","host":"%s","data":"%s","cgroup":"%s","cwd":"%s"}\\n' \\
          "$(tries sh -c 'echo x > made.txt')" "$(tries sh -c 'echo x > /tmp/x')" "$(tries sh -c 'echo x > /etc/weft-planted')" \\
          "$(tries sh -c "echo x > '$PROJECT/weft-planted'")" "$(tries sh -c "echo x > '$OUTSIDE/planted'")" \\
          "$(tries sh -c "echo x > '$DATA/planted'")" \\
          "$(tries sh -c "echo 99999999999 > '$LIMIT'")" \\
          "$(pwd)"
        echo '{"viaFile": true}' > "$WEFT_OUTPUT"`,
        { env: { PROJECT: projectPath(), OUTSIDE: outside, DATA: kit.dataDir } },
      ),
    );
    const { cwd, ...rest } = out.outputs;
    if ((await detectCgroups()).version !== 0) assert.match(out.stdoutTail, /limit file: \/sys\/fs\/cgroup\/.*attempt-/, 'the script sees its own limit file');
    assert.deepEqual(rest, { work: 'yes', tmp: 'yes', etc: 'no', project: 'no', host: 'no', data: 'no', cgroup: 'no', viaFile: true });
    assert.match(String(cwd), /\/weft-script-[^/]+\/work$/);
    assert.deepEqual(await readdir(outside), []);
    assert.ok(!(await readdir(projectPath())).includes('weft-planted'));
  });

  it('runs as nobody under a root worker: a root-only file it can see stays unreadable, and it has no capabilities', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('the worker is not root: scripts run as its own user');
    const dir = join(shared, 'root-only');
    await mkdir(dir, { mode: 0o755 });
    await writeFile(join(dir, 'token'), 'root-canary', { mode: 0o600 });
    const out = await kit.run(
      kit.script(
        `printf '::weft-output::{"uid":%s,"read":"%s","caps":"%s"}\\n' "$(id -u)" "$(cat "$F" 2>/dev/null || echo no)" "$(grep CapEff /proc/self/status | cut -f2)"`,
        {
          env: { F: join(dir, 'token') },
        },
      ),
    );
    assert.deepEqual(out.outputs, { uid: 65534, read: 'no', caps: '0000000000000000' });
  });

  it('writes in a workingDir the operator allows, and refuses one outside WEFT_SCRIPT_WORKING_DIRS', async () => {
    const dir = join(shared, 'job');
    await mkdir(dir, { mode: 0o777 });
    await chmod(dir, 0o777);
    const out = await kit.run(kit.script('echo made > made.txt; echo "::weft-output::{\\"home\\": \\"$HOME\\"}"', { workingDir: dir }));
    assert.match(String(out.outputs.home), /\/weft-script-[^/]+\/work$/, 'HOME is the private work dir');
    const failure = await failureOf(kit.run(kit.script('true', { workingDir: await work() })));
    assert.equal(failure.type, 'ScriptSetupError');
    assert.match(failure.message, /is outside the directories scripts may write \(WEFT_SCRIPT_WORKING_DIRS: .*\): leave workingDir out/);
  });
});
