// The cgroup a container attempt's engine puts the container under (`--cgroup-parent`), made and
// removed by Weft so that it can hold the memory limit and still be read after the engine removed
// the container's own group: that is how an out-of-memory kill is told from another exit.

import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupSupport } from './script-cgroup.js';

const ROOT = '/sys/fs/cgroup';

/** A parent group at one path in every hierarchy (v1) or the one (v2), with the attempt's memory limit. */
export class ContainerCgroup {
  private constructor(
    /** The path under each hierarchy's root, as the engine's `--cgroup-parent` takes it. */
    readonly path: string,
    private readonly version: 1 | 2,
    private readonly memoryBytes: number,
  ) {}

  /** Made under the worker's script groups; undefined where the worker can make none (the engine's own limits apply then). */
  static async create(support: CgroupSupport, memoryBytes: number): Promise<ContainerCgroup | undefined> {
    if (support.version === 0 || !support.memory) return undefined;
    const memoryRoot = support.version === 2 ? ROOT : join(ROOT, 'memory');
    const path = join(support.memory.slice(memoryRoot.length), `attempt-${randomUUID()}`);
    const group = new ContainerCgroup(path, support.version, memoryBytes);
    const dir = join(memoryRoot, path);
    await mkdir(dir, { recursive: true });
    if (support.version === 2) {
      await writeFile(join(dir, 'memory.max'), String(memoryBytes));
      await writeFile(join(dir, 'memory.swap.max'), '0').catch(() => undefined);
    } else {
      await writeFile(join(dir, 'memory.limit_in_bytes'), String(memoryBytes));
      await writeFile(join(dir, 'memory.memsw.limit_in_bytes'), String(memoryBytes)).catch(() => undefined);
    }
    return group;
  }

  /**
   * Whether the kernel killed a process for the group's memory limit. v2 counts the kills of its
   * descendants in memory.events; v1 counts a kill only in the victim's own group, which the engine
   * has removed by now, so there the group's peak reaching its limit stands for it.
   */
  async oomKilled(): Promise<boolean> {
    if (this.version === 2) {
      const events = await readFile(join(ROOT, this.path, 'memory.events'), 'utf8').catch(() => '');
      return Number(/^oom_kill (\d+)/m.exec(events)?.[1] ?? 0) > 0;
    }
    const peak = await readFile(join(ROOT, 'memory', this.path, 'memory.max_usage_in_bytes'), 'utf8').catch(() => '0');
    // The kernel charges whole pages and stops at the limit: a peak within a page of it is the limit.
    return Number(peak) >= this.memoryBytes - 4096;
  }

  /** Removes the group from every hierarchy the engine made it in (and the engine's own `conmon` group inside). */
  async remove(): Promise<void> {
    const roots = this.version === 2 ? [ROOT] : (await readdir(ROOT).catch(() => [] as string[])).map((name) => join(ROOT, name));
    for (const root of roots) {
      const dir = join(root, this.path);
      const inner = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of inner) if (entry.isDirectory()) await removeDir(join(dir, entry.name));
      await removeDir(dir);
    }
  }
}

/** rmdir, retried while the kernel still counts a process that just exited. */
async function removeDir(dir: string): Promise<void> {
  for (let round = 0; round < 25; round += 1) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
