// A network grant in a container: the container has no network of its own (`--network=none`), and
// the worker offers the attempt's proxy (script-proxy.ts) on the container's loopback by running a
// relay in the container's network namespace, before the script starts. The relay runs on the
// host's files, so it reaches the proxy's socket, which the container never sees.

import { type ChildProcess, spawn } from 'node:child_process';
import type { ContainerEngine } from '../src/services/containers/container-engine.js';
import { engineEnv, onPath, output } from '../src/services/containers/container-engine.js';
import { AttemptSetupError } from './script-attempt.js';
import { RELAY_PORT } from './script-relay.js';

/** Listens on 127.0.0.1:RELAY_PORT and pipes each connection to the socket named after `--`; says `ready` once listening. */
const LISTEN_SOURCE = `
const net = require('node:net');
const [socketPath] = process.argv.slice(1);
net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.pipe(upstream).pipe(client);
}).listen(${RELAY_PORT}, '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

/** Why this worker cannot offer a proxy inside a container, or undefined when it can. */
export function relayUnsupported(engine: ContainerEngine): string | undefined {
  if (engine.kind !== 'podman') return `${engine.kind} gives no way into a container's network before it starts`;
  if (engine.rootless || process.getuid?.() !== 0) return 'the worker must run as root with a rootful podman to join a container’s network namespace';
  if (!onPath('nsenter')) return 'nsenter (util-linux) is not installed';
  return undefined;
}

/**
 * Creates the container's namespaces without starting its script (`podman init`), then starts the
 * relay inside its network namespace and waits until it listens. Returns the relay to kill after.
 */
export async function startRelay(engine: ContainerEngine, name: string, socketPath: string): Promise<ChildProcess> {
  const init = await output(engine.path, [...engine.globalArgs, 'init', name]);
  if (init.code !== 0) throw new AttemptSetupError(`podman could not prepare the container: ${lastLine(init.stderr)}`);
  const inspect = await output(engine.path, [...engine.globalArgs, 'inspect', '--format', '{{.State.Pid}}', name]);
  const pid = Number(inspect.stdout.trim());
  if (!Number.isInteger(pid) || pid <= 0)
    throw new AttemptSetupError(`podman did not say the container's process (${lastLine(inspect.stderr) || inspect.stdout.trim()})`);
  const relay = spawn(onPath('nsenter') ?? 'nsenter', [`--net=/proc/${pid}/ns/net`, '--', process.execPath, '-e', LISTEN_SOURCE, '--', socketPath], {
    env: engineEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  relay.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const ready = await new Promise<boolean>((done) => {
    const timer = setTimeout(() => done(false), 10_000);
    relay.stdout?.once('data', () => {
      clearTimeout(timer);
      done(true);
    });
    relay.once('exit', () => {
      clearTimeout(timer);
      done(false);
    });
  });
  if (!ready) {
    relay.kill('SIGKILL');
    throw new AttemptSetupError(`the network relay could not start in the container: ${lastLine(stderr) || 'no answer in 10 s'}`);
  }
  return relay;
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.slice(0, 300) ?? '';
}
