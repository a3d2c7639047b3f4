// The audit log: every mutating MCP call, with who made it, over which transport, its arguments
// (secrets redacted, size bounded), how it ended and when. Read newest first, a page at a time.

import type { Selectable } from 'kysely';
import { z } from 'zod';
import { WeftError } from '../../core/errors.js';
import { AUDIT_CURSOR } from '../cursor.js';
import { isoTime } from '../iso-time.js';
import { Redactor } from '../secrets/redactor.js';
import type { Store } from '../store/database.js';
import type { AuditLogTable } from '../store/schema.js';
import { boundedJson, redactArguments, redactText, type SecretValues } from './audit-redaction.js';

/** Longest result summary kept, in characters. */
const MAX_SUMMARY_CHARS = 1000;
/** Page size of `query` when no limit is given, and the largest allowed. */
export const AUDIT_PAGE = { default: 50, max: 500 } as const;

export const AuditTransport = z.enum(['stdio', 'http', 'cli']);
export type AuditTransport = z.infer<typeof AuditTransport>;

/** One call to record. `actor` is `callerLabel(caller)`: `local` or `key:<prefix>`. */
export const AuditRecordInput = z
  .object({
    actor: z.string().min(1).max(200),
    transport: AuditTransport,
    tool: z.string().min(1).max(100),
    arguments: z.unknown(),
    outcome: z.enum(['ok', 'error']),
    errorCode: z.string().min(1).max(100).optional(),
    summary: z.string().optional(),
    runId: z.string().min(1).max(500).optional(),
    flow: z.string().min(1).max(500).optional(),
  })
  .strict();
export type AuditRecordInput = z.input<typeof AuditRecordInput>;

/** A checked record with the time of its call, as `AuditLog.prepare` makes it. */
export type AuditRecord = z.infer<typeof AuditRecordInput> & { ts: string };

/** One recorded call, as read back. */
export interface AuditEntry {
  seq: number;
  ts: string;
  actor: string;
  transport: string;
  tool: string;
  /** The redacted arguments; a truncated record is `{ $truncated: true, bytes, preview }`. */
  arguments: unknown;
  outcome: 'ok' | 'error';
  errorCode?: string;
  summary?: string;
  runId?: string;
  flow?: string;
}

export const AuditQuery = z
  .object({
    /** Entries at or after this time (any parseable time). */
    since: z.string().optional(),
    /** Entries before this time. */
    until: z.string().optional(),
    tool: z.string().optional(),
    actor: z.string().optional(),
    runId: z.string().optional(),
    flow: z.string().optional(),
    outcome: z.enum(['ok', 'error']).optional(),
    /** `nextCursor` of the previous page. */
    cursor: z.string().optional(),
    /** Entries per page, 1-500; default 50. */
    limit: z.number().int().min(1).max(AUDIT_PAGE.max).optional(),
  })
  .strict();
export type AuditQuery = z.input<typeof AuditQuery>;

export interface AuditPage {
  /** Newest first. */
  entries: AuditEntry[];
  /** Present when older entries remain: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

export class AuditLog {
  /**
   * `secretValues` names the secret values to redact wherever they appear in arguments (see
   * `knownSecretValues`); it is asked on each record, so new secrets are covered at once.
   */
  constructor(
    private readonly store: Store,
    private readonly options: { secretValues?: SecretValues; now?: () => Date } = {},
  ) {}

  /** Writes one record; throws AuditInputError for input that does not fit `AuditRecordInput`. */
  async record(input: AuditRecordInput): Promise<{ seq: number; ts: string }> {
    const [written] = await this.write([this.prepare(input)]);
    return written as { seq: number; ts: string };
  }

  /**
   * Checks a record and stamps it with the current time, ready for `write`; throws
   * AuditInputError for input that does not fit `AuditRecordInput`.
   */
  prepare(input: AuditRecordInput): AuditRecord {
    return { ...parseInput(AuditRecordInput, input, 'audit record'), ts: (this.options.now?.() ?? new Date()).toISOString() };
  }

  /** Writes records in one statement, redacted with one read of the secret values; seqs in input order. */
  async write(records: readonly AuditRecord[]): Promise<Array<{ seq: number; ts: string }>> {
    if (records.length === 0) return [];
    const known = new Redactor(this.options.secretValues ? await this.options.secretValues() : []);
    const rows = await this.store.db
      .insertInto('audit_log')
      .values(
        records.map((record) => ({
          ts: record.ts,
          actor: record.actor,
          transport: record.transport,
          tool: record.tool,
          arguments: boundedJson(redactArguments(record.arguments, known)),
          outcome: record.outcome,
          error_code: record.errorCode ?? null,
          summary: record.summary === undefined ? null : redactText(record.summary, known).slice(0, MAX_SUMMARY_CHARS),
          run_id: record.runId ?? null,
          flow: record.flow ?? null,
        })),
      )
      .returning('seq')
      .execute();
    // Neither SQLite nor PostgreSQL promises the order of RETURNING rows; seqs grow in VALUES order.
    const seqs = rows.map((row) => Number(row.seq)).sort((a, b) => a - b);
    if (seqs.length !== records.length) {
      throw new WeftError('AUDIT_WRITE_FAILED', `the audit log wrote ${records.length} records but got back ${seqs.length} sequence numbers`);
    }
    return records.map((record, i) => ({ seq: seqs[i] as number, ts: record.ts }));
  }

  /** A page of entries matching every given filter, newest first. */
  async query(options: AuditQuery = {}): Promise<AuditPage> {
    const q = parseInput(AuditQuery, options, 'audit query');
    const limit = q.limit ?? AUDIT_PAGE.default;
    let query = this.store.db.selectFrom('audit_log').selectAll();
    if (q.since !== undefined) query = query.where('ts', '>=', isoTime(q.since, 'since'));
    if (q.until !== undefined) query = query.where('ts', '<', isoTime(q.until, 'until'));
    if (q.tool !== undefined) query = query.where('tool', '=', q.tool);
    if (q.actor !== undefined) query = query.where('actor', '=', q.actor);
    if (q.runId !== undefined) query = query.where('run_id', '=', q.runId);
    if (q.flow !== undefined) query = query.where('flow', '=', q.flow);
    if (q.outcome !== undefined) query = query.where('outcome', '=', q.outcome);
    if (q.cursor !== undefined) query = query.where('seq', '<', AUDIT_CURSOR.decode(q.cursor));
    const rows = await query
      .orderBy('seq', 'desc')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit).map(toEntry);
    const last = page.at(-1);
    return { entries: page, ...(rows.length > limit && last ? { nextCursor: AUDIT_CURSOR.encode(last.seq) } : {}) };
  }
}

/** Thrown when a record or a query does not fit its schema; names the first field at fault. */
export class AuditInputError extends WeftError {
  constructor(message: string) {
    super('AUDIT_INPUT_INVALID', message);
  }
}

function parseInput<S extends z.ZodType>(schema: S, input: unknown, subject: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new AuditInputError(`${subject} ${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'is invalid'}`);
}

function toEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    seq: Number(row.seq),
    ts: row.ts,
    actor: row.actor,
    transport: row.transport,
    tool: row.tool,
    arguments: JSON.parse(row.arguments) as unknown,
    outcome: row.outcome === 'ok' ? 'ok' : 'error',
    ...(row.error_code !== null ? { errorCode: row.error_code } : {}),
    ...(row.summary !== null ? { summary: row.summary } : {}),
    ...(row.run_id !== null ? { runId: row.run_id } : {}),
    ...(row.flow !== null ? { flow: row.flow } : {}),
  };
}
