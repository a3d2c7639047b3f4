// Paging cursors: one format for every list; a cursor reads back to what it was made from, and
// anything else (edited, cut, or a cursor of another list) is refused with one clear error.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUDIT_CURSOR, FLOW_CURSOR, InvalidCursorError, LOG_CURSOR, OUTPUT_CURSOR, RUN_CURSOR, TASK_PAGE_CURSOR } from '../../src/services/cursor.js';

describe('paging cursors', () => {
  it('reads back what each kind of cursor was made from', () => {
    assert.deepEqual(FLOW_CURSOR.decode(FLOW_CURSOR.encode(['team', 'daily report'])), ['team', 'daily report']);
    assert.equal(LOG_CURSOR.decode(LOG_CURSOR.encode(41)), 41);
    assert.equal(AUDIT_CURSOR.decode(AUDIT_CURSOR.encode(0)), 0);
    assert.equal(TASK_PAGE_CURSOR.decode(TASK_PAGE_CURSOR.encode(100)), 100);
    assert.equal(OUTPUT_CURSOR.decode(OUTPUT_CURSOR.encode(20_000)), 20_000);
    const token = Uint8Array.from([0, 1, 2, 250, 255]);
    assert.deepEqual([...RUN_CURSOR.decode(RUN_CURSOR.encode(token))], [...token]);
    assert.match(LOG_CURSOR.encode(7), /^[A-Za-z0-9_-]+$/, 'a cursor is URL- and shell-safe');
  });

  it('refuses a cursor of another list, naming the field, the list and how to get a valid one', () => {
    try {
      LOG_CURSOR.decode(AUDIT_CURSOR.encode(5));
      assert.fail('a cursor of the audit log read as a log cursor');
    } catch (e) {
      assert.ok(e instanceof InvalidCursorError);
      assert.equal(e.code, 'INVALID_CURSOR');
      assert.equal(e.kind, 'logs');
      assert.equal(e.message, 'cursor is not a cursor of a page of log lines issued by this server');
      assert.equal(e.hint, 'pass nextCursor from the previous page unchanged, or omit cursor to start from the first page');
    }
  });

  it('refuses edited, cut and made-up cursors', () => {
    const made = (text: string) => Buffer.from(text).toString('base64url');
    const bad = [
      [LOG_CURSOR, 'garbage'],
      [LOG_CURSOR, ''],
      [LOG_CURSOR, LOG_CURSOR.encode(12).slice(0, 4)],
      [LOG_CURSOR, made('logs:-1')],
      [LOG_CURSOR, made('logs:1e3')],
      [FLOW_CURSOR, made('flows:["only-one"]')],
      [FLOW_CURSOR, made('flows:{"a":1}')],
      [RUN_CURSOR, made('runs:not base64!')],
    ] as const;
    for (const [codec, cursor] of bad) assert.throws(() => codec.decode(cursor), InvalidCursorError, `cursor ${JSON.stringify(cursor)}`);
  });
});
