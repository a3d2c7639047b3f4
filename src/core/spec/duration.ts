// The one duration type and its parser: `500ms`, `30s`, `5m`, `2h`, `1d`, compounds such as
// `1h30m`, or ISO 8601 (`PT5M`, `P1DT2H`). Pure: used by validation and by the workflow.

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const SHORT = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/;
const ISO = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Longest duration Weft accepts anywhere (10 years), so arithmetic never overflows timers. */
export const MAX_DURATION_MS = 10 * 365 * UNIT_MS.d;

/** Parses a duration into milliseconds; returns undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const value = text.trim();
  if (value.length === 0 || value.length > 64) return undefined;
  const ms = value.startsWith('P') ? parseIso(value) : parseShort(value);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0 || ms > MAX_DURATION_MS) return undefined;
  return Math.round(ms);
}

function parseShort(value: string): number | undefined {
  let rest = value;
  let total = 0;
  while (rest.length > 0) {
    const match = SHORT.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
    rest = rest.slice(match[0].length);
  }
  return total;
}

function parseIso(value: string): number | undefined {
  const match = ISO.exec(value);
  if (!match || value === 'P' || value.endsWith('T')) return undefined;
  const [, d, h, m, s] = match;
  return Number(d ?? 0) * UNIT_MS.d + Number(h ?? 0) * UNIT_MS.h + Number(m ?? 0) * UNIT_MS.m + Number(s ?? 0) * UNIT_MS.s;
}

/** Renders milliseconds as a Go-style duration (`1h30m0s`, `250ms`), as the spec asks for CEL durations. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${rest}ms`;
  const h = Math.floor(rest / UNIT_MS.h);
  rest -= h * UNIT_MS.h;
  const m = Math.floor(rest / UNIT_MS.m);
  rest -= m * UNIT_MS.m;
  const s = rest / 1000;
  return `${sign}${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
}
