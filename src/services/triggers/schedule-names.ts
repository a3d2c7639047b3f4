// How Weft names its Temporal Schedules and marks them as its own: ids readable in
// `temporal schedule list` (`weft/<namespace>/<flow>/<trigger>`), and a memo saying which store
// and task queue a Schedule belongs to, so reconciliation never touches another store's.

/** What a Schedule is for: firing a trigger, or (paused for good) serving its backfills. */
export type ScheduleRole = 'fire' | 'backfill';

/** The memo on every Weft Schedule (set at creation; Temporal never changes it). */
export interface ScheduleMark {
  flow: string;
  trigger: string;
  role: ScheduleRole;
  store: string;
  taskQueue: string;
}

export const MEMO_KEY = 'weft';
const PREFIX = 'weft/';

/** The Schedule id of a trigger (`role: 'backfill'`: its backfill companion). */
export function scheduleIdOf(flow: string, triggerId: string, role: ScheduleRole = 'fire'): string {
  return `${PREFIX}${flow}/${triggerId}${role === 'backfill' ? '/backfill' : ''}`;
}

/**
 * The workflow id prefix of the runs a Schedule starts; Temporal appends `-<fire time>`, so one
 * fire time is one run id and a repeated start of it is refused.
 */
export function runIdPrefixOf(flow: string, triggerId: string, role: ScheduleRole): string {
  return `${flow.replace('/', '.')}-${triggerId}${role === 'backfill' ? '-backfill' : ''}`;
}

/** The Weft mark of a Schedule's memo, or undefined for Schedules that are not Weft's. */
export function markOf(scheduleId: string, memo: Record<string, unknown> | undefined): ScheduleMark | undefined {
  if (!scheduleId.startsWith(PREFIX)) return undefined;
  const mark = memo?.[MEMO_KEY] as Partial<ScheduleMark> | undefined;
  if (!mark || typeof mark.flow !== 'string' || typeof mark.trigger !== 'string' || typeof mark.store !== 'string') return undefined;
  return {
    flow: mark.flow,
    trigger: mark.trigger,
    role: mark.role === 'backfill' ? 'backfill' : 'fire',
    store: mark.store,
    taskQueue: String(mark.taskQueue ?? ''),
  };
}
