// A control group per script attempt, so the kernel bounds the memory and the process count of
// everything the script starts (RLIMIT_NPROC does not bind a worker running as root). Works on
// cgroup v2 (one hierarchy) and on v1 (memory and pids hierarchies); where neither can be
// written, `detectCgroups` says why and the limits it would have set are not enforced.

import { mkdir, readdir, readFile, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the worker may create script cgroups, per controller, or why it cannot. */
export type CgroupSupport = { version: 1 | 2; memory?: string | undefined; pids?: string | undefined; missing: string[] } | { version: 0; missing: string[] };

const ROOT = '/sys/fs/cgroup';
const GROUP = 'weft-scripts';
let detected: Promise<CgroupSupport> | undefined;

/** Finds, once per process, the cgroup directories under which script groups can be made. */
export function detectCgroups(): Promise<CgroupSupport> {
  detected ??= detect();
  return detected;
}

async function detect(): Promise<CgroupSupport> {
  const own = await readFile('/proc/self/cgroup', 'utf8').catch(() => '');
  const lines = own.split('\n').filter(Boolean);
  const v2Controllers = (await readFile(join(ROOT, 'cgroup.controllers'), 'utf8').catch(() => '')).split(/\s+/);
  if (v2Controllers.includes('memory') || v2Controllers.includes('pids')) return detectV2(lines, v2Controllers);
  const missing: string[] = [];
  const v1 = async (controller: string): Promise<string | undefined> => {
    const path = lines.map((l) => l.split(':')).find(([, names]) => names?.split(',').includes(controller))?.[2];
    if (path === undefined) {
      missing.push(`${controller}: no cgroup v1 ${controller} hierarchy is mounted`);
      return undefined;
    }
    const parent = join(ROOT, controller, path, GROUP);
    try {
      await mkdir(parent, { recursive: true });
      await removeStale(parent);
      return parent;
    } catch (error) {
      missing.push(`${controller}: cannot create ${parent} (${(error as Error).message})`);
      return undefined;
    }
  };
  const memory = await v1('memory');
  const pids = await v1('pids');
  if (!memory && !pids) return { version: 0, missing };
  return { version: 1, memory, pids, missing };
}

/**
 * v2 forbids processes in a cgroup that hands controllers to children, so the worker moves
 * itself into a leaf `worker` group first; where it may not (no delegation), scripts get none.
 */
async function detectV2(lines: string[], available: string[]): Promise<CgroupSupport> {
  const path = lines.find((l) => l.startsWith('0::'))?.slice(3) ?? '/';
  const own = join(ROOT, path);
  const wanted = ['memory', 'pids'].filter((c) => available.includes(c));
  const missing = ['memory', 'pids'].filter((c) => !available.includes(c)).map((c) => `${c}: the cgroup v2 hierarchy has no ${c} controller`);
  try {
    const enabled = (await readFile(join(own, 'cgroup.subtree_control'), 'utf8')).split(/\s+/);
    if (!wanted.every((c) => enabled.includes(c))) {
      const leaf = join(own, 'worker');
      await mkdir(leaf, { recursive: true });
      await writeFile(join(leaf, 'cgroup.procs'), String(process.pid));
      await writeFile(join(own, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
    }
    const parent = join(own, GROUP);
    await mkdir(parent, { recursive: true });
    await removeStale(parent);
    await writeFile(join(parent, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
    return { version: 2, memory: wanted.includes('memory') ? parent : undefined, pids: wanted.includes('pids') ? parent : undefined, missing };
  } catch (error) {
    return {
      version: 0,
      missing: [
        `cgroup v2: cannot delegate ${wanted.join(' and ')} under ${own} (${(error as Error).message}); run the worker in a cgroup it may write, e.g. a systemd unit with Delegate=yes`,
      ],
    };
  }
}

/**
 * Removes the groups of attempts whose worker died before it could (they hold no process: the
 * sandbox died with the worker). Only old ones, so a group another worker just made stays.
 */
async function removeStale(parent: string): Promise<void> {
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith('attempt-'))) {
    const dir = join(parent, name);
    const made = (await stat(dir).catch(() => undefined))?.mtimeMs ?? Date.now();
    // A group still holding processes cannot be removed: rmdir refuses it.
    if (Date.now() - made > STALE_MS) await rmdir(dir).catch(() => undefined);
  }
}

/** Age after which an attempt's group left behind is removed at worker start. */
const STALE_MS = 10 * 60_000;

/** One attempt's group(s): created with its limits, joined by the launcher, emptied and removed after. */
export class ScriptCgroup {
  private constructor(
    private readonly support: Extract<CgroupSupport, { version: 1 | 2 }>,
    /** The group directories (one on v2, one per controller on v1). */
    readonly dirs: string[],
    private readonly memoryDir: string | undefined,
  ) {}

  static async create(support: CgroupSupport, name: string, limits: { memoryBytes: number; processes: number }): Promise<ScriptCgroup | undefined> {
    if (support.version === 0) return undefined;
    const dirs = new Set<string>();
    let memoryDir: string | undefined;
    if (support.memory) {
      memoryDir = join(support.memory, name);
      await mkdir(memoryDir);
      dirs.add(memoryDir);
      if (support.version === 2) {
        await writeFile(join(memoryDir, 'memory.max'), String(limits.memoryBytes));
        await writeFile(join(memoryDir, 'memory.swap.max'), '0').catch(() => undefined);
      } else {
        await writeFile(join(memoryDir, 'memory.limit_in_bytes'), String(limits.memoryBytes));
        await writeFile(join(memoryDir, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes)).catch(() => undefined);
      }
    }
    if (support.pids) {
      const dir = join(support.pids, name);
      if (!dirs.has(dir)) await mkdir(dir);
      dirs.add(dir);
      await writeFile(join(dir, 'pids.max'), String(limits.processes));
    }
    return new ScriptCgroup(support, [...dirs], memoryDir);
  }

  /** The files a launcher writes its own pid into, before it executes the script. */
  procsFiles(): string[] {
    return this.dirs.map((d) => join(d, 'cgroup.procs'));
  }

  /** Whether the kernel killed a process of the group for going over its memory limit. */
  async oomKilled(): Promise<boolean> {
    if (!this.memoryDir) return false;
    const file = this.support.version === 2 ? 'memory.events' : 'memory.oom_control';
    const text = await readFile(join(this.memoryDir, file), 'utf8').catch(() => '');
    return Number(/^oom_kill (\d+)/m.exec(text)?.[1] ?? 0) > 0;
  }

  /** Kills every process left in the group, then removes it (a group with processes cannot be removed). */
  async remove(): Promise<void> {
    for (let round = 0; round < 50; round += 1) {
      let left = 0;
      for (const dir of this.dirs) {
        const pids = (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
        left += pids.length;
        for (const pid of pids) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
      }
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const dir of this.dirs) {
      for (let round = 0; round < 50; round += 1) {
        try {
          await rmdir(dir);
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
  }
}
