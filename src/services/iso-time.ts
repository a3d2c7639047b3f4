// Time filters given by callers (`since`, `until`): any parseable time, normalised to RFC 3339 UTC.

import { WeftError } from '../core/errors.js';

export function isoTime(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new WeftError('INVALID_TIME', `${field} must be an RFC 3339 timestamp (got "${value}")`, { hint: 'e.g. 2026-11-23T10:00:00Z' });
  return new Date(ms).toISOString();
}
