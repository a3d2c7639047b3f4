// Paging cursors: one format for every list (flows, runs, logs, audit entries, a run's timeline,
// a task's output). A cursor is opaque to callers: `<kind>:<payload>` in base64url, so a cursor
// of one list handed to another is refused by name instead of being misread.

import { WeftError } from '../core/errors.js';

/** The lists that page with a cursor; the kind is written into each cursor. */
export type CursorKind = 'flows' | 'runs' | 'logs' | 'audit' | 'tasks' | 'output' | 'triggers';

const WHAT: Record<CursorKind, string> = {
  flows: 'a page of flows',
  runs: 'a page of runs',
  logs: 'a page of log lines',
  audit: 'a page of audit entries',
  tasks: "a page of a run's task runs",
  output: "a page of a task's output",
  triggers: 'a page of triggers',
};

/** Thrown when a `cursor` was not issued for this list by this server (edited, cut, or from another list). */
export class InvalidCursorError extends WeftError {
  constructor(readonly kind: CursorKind) {
    super('INVALID_CURSOR', `cursor is not a cursor of ${WHAT[kind]} issued by this server`, {
      hint: 'pass nextCursor from the previous page unchanged, or omit cursor to start from the first page',
    });
  }
}

/** Encodes and decodes one kind of cursor; `decode` throws `InvalidCursorError` for anything it did not encode. */
export interface CursorCodec<T> {
  encode(value: T): string;
  decode(cursor: string): T;
}

/** A codec for `kind` whose payload is written by `write` and read back by `read` (undefined: not valid). */
export function cursorCodec<T>(kind: CursorKind, write: (value: T) => string, read: (payload: string) => T | undefined): CursorCodec<T> {
  const prefix = `${kind}:`;
  return {
    encode: (value) => Buffer.from(`${prefix}${write(value)}`, 'utf8').toString('base64url'),
    decode: (cursor) => {
      const text = Buffer.from(cursor, 'base64url').toString('utf8');
      const value = text.startsWith(prefix) ? read(text.slice(prefix.length)) : undefined;
      if (value === undefined) throw new InvalidCursorError(kind);
      return value;
    },
  };
}

/** A cursor holding one non-negative integer: an offset or a sequence number. */
export function offsetCursor(kind: CursorKind): CursorCodec<number> {
  return cursorCodec<number>(kind, String, (payload) => (/^\d{1,15}$/.test(payload) ? Number(payload) : undefined));
}

/** A cursor holding a list of strings (a composite key such as namespace and id). */
export function keyCursor(kind: CursorKind, length: number): CursorCodec<string[]> {
  return cursorCodec<string[]>(kind, JSON.stringify, (payload) => {
    try {
      const value = JSON.parse(payload) as unknown;
      return Array.isArray(value) && value.length === length && value.every((v) => typeof v === 'string') ? value : undefined;
    } catch {
      return undefined;
    }
  });
}

/** A cursor wrapping another system's opaque page token (Temporal visibility's). */
export function tokenCursor(kind: CursorKind): CursorCodec<Uint8Array> {
  return cursorCodec<Uint8Array>(
    kind,
    (token) => Buffer.from(token).toString('base64url'),
    (payload) => (/^[A-Za-z0-9_-]+$/.test(payload) ? Buffer.from(payload, 'base64url') : undefined),
  );
}

export const FLOW_CURSOR = keyCursor('flows', 2);
export const RUN_CURSOR = tokenCursor('runs');
export const LOG_CURSOR = offsetCursor('logs');
export const AUDIT_CURSOR = offsetCursor('audit');
export const TASK_PAGE_CURSOR = offsetCursor('tasks');
export const OUTPUT_CURSOR = offsetCursor('output');
/** Where a listing of every flow's triggers stopped: flow namespace, flow id, the last trigger id listed ('' when the whole flow was). */
export const TRIGGER_CURSOR = keyCursor('triggers', 3);
