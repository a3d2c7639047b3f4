// How much CPU time the machine's host took away while the bench ran ("steal" in /proc/stat).
// On a shared virtual machine it comes and goes; a run with much of it measures the host's
// other tenants as much as Weft, so the table says how much there was.

import { readFileSync } from 'node:fs';

interface CpuTicks {
  total: number;
  steal: number;
}

/** The machine's CPU ticks so far, or undefined where /proc/stat does not exist (not Linux). */
export function cpuTicks(): CpuTicks | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"
  const fields = text.split('\n', 1)[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const steal = fields[7] ?? 0;
  // guest and guest_nice are already counted in user and nice.
  const total = fields.slice(0, 8).reduce((sum, n) => sum + n, 0);
  return { total, steal };
}

/** Share of CPU time stolen between two readings, 0-1; undefined when either is missing. */
export function stealShare(before: CpuTicks | undefined, after: CpuTicks | undefined): number | undefined {
  if (!before || !after || after.total <= before.total) return undefined;
  return (after.steal - before.steal) / (after.total - before.total);
}
