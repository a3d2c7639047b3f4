// Where secret values come from. For now: `WEFT_SECRET_<NAME>` environment variables, read once
// at worker start (the encrypted store arrives with the registry).

import { WeftError } from '../errors.js';
import { SECRET_MARKER_PATTERN, secretMarker } from '../expressions/cel-environment.js';

const ENV_PREFIX = 'WEFT_SECRET_';

/** Thrown inside an activity when a flow asks for a secret that is not defined. */
export class SecretNotFoundError extends WeftError {
  constructor(readonly secret: string) {
    super('SECRET_NOT_FOUND', `secret ${secret} is not defined`, { hint: `set the environment variable ${ENV_PREFIX}${secret} for the worker` });
  }
}

export interface SecretSource {
  get(name: string): string | undefined | Promise<string | undefined>;
}

/** Reads `WEFT_SECRET_*` from an environment once; the values are not left in process.env for children. */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): SecretSource {
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(ENV_PREFIX) && value !== undefined) values.set(key.slice(ENV_PREFIX.length), value);
  }
  return { get: (name) => values.get(name) };
}

/** The fixed start of every secret marker, taken from the marker itself (the name comes next). */
const MARKER_START = secretMarker('').slice(0, -1);

/**
 * Whether any string in a JSON value (keys included) holds a secret marker: a synchronous scan, so
 * a request without secrets (most of them) skips resolution and its awaits altogether.
 */
export function holdsSecretMarker(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(MARKER_START);
  if (Array.isArray(value)) return value.some(holdsSecretMarker);
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (k.includes(MARKER_START) || holdsSecretMarker(v)) return true;
  }
  return false;
}

/** Replaces secret markers in text with values; records every value used, for redaction. */
export async function resolveSecretMarkers(text: string, source: SecretSource, used: Set<string>): Promise<string> {
  const names = new Set([...text.matchAll(SECRET_MARKER_PATTERN)].map((m) => m[1] ?? ''));
  if (names.size === 0) return text;
  const values = new Map<string, string>();
  for (const name of names) {
    const value = await source.get(name);
    if (value === undefined) throw new SecretNotFoundError(name);
    values.set(name, value);
    used.add(value);
  }
  return text.replace(SECRET_MARKER_PATTERN, (_match, name: string) => values.get(name) ?? '');
}

/** Same as resolveSecretMarkers, through every string of a JSON value. */
export async function resolveSecretsInValue(value: unknown, source: SecretSource, used: Set<string>): Promise<unknown> {
  if (typeof value === 'string') return resolveSecretMarkers(value, source, used);
  if (Array.isArray(value)) return Promise.all(value.map((v) => resolveSecretsInValue(v, source, used)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await resolveSecretsInValue(v, source, used);
    return out;
  }
  return value;
}
