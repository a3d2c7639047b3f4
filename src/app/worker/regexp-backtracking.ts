// CEL's `matches()` runs a JS RegExp, whose backtracking can take exponential time
// (`"aaaa…!".matches("^(a+)+$")`): no step budget can interrupt one call. V8 can switch a
// regexp that backtracks too much to its linear-time engine, as RE2 (CEL's own) would be.
// Worker process only; workflows never import this (it touches the process's V8 flags).

import { setFlagsFromString } from 'node:v8';

let applied = false;

/**
 * Makes every regexp of this process fall back to V8's linear-time engine after excessive
 * backtracking. Results are the same; only the time differs, so replays decide the same way.
 * Call before the worker's threads start (the flags are process-wide).
 */
export function boundRegexpBacktracking(): void {
  if (applied) return;
  setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  applied = true;
}
