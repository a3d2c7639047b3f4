// Cutting text to a byte budget without splitting a UTF-8 character: what lets logs, outputs
// and sources be bounded for callers whose context is small.

/** Cuts a UTF-8 text to at most `maxBytes` bytes; says whether it was cut. */
export function cutText(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, truncated: false };
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so a character is never split.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return { text: bytes.subarray(0, end).toString('utf8'), truncated: true };
}
