// Splits a script's output stream into lines with bounded memory: a line longer than the bound
// keeps its first bytes and a marker; the rest is counted and dropped as it arrives, never held.

/** Longest output line kept whole, in bytes of UTF-8; longer ones are cut and marked. */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Bytes kept past the bound of a cut line, so a secret that straddles the cut is still whole
 * when the line is redacted, and only then cut (secrets up to this long).
 */
export const CUT_LOOKAHEAD_BYTES = 4096;

/**
 * A complete line. When it was cut, `cutFromBytes` is its full length and `text` holds up to
 * MAX_LINE_BYTES + CUT_LOOKAHEAD_BYTES of its head: redact it, then pass it to `cutLineText`.
 */
export type OnLine = (text: string, cutFromBytes?: number) => void;

/**
 * The text shown for a cut line: its (redacted) head and how long the whole line was, together
 * at most `maxChars` long, so no later bound on line length cuts it again.
 */
export function cutLineText(head: string, bytes: number, maxChars = MAX_LINE_BYTES): string {
  const mark = ` … [line cut: ${bytes} bytes]`;
  return `${head.slice(0, maxChars - mark.length)}${mark}`;
}

/** Feeds chunks in with `push`, then `end`; calls `onLine` for each line, without its newline (or a trailing CR). */
export class LineSplitter {
  private parts: Buffer[] = [];
  private kept = 0;
  private total = 0;

  constructor(
    private readonly onLine: OnLine,
    private readonly maxBytes = MAX_LINE_BYTES,
    private readonly keepBytes = maxBytes + CUT_LOOKAHEAD_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start);
      this.take(chunk.subarray(start, newline === -1 ? chunk.length : newline));
      if (newline === -1) return;
      this.emit();
      start = newline + 1;
    }
  }

  /** Emits the last line when the stream ended without a newline after it. */
  end(): void {
    if (this.total > 0) this.emit();
  }

  private take(piece: Buffer): void {
    this.total += piece.length;
    const room = this.keepBytes - this.kept;
    if (room <= 0 || piece.length === 0) return;
    // A copy, so a kept head does not pin the whole chunk it came from.
    const part = Buffer.from(piece.subarray(0, room));
    this.parts.push(part);
    this.kept += part.length;
  }

  private emit(): void {
    let bytes = Buffer.concat(this.parts, this.kept);
    const cut = this.total > this.maxBytes;
    if (!cut && bytes.at(-1) === 13) bytes = bytes.subarray(0, -1);
    const text = cut ? bytes.subarray(0, utf8Boundary(bytes)).toString('utf8') : bytes.toString('utf8');
    const total = this.total;
    this.parts = [];
    this.kept = 0;
    this.total = 0;
    if (cut) this.onLine(text, total);
    else this.onLine(text);
  }
}

/** The length of `bytes` without a UTF-8 sequence the cut split in two. */
function utf8Boundary(bytes: Buffer): number {
  let end = bytes.length;
  // Step back over continuation bytes (10xxxxxx) to the lead byte of the last sequence.
  let back = 0;
  while (back < 3 && end - back - 1 >= 0 && ((bytes[end - back - 1] ?? 0) & 0xc0) === 0x80) back += 1;
  const lead = bytes[end - back - 1];
  if (lead === undefined || lead < 0xc0) return end;
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  if (back + 1 < needed) end -= back + 1;
  return end;
}
