// Removes secret values from text: the value itself, its base64 (standard and URL-safe) and its
// URL encoding. One redactor serves outputs, errors and logs.

/** What a redacted secret is replaced with. */
export const REDACTED = '***';

/** Secrets shorter than this are not redacted: they would blank out ordinary text. */
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  private readonly needles: string[];

  constructor(values: Iterable<string>) {
    const set = new Set<string>();
    for (const value of values) {
      if (value.length < MIN_SECRET_LENGTH) continue;
      const base64 = Buffer.from(value, 'utf8').toString('base64');
      for (const form of [
        value,
        base64,
        base64.replace(/=+$/, ''),
        Buffer.from(value, 'utf8').toString('base64url'),
        encodeURIComponent(value),
        encodeURIComponent(value).replace(/%20/g, '+'),
      ]) {
        if (form.length >= MIN_SECRET_LENGTH) set.add(form);
      }
    }
    // Longest first, so a value is not half-replaced by one of its own substrings.
    this.needles = [...set].sort((a, b) => b.length - a.length);
  }

  get empty(): boolean {
    return this.needles.length === 0;
  }

  text(input: string): string {
    let out = input;
    for (const needle of this.needles) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    return out;
  }

  /** Redacts every string inside a JSON value, keys included. */
  value<T>(input: T): T {
    if (this.empty) return input;
    return redactValue(input, this) as T;
  }
}

function redactValue(input: unknown, redactor: Redactor): unknown {
  if (typeof input === 'string') return redactor.text(input);
  if (Array.isArray(input)) return input.map((v) => redactValue(v, redactor));
  if (input !== null && typeof input === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) out[redactor.text(k)] = redactValue(v, redactor);
    return out;
  }
  return input;
}
