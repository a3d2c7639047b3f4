// The cron subset schedule triggers accept: five fields (minute hour day-of-month month
// day-of-week) or @hourly/@daily/@weekly. Parsed here once for validation, for the jitter
// bound and for the time-zone-aware preview; Temporal computes the real fire times.

/** Shorthands the spec allows, as five fields. */
export const CRON_SHORTHANDS: Readonly<Record<string, string>> = { '@hourly': '0 * * * *', '@daily': '0 0 * * *', '@weekly': '0 0 * * 0' };

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
] as const;

/** A parsed cron: the allowed values of each field (day of week 0-6, Sunday 0). */
export interface CronFields {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  weekdays: ReadonlySet<number>;
  /** Both day fields restricted: a day matches when either does (classic cron). */
  dayOr: boolean;
}

/** Parses a cron expression; a string result is the problem (`field 2 (hour) ...`). */
export function parseCron(text: string): CronFields | string {
  const expanded = CRON_SHORTHANDS[text.trim()] ?? text.trim();
  if (expanded.startsWith('@')) return `"${text}" is not a shorthand Weft knows; use @hourly, @daily, @weekly or five fields`;
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) return `must have 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`;
  const sets: Set<number>[] = [];
  for (const [i, part] of parts.entries()) {
    const field = FIELDS[i] as (typeof FIELDS)[number];
    const values = parseField(part, field);
    if (typeof values === 'string') return `field ${i + 1} (${field.name}) ${values}`;
    sets.push(values);
  }
  const [minutes, hours, days, months, weekdaysRaw] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const weekdays = new Set([...weekdaysRaw].map((d) => d % 7));
  return { minutes, hours, days, months, weekdays, dayOr: parts[2] !== '*' && parts[4] !== '*' };
}

function parseField(part: string, field: (typeof FIELDS)[number]): Set<number> | string {
  const out = new Set<number>();
  for (const item of part.split(',')) {
    const match = /^(\*|[A-Za-z0-9]+)(?:-([A-Za-z0-9]+))?(?:\/(\d+))?$/.exec(item);
    if (!match) return `"${part}" is not a cron field; write e.g. *, 5, 1-5, */15 or 1,3,5`;
    const [, startText, endText, stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) return `"${item}" has a step below 1`;
    const start = startText === '*' ? field.min : fieldValue(startText as string, field);
    const end = startText === '*' ? field.max : endText !== undefined ? fieldValue(endText, field) : stepText !== undefined ? field.max : start;
    if (start === undefined || end === undefined)
      return `"${item}" must hold values ${field.min}-${field.max}${'names' in field ? ` or names such as ${field.names[0]}` : ''}`;
    if (start > end) return `"${item}" is a range that ends before it starts`;
    for (let v = start; v <= end; v += step) out.add(v);
  }
  return out;
}

function fieldValue(text: string, field: (typeof FIELDS)[number]): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  if (!('names' in field)) return undefined;
  const index = (field.names as readonly string[]).indexOf(text.toUpperCase());
  if (index < 0) return undefined;
  return field.name === 'month' ? index + 1 : index;
}

/**
 * The shortest gap between two fire times, in ms, judged from the minute and hour fields (an
 * upper bound on the true gap where the day fields are sparse). Used to bound `jitter`.
 */
export function shortestCronGapMs(cron: CronFields): number {
  const gap = (values: ReadonlySet<number>, cycle: number): number => {
    const sorted = [...values].sort((a, b) => a - b);
    if (sorted.length < 2) return Number.POSITIVE_INFINITY;
    let best = cycle - (sorted.at(-1) as number) + (sorted[0] as number);
    for (let i = 1; i < sorted.length; i++) best = Math.min(best, (sorted[i] as number) - (sorted[i - 1] as number));
    return best;
  };
  const minuteGap = gap(cron.minutes, 60);
  if (Number.isFinite(minuteGap)) return minuteGap * 60_000;
  const hourGap = gap(cron.hours, 24);
  if (Number.isFinite(hourGap)) return hourGap * 3_600_000;
  return 86_400_000;
}

/** Whether a local wall-clock time matches the cron (day of week 0 = Sunday). */
export function cronMatches(cron: CronFields, t: { minute: number; hour: number; day: number; month: number; weekday: number }): boolean {
  if (!cron.minutes.has(t.minute) || !cron.hours.has(t.hour) || !cron.months.has(t.month)) return false;
  const dayOk = cron.days.has(t.day);
  const weekdayOk = cron.weekdays.has(t.weekday);
  return cron.dayOr ? dayOk || weekdayOk : dayOk && weekdayOk;
}
