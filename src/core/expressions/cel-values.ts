// Converts between JSON values and CEL values so numbers behave as the flow spec says:
// integral JSON numbers become CEL ints (BigInt), results come back as plain JSON numbers.

import { Optional } from '@marcbachmann/cel-js';
import { formatDuration } from '../spec/duration.js';

/** Largest integer that survives the trip back to a JSON number. */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Thrown when a CEL result cannot be represented as JSON (an integer beyond 2^53, a NaN). */
export class CelValueError extends Error {}

/** JSON value -> CEL value: integral numbers become BigInt, everything else is shared as is. */
export function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCel(v);
    return out;
  }
  return value;
}

/** CEL value -> JSON value: BigInt to number, timestamp to RFC 3339, duration to Go-style text. */
export function fromCel(value: unknown): unknown {
  switch (typeof value) {
    case 'bigint':
      if (value > MAX_SAFE || value < -MAX_SAFE) throw new CelValueError(`integer ${value} is beyond 2^53 and cannot be a JSON number`);
      return Number(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CelValueError(`number ${value} is not finite and cannot be a JSON number`);
      return value;
    case 'string':
    case 'boolean':
      return value;
    case 'undefined':
      return null;
    case 'object':
      return fromCelObject(value);
    default:
      throw new CelValueError(`a ${typeof value} cannot be a JSON value`);
  }
}

function fromCelObject(value: object | null): unknown {
  if (value === null) return null;
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return bytesToBase64(value);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = fromCel(v);
    return out;
  }
  if (value instanceof Optional) return value.hasValue() ? fromCel(value.value()) : null;
  const tag = Object.prototype.toString.call(value);
  if (tag === '[object google.protobuf.Duration]') return formatCelDuration(value as { seconds: bigint; nanos: number });
  if (value.constructor?.name === 'UnsignedInt') return fromCel((value as { valueOf(): bigint }).valueOf());
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = fromCel(v);
  return out;
}

function formatCelDuration(d: { seconds: bigint; nanos: number }): string {
  return formatDuration(Number(d.seconds) * 1000 + Math.round(d.nanos / 1e6));
}

// btoa exists in Node and in the workflow sandbox; no Buffer so this stays deterministic and portable.
function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
