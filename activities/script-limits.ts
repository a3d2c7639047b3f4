// A script attempt's limits: the task's `resources` capped at the operator's ceilings, the
// operator's defaults for the rest, and the launcher that has the kernel enforce them (a cgroup
// for memory and processes, rlimits for CPU time and file size) before the script starts.

import { existsSync } from 'node:fs';
import type { ScriptInput } from '../src/core/runs/activity-io.js';
import { parseByteSize } from '../src/core/spec/byte-size.js';
import { parseDuration } from '../src/core/spec/duration.js';
import { type ScriptLimits, type ScriptSettings, shown } from '../src/services/config/script-settings.js';

/** Exit code of the launcher when it cannot join the attempt's cgroup. */
export const LAUNCH_FAILED = 125;

/** The limits of one attempt, and a line for each one the ceiling lowered. */
export function limitsOf(resources: ScriptInput['resources'], settings: ScriptSettings): { limits: ScriptLimits; capped: string[] } {
  const limits = { ...settings.defaults };
  const capped: string[] = [];
  const asked: Partial<Record<keyof ScriptLimits, [string, number | undefined]>> = {
    memoryBytes: ['memory', resources?.memory === undefined ? undefined : parseByteSize(resources.memory)],
    cpuSeconds: ['cpuTime', resources?.cpuTime === undefined ? undefined : Math.ceil((parseDuration(resources.cpuTime) ?? 0) / 1000) || undefined],
    processes: ['processes', resources?.processes],
    outputBytes: ['outputBytes', resources?.outputBytes === undefined ? undefined : parseByteSize(resources.outputBytes)],
  };
  for (const [field, [name, value]] of Object.entries(asked) as [keyof ScriptLimits, [string, number | undefined]][]) {
    if (value === undefined || value <= 0) continue;
    const ceiling = settings.ceilings[field];
    if (value > ceiling)
      capped.push(`resources.${name} ${shown(field, value)} capped at the worker's ceiling of ${shown(field, ceiling)} (WEFT_SCRIPT_LIMITS_MAX)`);
    limits[field] = Math.min(value, ceiling);
  }
  return { limits, capped };
}

const PRLIMIT = ['/usr/bin/prlimit', '/bin/prlimit'].find((p) => existsSync(p));

/**
 * Wraps `command`: a shell joins the cgroup(s) by writing its own pid, so that everything it
 * executes is inside before its first instruction, then prlimit sets CPU time (a process over it
 * gets SIGXCPU, one second later SIGKILL) and file size (a write past it fails with EFBIG), and
 * RLIMIT_NPROC where no cgroup counts processes (it binds any user but root).
 */
export function launcher(
  command: { file: string; args: string[] },
  limits: ScriptLimits,
  procsFiles: string[],
  options: { nproc: boolean },
): { file: string; args: string[]; missing: string[] } {
  const missing: string[] = [];
  let inner = [command.file, ...command.args];
  if (PRLIMIT) {
    const rlimits = [`--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`, `--fsize=${limits.fileBytes}`];
    if (options.nproc) rlimits.push(`--nproc=${limits.processes}`);
    inner = [PRLIMIT, ...rlimits, '--', ...inner];
  } else missing.push('cpuTime and file size: prlimit (util-linux) is not installed');
  if (procsFiles.length === 0) {
    const [file = command.file, ...args] = inner;
    return { file, args, missing };
  }
  const join = `while [ "$1" != -- ]; do echo $$ > "$1" || exit ${LAUNCH_FAILED}; shift; done; shift; exec "$@"`;
  return { file: '/bin/sh', args: ['-c', join, 'weft-launch', ...procsFiles, '--', ...inner], missing };
}
