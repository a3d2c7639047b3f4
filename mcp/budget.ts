// Size budgets of MCP responses. An assistant's context is the scarce resource: no response
// may exceed about 25k tokens, so large values are cut to a budget and marked as cut, and the
// caller is told where the rest is.

/** Most bytes one tool response carries, structured content and text together (about 25k tokens). */
export const RESPONSE_BUDGET_BYTES = 100_000;
/**
 * Most bytes of one result's structured content. Its text block repeats it as JSON, escaped once
 * more on the wire, so two copies and a summary stay within RESPONSE_BUDGET_BYTES.
 */
export const STRUCTURED_BUDGET_BYTES = 40_000;
/** Budget for a run's outputs inside get_run/run_flow. */
export const OUTPUTS_BUDGET_BYTES = 12_000;
/** Budget for a run's inputs inside get_run. */
export const INPUTS_BUDGET_BYTES = 6_000;
/** Budget for one task's output preview in a timeline. */
export const PREVIEW_BYTES = 200;
/** Bytes of one task's output served per get_run page (taskId mode). */
export const OUTPUT_PAGE_BYTES = 20_000;
/** Bytes of log lines one query_logs page (or the logs resource) carries. */
export const LOG_PAGE_BYTES = 32_000;
/** Longest log message returned whole; longer ones are cut and marked. */
export const LOG_MESSAGE_BYTES = 2000;
/** Bytes of flow source one get_flow answer (or one read of the flow resource) carries. */
export const FLOW_SOURCE_BYTES = STRUCTURED_BUDGET_BYTES - 4000;

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/** A short one-line preview of a value, cut at `max` characters with an ellipsis. */
export function previewOf(value: unknown, max = PREVIEW_BYTES): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Fits a JSON object into `maxBytes`: keeps whole top-level entries while they fit and replaces
 * the others by a preview string. Returns whether anything was cut.
 */
export function fitObject(value: Record<string, unknown>, maxBytes: number): { value: Record<string, unknown>; truncated: boolean } {
  if (jsonBytes(value) <= maxBytes) return { value, truncated: false };
  const out: Record<string, unknown> = {};
  let used = 2;
  for (const [key, entry] of Object.entries(value)) {
    const size = jsonBytes(entry) + key.length + 4;
    if (used + size <= maxBytes) {
      out[key] = entry;
      used += size;
    } else {
      const preview = `[cut: ${jsonBytes(entry)} bytes] ${previewOf(entry)}`;
      out[key] = preview;
      used += preview.length + key.length + 6;
    }
  }
  return { value: out, truncated: true };
}

export { cutText } from '../src/services/text-budget.js';
