// Flow-provided text (log messages, approval messages, errors, outputs) made safe to print on a
// terminal: a flow must not forge lines, move the cursor, recolour or reorder what a person reads.

/**
 * C0 controls (newlines included), DEL, C1 controls, the line and paragraph separators and the
 * bidirectional marks, embeddings, overrides and isolates: everything that moves, hides or
 * reorders text on a terminal instead of showing as a character.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` with each unsafe character (but newlines and tabs with `keepNewlines`, for output whose
 * lines Weft itself makes, each flow-provided field escaped on its own) written as a visible escape (`\n`, `\x1b`, `\u202e`), so
 * it stays on one line and shows what it holds. `--json` output keeps the raw text instead.
 */
export function terminalText(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(UNSAFE, (char) => {
    if (options.keepNewlines && (char === '\n' || char === '\t')) return char;
    const named = NAMED[char];
    if (named) return named;
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
