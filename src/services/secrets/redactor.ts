// Removes secret values from text, in the forms a script produces without trying: the value,
// reversed, hex, JSON string escapes, base64 and base64url (at any alignment), and percent
// encoding. One redactor serves outputs, errors and logs. What it cannot catch is in docs/flows.md.

/** What a redacted secret is replaced with. */
export const REDACTED = '***';

/** Secrets shorter than this are not redacted: they would blank out ordinary text. */
const MIN_SECRET_LENGTH = 4;

/** Encoded forms shorter than this are not looked for (a base64 tail of one group, say). */
const MIN_FORM_LENGTH = 4;

export class Redactor {
  private readonly needles: string[];
  private readonly pattern: RegExp | undefined;

  constructor(values: Iterable<string>) {
    const set = new Set<string>();
    for (const value of values) {
      if (value.length < MIN_SECRET_LENGTH) continue;
      for (const form of encodedForms(value)) if (form.length >= MIN_FORM_LENGTH) set.add(form);
    }
    // Longest first, so a value is not half-replaced by one of its own substrings: the regex
    // tries alternatives in order at each position.
    this.needles = [...set].sort((a, b) => b.length - a.length);
    // One pass over the text for every form of every secret, instead of one scan per form.
    this.pattern = this.needles.length ? new RegExp(this.needles.map(escapeRegExp).join('|'), 'g') : undefined;
  }

  get empty(): boolean {
    return this.needles.length === 0;
  }

  text(input: string): string {
    if (!this.pattern || input.length < MIN_FORM_LENGTH) return input;
    return input.replace(this.pattern, REDACTED);
  }

  /** Redacts every string inside a JSON value, keys included. */
  value<T>(input: T): T {
    if (this.empty) return input;
    return redactValue(input, this) as T;
  }
}

/** Every form of one secret value the redactor looks for (exported for tests). */
export function encodedForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = [value, [...value].reverse().join('')];
  const hex = bytes.toString('hex');
  forms.push(hex, hex.toUpperCase());
  forms.push(...jsonForms(value));
  forms.push(...base64Forms(bytes));
  forms.push(...percentForms(value, bytes));
  return forms;
}

// The value inside a JSON string as encoders write it: JSON.stringify's escapes, `\/` escaped
// too, non-ASCII as \uXXXX (ensure_ascii style), and every character as \uXXXX in either case.
function jsonForms(value: string): string[] {
  const plain = JSON.stringify(value).slice(1, -1);
  const asciiLower = plain.replace(/[\u007f-\uffff]/g, (c) => unicodeEscape(c, false));
  const asciiUpper = plain.replace(/[\u007f-\uffff]/g, (c) => unicodeEscape(c, true));
  let everyLower = '';
  let everyUpper = '';
  // UTF-16 units, so a code point beyond the BMP becomes its surrogate pair, as JSON writes it.
  for (let i = 0; i < value.length; i++) {
    everyLower += unicodeEscape(value[i] ?? '', false);
    everyUpper += unicodeEscape(value[i] ?? '', true);
  }
  return [plain, plain.replace(/\//g, '\\/'), asciiLower, asciiUpper, everyLower, everyUpper];
}

function unicodeEscape(char: string, upper: boolean): string {
  const hex = char.charCodeAt(0).toString(16).padStart(4, '0');
  return `\\u${upper ? hex.toUpperCase() : hex}`;
}

// A secret inside a longer text is encoded from whatever byte offset it starts at: for each of the
// three offsets modulo 3, the groups made of its bytes alone are the same whatever surrounds it.
function base64Forms(bytes: Buffer): string[] {
  const whole = bytes.toString('base64');
  const forms = [whole, whole.replace(/=+$/, ''), bytes.toString('base64url'), whole.replace(/\+/g, '-').replace(/\//g, '_')];
  for (let skip = 0; skip < 3; skip++) {
    const inner = bytes.subarray(skip);
    const groups = inner.subarray(0, inner.length - (inner.length % 3));
    // Two groups at least: a single group of four characters would match ordinary text.
    if (groups.length < 6) continue;
    forms.push(groups.toString('base64'), groups.toString('base64url'));
  }
  return forms;
}

function percentForms(value: string, bytes: Buffer): string[] {
  const component = encodeURIComponent(value);
  const lowerEscapes = component.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  const everyUpper = Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
  const everyLower = everyUpper.toLowerCase();
  const forms = [component, lowerEscapes, everyUpper, everyLower, encodeURI(value)];
  // Form encoding writes a space as `+`.
  if (value.includes(' ')) forms.push(component.replace(/%20/g, '+'), lowerEscapes.replace(/%20/g, '+'));
  return forms;
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
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
