// One line for an error, in every surface of the console: its code, message and hint. It reads
// the fields rather than the class, so the MCP Apps run view, which never loads the HTTP client,
// words a tool's error result the same way the console words an API error.

/** `CODE: message (hint)` for an error carrying a stable code; the message otherwise. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, hint } = error as Error & { code?: unknown; hint?: unknown };
  if (typeof code !== 'string') return error.message;
  return `${code}: ${error.message}${typeof hint === 'string' && hint ? ` (${hint})` : ''}`;
}
