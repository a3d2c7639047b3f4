// Searching run logs: by run, flow, task, minimum level, text (full-text index), time range,
// with cursors; `tail` for the last lines, and cursors that let a client follow a live run.

import { sql } from 'kysely';
import { ConfigError } from '../core/errors.js';
import { LOG_CURSOR } from './cursor.js';
import { isoTime } from './iso-time.js';
import { LogQuerySchema, parseRequest } from './service-requests.js';
import type { Store } from './store/database.js';
import { cutText } from './text-budget.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Most entries one page returns. */
export const MAX_LOG_PAGE = 1000;

export interface LogEntry {
  ts: string;
  runId: string;
  taskId: string;
  iteration?: number[];
  /** The task attempt the line belongs to (1 for lines outside attempts). */
  attempt: number;
  level: LogLevel;
  message: string;
}

export interface LogQuery {
  runId?: string;
  flow?: string;
  taskId?: string;
  /** Minimum level: `warn` returns warn and error. */
  level?: LogLevel;
  /** Words to find (full-text search). */
  contains?: string;
  since?: string;
  until?: string;
  /** The last N matching lines, oldest first; its cursor follows what comes after. */
  tail?: number;
  cursor?: string;
  limit?: number;
  /** Byte budget of a page's messages: the page ends before it is exceeded (then `truncated`). */
  maxBytes?: number;
  /** Longest message returned whole; longer ones are cut and end with `… [cut]`. */
  maxMessageBytes?: number;
}

export class LogService {
  constructor(private readonly store: Store) {}

  async query(input: LogQuery): Promise<{ entries: LogEntry[]; nextCursor?: string; truncated: boolean }> {
    const q = parseRequest(LogQuerySchema, input, 'log query');
    const limit = Math.max(1, Math.min(q.tail ?? q.limit ?? 100, MAX_LOG_PAGE));
    let query = this.store.db.selectFrom('logs').select(['seq', 'ts', 'run_id', 'task_id', 'iteration', 'attempt', 'level', 'message']);
    if (q.runId) query = query.where('run_id', '=', q.runId);
    if (q.flow) query = query.where('flow', '=', q.flow);
    if (q.taskId) query = query.where('task_id', '=', q.taskId);
    if (q.level) query = query.where('level', 'in', LOG_LEVELS.slice(LOG_LEVELS.indexOf(q.level)));
    if (q.since) query = query.where('ts', '>=', isoTime(q.since, 'since'));
    if (q.until) query = query.where('ts', '<=', isoTime(q.until, 'until'));
    if (q.contains?.trim()) {
      const words = q.contains.trim();
      query =
        this.store.kind === 'postgres'
          ? query.where(sql<boolean>`message_tsv @@ plainto_tsquery('simple', ${words})`)
          : query.where('seq', 'in', (eb) =>
              eb
                .selectFrom(sql`logs_fts`.as('f'))
                .select(sql<number>`rowid`.as('rowid'))
                .where(sql<boolean>`logs_fts MATCH ${ftsPhrase(words)}`),
            );
    }
    const after = q.cursor ? LOG_CURSOR.decode(q.cursor) : undefined;
    if (after !== undefined) query = query.where('seq', '>', after);
    const rows =
      q.tail !== undefined && after === undefined
        ? (await query.orderBy('seq', 'desc').limit(limit).execute()).reverse()
        : await query
            .orderBy('seq', 'asc')
            .limit(limit + 1)
            .execute();
    let truncated = q.tail === undefined && rows.length > limit;
    let page = truncated ? rows.slice(0, limit) : rows;
    if (q.maxBytes !== undefined) {
      // A tail keeps its newest lines; a page keeps its first ones, and its cursor resumes after them.
      const tail = q.tail !== undefined && after === undefined;
      const fitting = Math.max(1, fitBudget(tail ? [...page].reverse() : page, q.maxBytes));
      if (fitting < page.length) {
        page = tail ? page.slice(page.length - fitting) : page.slice(0, fitting);
        truncated = true;
      }
    }
    const last = page.at(-1);
    const lastSeq = last ? Number(last.seq) : after;
    return {
      entries: page.map((r) => ({
        ts: r.ts,
        runId: r.run_id,
        taskId: r.task_id,
        ...(r.iteration ? { iteration: r.iteration.split(',').map(Number) } : {}),
        attempt: Number(r.attempt),
        level: r.level as LogLevel,
        message: q.maxMessageBytes === undefined ? r.message : cutMessage(r.message, q.maxMessageBytes),
      })),
      // Always given, so a follower can ask for what comes next even when nothing came yet.
      ...(lastSeq !== undefined ? { nextCursor: LOG_CURSOR.encode(lastSeq) } : {}),
      truncated,
    };
  }

  /** Deletes lines older than `before`; returns how many went. */
  async prune(before: string): Promise<number> {
    const result = await this.store.db.deleteFrom('logs').where('ts', '<', isoTime(before, 'before')).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Deletes lines older than `retentionDays` days before `now`; 0 days keeps everything. Returns how many went. */
  async pruneExpired(retentionDays: number, now: Date = new Date()): Promise<number> {
    if (retentionDays <= 0) return 0;
    return this.prune(new Date(now.getTime() - retentionDays * DAY_MS).toISOString());
  }
}

/** How long run log lines are kept unless WEFT_LOG_RETENTION_DAYS says otherwise, in days. */
export const DEFAULT_LOG_RETENTION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** WEFT_LOG_RETENTION_DAYS: days to keep run log lines (default 30; 0 keeps them forever). */
export function logRetentionDays(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.WEFT_LOG_RETENTION_DAYS?.trim();
  if (!text) return DEFAULT_LOG_RETENTION_DAYS;
  const days = Number(text);
  if (!Number.isFinite(days) || days < 0) {
    throw new ConfigError(`WEFT_LOG_RETENTION_DAYS must be a number of days >= 0 (got "${env.WEFT_LOG_RETENTION_DAYS}")`, '0 keeps run logs forever');
  }
  return days;
}

/** How many rows fit in a byte budget, counting each message and its metadata. */
function fitBudget(rows: readonly { message: string; run_id: string; task_id: string }[], maxBytes: number): number {
  let used = 0;
  for (const [i, row] of rows.entries()) {
    used += Buffer.byteLength(row.message) + row.run_id.length + row.task_id.length + 64;
    if (used > maxBytes) return i;
  }
  return rows.length;
}

function cutMessage(message: string, maxBytes: number): string {
  const cut = cutText(message, maxBytes);
  return cut.truncated ? `${cut.text}… [cut]` : message;
}

// FTS5 query syntax would let text like `AND` or `"` change the query; quote each word instead.
function ftsPhrase(words: string): string {
  return words
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => `"${w.replace(/"/g, '""')}"`)
    .join(' ');
}
