// The container runner with a real podman and an image built here from Debian's busybox-static
// (no registry): outputs and $WEFT_OUTPUT, no network without a grant and with one only the
// granted hosts through the attempt's proxy, a read-only root without capabilities, memory (typed error), processes, CPU time, wall time and cancel (the container
// removed, a SIGTERM-ignoring script gone), namespace files read-only; and validation when no
// engine answers. Skipped only where podman is not installed.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removeOrphanContainers } from '../../activities/script-container-orphans.js';
import { parseFlow } from '../../src/core/spec/parse-flow.js';
import { findContainerEngine, onPath } from '../../src/services/containers/container-engine.js';
import { FileService } from '../../src/services/files/file-service.js';
import { NamespaceFileStore } from '../../src/services/files/file-store.js';
import { checkScriptImages } from '../../src/services/flows/image-check.js';
import { EgressPolicy } from '../../src/services/security/egress-policy.js';
import { HostAllowList } from '../../src/services/security/host-allow-list.js';
import { assertCompleted, createTestEnv, runFlow } from '../helpers/temporal-env.js';
import { failureOf, left, type SandboxKit, sandboxKit, work } from './sandbox-kit.js';

const podman = onPath('podman');
const WEFT_BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');
const IMAGE = 'localhost/weft-test/busybox:local';
const BUSYBOX_TOOLS = [
  'sh',
  'cat',
  'echo',
  'id',
  'grep',
  'touch',
  'rm',
  'mv',
  'sleep',
  'seq',
  'dd',
  'head',
  'wc',
  'sed',
  'stat',
  'ls',
  'wget',
  'true',
  'cut',
  'tr',
];

