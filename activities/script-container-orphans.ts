// Script containers a worker left running when it died mid-attempt (its sandbox would have died
// with it; a container does not), found by the labels every script container carries.

import { hostname } from 'node:os';
import { type ContainerEngine, output } from '../src/services/containers/container-engine.js';

/**
 * Removes the script containers that a worker on this host left when it died mid-attempt (its
 * sandbox would have died with it; a container does not). Returns their names.
 */
export async function removeOrphanContainers(engine: ContainerEngine): Promise<string[]> {
  const host = hostname();
  const listed = await output(engine.path, [...engine.globalArgs, 'ps', '-a', '--filter', 'label=weft.script=1', '--format', '{{.Names}}']);
  const removed: string[] = [];
  for (const name of listed.stdout.split('\n').filter((n) => /^weft-[0-9a-f-]+$/.test(n))) {
    const owner = (await output(engine.path, [...engine.globalArgs, 'inspect', '--format', '{{index .Config.Labels "weft.worker"}}', name])).stdout.trim();
    const [ownerHost, pid] = [owner.slice(0, owner.lastIndexOf(':')), Number(owner.slice(owner.lastIndexOf(':') + 1))];
    if (ownerHost !== host || !Number.isInteger(pid) || pid <= 0 || alive(pid)) continue;
    await output(engine.path, [...engine.globalArgs, 'rm', '-f', ...(engine.kind === 'podman' ? ['-t', '0'] : []), name]);
    removed.push(name);
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
