// Audit records of refusals: a bearer token refused, a session used with another key, a tool
// outside the caller's scope, a namespace or script the caller may not touch. Anyone can send
// refused requests, so records are bounded per minute; the rest are counted in one record.

import { WeftError } from '../../core/errors.js';
import type { AuditRecordInput, AuditTransport } from './audit-log.js';
import type { AuditWriter } from './audit-writer.js';

/** Refusal records written one by one per minute; beyond that they are counted. */
export const REFUSALS_PER_MINUTE = 120;
const WINDOW_MS = 60_000;

/** One refusal: who, what they tried (`authenticate`, `session`, or the tool) and why. */
export interface Refusal {
  actor: string;
  tool: string;
  errorCode: string;
  arguments?: unknown;
  summary?: string;
  runId?: string;
  flow?: string;
}

/**
 * Whether an error refuses the caller's rights (a namespace, scripts, a subflow beyond them), so
 * that even a read-only call that hit it is recorded.
 */
export function isRightsRefusal(error: unknown): boolean {
  return error instanceof WeftError && RIGHTS_REFUSALS.has(error.code);
}

/** Codes of the errors that refuse a caller's rights (the MCP layer's own is ACCESS_DENIED). */
const RIGHTS_REFUSALS = new Set(['ACCESS_DENIED', 'NAMESPACE_NOT_ALLOWED', 'SCRIPTS_NOT_ALLOWED', 'SUBFLOW_NOT_ALLOWED']);

export class RefusalAudit {
  private windowStart = 0;
  private written = 0;
  private suppressed = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly writer: AuditWriter,
    private readonly transport: AuditTransport,
    private readonly options: { perMinute?: number; now?: () => number } = {},
  ) {}

  /** Queues the record of a refusal, or counts it when this minute's records are used up. */
  record(refusal: Refusal): void {
    const now = this.options.now?.() ?? Date.now();
    if (now - this.windowStart >= WINDOW_MS) this.rollWindow(now);
    if (this.written < (this.options.perMinute ?? REFUSALS_PER_MINUTE)) {
      this.written++;
      this.writer.submit(this.input(refusal));
      return;
    }
    const key = `${refusal.tool} ${refusal.errorCode}`;
    this.suppressed.set(key, (this.suppressed.get(key) ?? 0) + 1);
    // The count is written when the minute ends, even if no other refusal comes.
    this.timer ??= setTimeout(() => this.rollWindow(this.options.now?.() ?? Date.now()), Math.max(0, this.windowStart + WINDOW_MS - now)).unref();
  }

  /** Writes the count of this minute's unrecorded refusals now (at shutdown). */
  flush(): void {
    this.rollWindow(this.options.now?.() ?? Date.now());
  }

  private rollWindow(now: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.suppressed.size > 0) {
      // A list, not an object keyed by code: a key such as API_KEY_INVALID would be redacted as secret-looking.
      const counts = [...this.suppressed].map(([key, count]) => ({ refusal: key, count }));
      const total = [...this.suppressed.values()].reduce((a, b) => a + b, 0);
      this.writer.submit({
        actor: 'weft',
        transport: this.transport,
        tool: 'refusals',
        arguments: { counts, since: new Date(this.windowStart).toISOString() },
        outcome: 'error',
        errorCode: 'REFUSALS_COUNTED',
        summary: `${total} more refusals in this minute, counted here instead of recorded one by one`,
      });
    }
    this.suppressed = new Map();
    this.windowStart = now;
    this.written = 0;
  }

  private input(refusal: Refusal): AuditRecordInput {
    return {
      // Clamped to the record's limits: an attacker chooses these strings.
      actor: refusal.actor.slice(0, 200),
      transport: this.transport,
      tool: refusal.tool.slice(0, 100) || 'unknown',
      arguments: refusal.arguments ?? {},
      outcome: 'error',
      errorCode: refusal.errorCode.slice(0, 100),
      ...(refusal.summary ? { summary: refusal.summary } : {}),
      ...(refusal.runId ? { runId: refusal.runId.slice(0, 500) } : {}),
      ...(refusal.flow ? { flow: refusal.flow.slice(0, 500) } : {}),
    };
  }
}