/** Runs podman against the test's own image store (a storage.conf in its temp directory). */
function podmanText(args: string[]): string {
  return execFileSync(podman ?? 'podman', args, { encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The script containers of this store that still exist. */
function containersLeft(): string[] {
  return podmanText(['ps', '-a', '--filter', 'label=weft.script=1', '--format', '{{.Names}}']).split('\n').filter(Boolean);
}

describe('container runner (podman)', { skip: podman ? false : 'podman is not installed (Debian: apt-get install podman runc)' }, () => {
  let kit: SandboxKit;
  let files: FileService;
  let root = '';
  before(async () => {
    const busybox = ['/bin/busybox', '/usr/bin/busybox'].find(existsSync);
    assert.ok(busybox, 'the image is built from busybox-static: apt-get install busybox-static');
    // The image has no C library: a dynamically linked busybox (Debian's busybox package) cannot start in it.
    const linked = spawnSync('ldd', [busybox], { encoding: 'utf8' });
    assert.match(`${linked.stdout}${linked.stderr}`, /not a dynamic executable|statically linked/, `${busybox} must be static: apt-get install busybox-static`);
    root = await work();
    // Every podman call of this test, Weft's included, uses this store: nothing global is written.
    await writeFile(join(root, 'storage.conf'), `[storage]\ndriver = "vfs"\ngraphroot = "${root}/graph"\nrunroot = "${root}/run"\n`);
    process.env.CONTAINERS_STORAGE_CONF = join(root, 'storage.conf');
    const rootfs = join(root, 'rootfs');
    await mkdir(join(rootfs, 'bin'), { recursive: true });
    await mkdir(join(rootfs, 'tmp'), { mode: 0o1777 });
    await chmod(join(rootfs, 'tmp'), 0o1777);
    await copyFile(busybox, join(rootfs, 'bin', 'busybox'));
    for (const tool of BUSYBOX_TOOLS) await symlink('busybox', join(rootfs, 'bin', tool));
    // busybox has no bash applet; its ash runs these scripts.
    await writeFile(join(rootfs, 'bin', 'bash'), '#!/bin/sh\nexec /bin/sh "$@"\n', { mode: 0o755 });
    execFileSync('tar', ['-C', rootfs, '-cf', join(root, 'rootfs.tar'), '.']);
    podmanText(['import', '--change', 'ENV PATH=/bin', join(root, 'rootfs.tar'), IMAGE]);
    kit = await sandboxKit({ WEFT_CONTAINER_ENGINE: 'podman', WEFT_CONTAINER_PULL: 'never' });
    files = new FileService(new NamespaceFileStore(kit.logStore));
    await files.put('test', 'config.json', Buffer.from('{"greeting":"hello"}'));
  });
  after(async () => {
    await kit?.close();
    await rm(root, { recursive: true, force: true });
  });

  const inImage = (body: string, more: Parameters<SandboxKit['script']>[1] = {}) => kit.script(body, { image: IMAGE, ...more });

  it('runs the script in the image: outputs by line and by $WEFT_OUTPUT, env, read-only root, no capabilities', async () => {
    const body = `echo "::weft-output::{\\"line\\": \\"$GREETING\\"}"
echo '{"file": 2}' > "$WEFT_OUTPUT"
touch /etc/x 2>/dev/null && root=writable || root=read-only
echo tmp > /tmp/t && echo here > ./mine && tmp=ok
echo "::weft-output::{\\"root\\": \\"$root\\", \\"tmp\\": \\"$tmp\\", \\"caps\\": \\"$(grep CapEff /proc/self/status | cut -f2)\\", \\"host\\": \\"$(cat /etc/hostname)\\", \\"cwd\\": \\"$PWD\\"}"`;
    const out = await kit.run(inImage(body, { env: { GREETING: 'hi there' } }));
    assert.deepEqual(out.outputs, {
      line: 'hi there',
      file: 2,
      root: 'read-only',
      tmp: 'ok',
      caps: '0000000000000000',
      host: 'weft-script',
      cwd: '/weft/work',
    });
    assert.deepEqual(containersLeft(), []);
  });

  it('has no network without a grant', async () => {
    const out = await kit.run(inImage('echo "::weft-output::{\\"interfaces\\": \\"$(ls /sys/class/net | tr "\\n" " ")\\"}"'));
    assert.equal(String(out.outputs.interfaces).trim(), 'lo');
  });

  it('reaches a granted host only through the attempt proxy, which holds the list and the egress policy', async () => {
    const serve = async (name: string) => {
      const server = createServer((_req, res) => res.end(`hello from ${name}`));
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      return { server, port: (server.address() as AddressInfo).port };
    };
    const allowed = await serve('allowed');
    const other = await serve('other');
    try {
      // The operator allows loopback for the http tasks' policy; the task lists one port of it.
      kit.runner.egress = new EgressPolicy({ allowList: HostAllowList.parse('127.0.0.1') });
      const get = (port: number, proxy: string) => `$(wget -q -Y ${proxy} -O - http://127.0.0.1:${port}/ 2>/dev/null || echo refused)`;
      const body = `echo "::weft-output::{\\"granted\\": \\"${get(allowed.port, 'on')}\\", \\"other\\": \\"${get(other.port, 'on')}\\", \\"direct\\": \\"${get(allowed.port, 'off')}\\"}"`;
      const input = inImage(body, { network: [`127.0.0.1:${allowed.port}`] });
      const out = await kit.run(input);
      assert.deepEqual(out.outputs, { granted: 'hello from allowed', other: 'refused', direct: 'refused' });
      assert.ok(
        (await kit.logLines(input.context.runId)).some((line) => line.includes(`127.0.0.1:${other.port}`)),
        'the refusal is in the logs',
      );
    } finally {
      delete kit.runner.egress;
      allowed.server.close();
      other.server.close();
    }
  });

  it('fails a script over resources.memory with ScriptMemoryExceeded', async () => {
    const failure = await failureOf(kit.run(inImage('echo start; dd if=/dev/zero of=/dev/null bs=96M count=1', { resources: { memory: '32Mi' } })));
    assert.equal(failure.type, 'ScriptMemoryExceeded');
    assert.match(failure.message, /^script used more than its memory limit of 33554432 bytes and was killed/);
  });

  it('stops a fork loop at resources.processes', async () => {
    const failure = await failureOf(kit.run(inImage('for i in $(seq 1 100); do sleep 30 & done; echo all-started', { resources: { processes: 12 } })));
    assert.equal(failure.type, 'ScriptExitError');
    assert.match(String(failure.details?.[0] && (failure.details[0] as { stderrTail: string }).stderrTail), /can't fork/);
    assert.deepEqual(containersLeft(), []);
  });

  it('kills a process over resources.cpuTime with ScriptCpuTimeExceeded', async () => {
    const failure = await failureOf(kit.run(inImage('while :; do :; done', { resources: { cpuTime: '1s' } })));
    assert.equal(failure.type, 'ScriptCpuTimeExceeded');
  });

  it('removes the container of a SIGTERM-ignoring script on timeout and on cancel', async () => {
    const script = (mark: string) => inImage(`trap '' TERM; echo started; sleep ${mark}; echo survived`, { timeoutMs: 2000 });
    const timedOut = await failureOf(kit.run(script('4711')));
    assert.equal(timedOut.type, 'ScriptTimeoutError');
    assert.deepEqual(await left('4711'), []);
    const controller = new AbortController();
    const cancelled = kit.run({ ...script('4712'), timeoutMs: 60_000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 1500);
    await assert.rejects(cancelled, /script cancelled/);
    assert.deepEqual(await left('4712'), []);
    assert.deepEqual(containersLeft(), []);
  });

  it('removes at worker start the containers a dead worker of this host left running, and only those', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const lookup = await findContainerEngine('podman');
    assert.ok('engine' in lookup);
    const { globalArgs, nofile, nproc } = lookup.engine;
    const start = (name: string, pid: string) =>
      podmanText([
        ...globalArgs,
        'run',
        '-d',
        '--name',
        name,
        '--label',
        'weft.script=1',
        '--label',
        `weft.worker=${hostname()}:${pid}`,
        '--ulimit',
        `nofile=${nofile}:${nofile}`,
        '--ulimit',
        `nproc=${nproc}:${nproc}`,
        '--network=none',
        IMAGE,
        'sleep',
        '4714',
      ]);
    start('weft-00000000-0000-4000-8000-00000000dead', dead);
    start('weft-00000000-0000-4000-8000-0000000a11fe', String(process.pid));
    assert.deepEqual(await removeOrphanContainers(lookup.engine), ['weft-00000000-0000-4000-8000-00000000dead']);
    assert.deepEqual(containersLeft(), ['weft-00000000-0000-4000-8000-0000000a11fe']);
    podmanText(['rm', '-f', '-t', '0', 'weft-00000000-0000-4000-8000-0000000a11fe']);
    assert.deepEqual(await left('4714'), []);
  });

  it('shows namespace files read-only in the work directory', async () => {
    const body = `grep -q hello config.json && seen=yes
echo x >> config.json 2>/dev/null && write=yes || write=no
rm -f config.json 2>/dev/null; test -f config.json && kept=yes
echo "::weft-output::{\\"seen\\": \\"$seen\\", \\"write\\": \\"$write\\", \\"kept\\": \\"$kept\\"}"`;
    const out = await kit.run(inImage(body, { files: { namespace: 'test', paths: ['config.json'] } }), { files });
    assert.deepEqual(out.outputs, { seen: 'yes', write: 'no', kept: 'yes' });
  });

  it('runs a flow whose task names the image through a real worker, and weft flow validate says where no engine is', async () => {
    const env = await createTestEnv({ workerEnv: { WEFT_CONTAINER_ENGINE: 'podman', WEFT_CONTAINER_PULL: 'never' } });
    try {
      const text = `id: boxed
tasks:
  - id: inside
    type: script
    language: bash
    image: ${IMAGE}
    script: |
      echo "::weft-output::{\\"host\\": \\"$(cat /etc/hostname)\\"}"
outputs: { host: "{{ outputs.inside.outputs.host }}" }
`;
      const view = await runFlow(env, text);
      assertCompleted(view);
      assert.deepEqual(view.outputs, { host: 'weft-script' });
      const file = join(env.dataDir, 'boxed.yaml');
      await writeFile(file, text);
      const validate = (engine: string) =>
        spawnSync(process.execPath, [WEFT_BIN, 'flow', 'validate', file, '--json'], {
          encoding: 'utf8',
          env: { ...process.env, WEFT_DATA_DIR: env.dataDir, WEFT_CONTAINER_ENGINE: engine },
        });
      assert.deepEqual(JSON.parse(validate('podman').stdout), { valid: true, errors: [] });
      const refused = validate('none');
      assert.equal(refused.status, 1);
      const body = JSON.parse(refused.stdout) as { errors: Array<{ path: string; message: string; hint: string }> };
      assert.equal(body.errors[0]?.path, 'tasks[0].image');
      assert.match(body.errors[0]?.message ?? '', /asks for the container runner, which is not available/);
      assert.match(body.errors[0]?.hint ?? '', /apt-get install podman/);
    } finally {
      await env.close();
    }
  });

  it('fails the task with ScriptSetupError when the image is not on the worker and pulls are off, or lacks the interpreter', async () => {
    const absent = await failureOf(kit.run(inImage('true', { image: 'localhost/weft-test/absent:1' })));
    assert.equal(absent.type, 'ScriptSetupError');
    assert.match(absent.message, /^podman could not run the script in image localhost\/weft-test\/absent:1/);
    const noPython = await failureOf(kit.run(inImage('print(1)', { language: 'python' })));
    assert.equal(noPython.type, 'ScriptSetupError');
    assert.match(noPython.message, /^image localhost\/weft-test\/busybox:local has no python3 on its PATH, which a python script needs/);
  });
});

describe('validation of image', () => {
  const flow = (task: string, language = 'bash') =>
    parseFlow(`id: boxed\ntasks:\n  - id: s\n    type: script\n    language: ${language}\n    script: echo hi\n${task}`);

  it('fails a task with image where no engine answers, naming the field and what to install', async () => {
    const parsed = flow('    image: python:3.12-slim\n');
    assert.ok(parsed.valid);
    const problems = await checkScriptImages(parsed.flow, 'none');
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.path, 'tasks[0].image');
    assert.match(
      problems[0]?.message ?? '',
      /^tasks\[0\]\.image asks for the container runner, which is not available: the operator turned the container runner off/,
    );
    assert.match(problems[0]?.hint ?? '', /apt-get install podman/);
  });

  it('passes a task with image where podman answers', { skip: podman ? false : 'podman is not installed' }, async () => {
    const parsed = flow('    image: python:3.12-slim\n');
    assert.ok(parsed.valid);
    assert.deepEqual(await checkScriptImages(parsed.flow, 'podman'), []);
  });

  it('refuses image with dependencies, and an image that reads as an option', () => {
    const deps = flow('    image: python:3.12-slim\n    dependencies: [requests]\n', 'python');
    assert.ok(!deps.valid);
    assert.ok(deps.problems.some((p) => p.path === 'tasks[0].dependencies' && /cannot be combined with image/.test(p.message)));
    assert.ok(flow('    image: python:3.12-slim\n    network: [pypi.org]\n').valid, 'a host list is held by the proxy, as in the sandbox');
    const option = flow('    image: "--privileged"\n');
    assert.ok(!option.valid);
    assert.ok(option.problems.some((p) => p.path === 'tasks[0].image' && /must be an image reference/.test(p.message)));
  });
});
