// Daylight-saving warnings for a cron schedule: where a clock change in its time zone skips a
// local time the cron names (it never exists that day) or repeats one (it exists twice). Pure:
// computed with Intl from the zone's offsets, so it needs no Temporal round trip.

import { type CronFields, cronMatches } from '../../core/spec/cron.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** One local time a clock change skips or repeats, as the preview reports it. */
export interface DaylightSavingWarning {
  kind: 'skipped' | 'repeated';
  /** Local date and time, `2027-03-28 02:30`. */
  local: string;
  /** The instant of the clock change. */
  at: string;
  message: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's offset from UTC at an instant, in ms (Europe/Paris in summer: 7,200,000). */
export function zoneOffsetMs(timeZone: string, at: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(at))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  return wall - Math.floor(at / 1000) * 1000;
}

/** Clock changes of a zone between two instants: when, and the offsets before and after. */
export function clockChanges(timeZone: string, from: number, to: number): Array<{ at: number; before: number; after: number }> {
  const changes: Array<{ at: number; before: number; after: number }> = [];
  let t = Math.floor(from / MINUTE) * MINUTE;
  let offset = zoneOffsetMs(timeZone, t);
  while (t < to) {
    const next = Math.min(t + HOUR, to);
    const nextOffset = zoneOffsetMs(timeZone, next);
    if (nextOffset !== offset) {
      // Narrow the change to the minute: offsets change on whole minutes everywhere.
      let lo = t;
      let hi = next;
      while (hi - lo > MINUTE) {
        const mid = lo + Math.max(MINUTE, Math.floor((hi - lo) / 2 / MINUTE) * MINUTE);
        if (zoneOffsetMs(timeZone, mid) === offset) lo = mid;
        else hi = mid;
      }
      changes.push({ at: hi, before: offset, after: nextOffset });
    }
    t = next;
    offset = nextOffset;
  }
  return changes;
}

/**
 * Warnings for the local times a cron names that clock changes between `from` and `to` skip or
 * repeat. The window is capped at 400 days, enough for a year's two changes.
 */
export function daylightSavingWarnings(cron: CronFields, timeZone: string, from: Date, to: Date): DaylightSavingWarning[] {
  const end = Math.min(to.getTime(), from.getTime() + 400 * 24 * HOUR);
  const warnings: DaylightSavingWarning[] = [];
  for (const change of clockChanges(timeZone, from.getTime(), end)) {
    const shift = Math.abs(change.after - change.before);
    const kind = change.after > change.before ? 'skipped' : 'repeated';
    // The wall-clock span the change affects, starting at the local time just before it (skipped)
    // or just after it (repeated).
    const wallStart = change.at + (kind === 'skipped' ? change.before : change.after);
    for (let m = 0; m < shift; m += MINUTE) {
      const wall = new Date(wallStart + m);
      const local = {
        minute: wall.getUTCMinutes(),
        hour: wall.getUTCHours(),
        day: wall.getUTCDate(),
        month: wall.getUTCMonth() + 1,
        weekday: wall.getUTCDay(),
      };
      if (!cronMatches(cron, local)) continue;
      const text = wall.toISOString().slice(0, 16).replace('T', ' ');
      const before = new Date(wallStart).toISOString().slice(11, 16);
      const after = new Date(wallStart + shift).toISOString().slice(11, 16);
      warnings.push({
        kind,
        local: text,
        at: new Date(change.at).toISOString(),
        message:
          kind === 'skipped'
            ? `${text} does not exist in ${timeZone} (clocks jump from ${before} to ${after}): that fire moves or does not happen; choose a time outside ${before}-${after}`
            : `${text} happens twice in ${timeZone} (clocks go back from ${after} to ${before}): check the preview for whether it fires once or twice`,
      });
    }
  }
  return warnings;
}
