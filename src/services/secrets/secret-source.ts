// Where secret values come from: the encrypted store (src/secrets/secret-store.ts) and
// `WEFT_SECRET_<NAME>` environment variables, read once at worker start, which are global.

import { WeftError } from '../../core/errors.js';
import { SECRET_MARKER_PATTERN, secretMarker } from '../../core/expressions/cel-environment.js';

const ENV_PREFIX = 'WEFT_SECRET_';

/** The scope of a secret every namespace may read; only the local user (admin) sets one. */
export const GLOBAL_SECRETS = '*';

/**
 * Thrown inside an activity when a flow asks for a secret that is not defined for its namespace.
 * The message says how to set it: a task error carries its message only.
 */
export class SecretNotFoundError extends WeftError {
  constructor(
    readonly secret: string,
    readonly namespace?: string,
  ) {
    const how =
      namespace !== undefined
        ? `set it with \`weft secret set ${secret} --namespace ${namespace}\` (a flow reads only its own namespace's secrets and the global ones)`
        : `set it with \`weft secret set ${secret} --global\` or the worker's environment variable ${ENV_PREFIX}${secret}`;
    super('SECRET_NOT_FOUND', `secret ${secret} is not defined${namespace !== undefined ? ` for namespace ${namespace}` : ''}: ${how}`, { hint: how });
  }
}

/**
 * Where secret values come from. `namespace` is the namespace of the flow that asks: a source
 * answers with that namespace's value or a global one, never another namespace's; without it,
 * only a global value.
 */
export interface SecretSource {
  get(name: string, namespace?: string): string | undefined | Promise<string | undefined>;
}

/** The secrets a flow of `namespace` may read, for code that asks by name only (llm providers, custom tasks). */
export function secretsOfNamespace(source: SecretSource, namespace: string | undefined): SecretSource {
  return { get: (name) => source.get(name, namespace) };
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

/**
 * The secrets one task attempt may resolve: those of its flow's namespace and the global ones,
 * through markers that carry its run's nonce. Also a SecretSource, by name, for code that asks
 * for a secret directly (an llm provider's API key).
 */
export class RunSecrets implements SecretSource {
  constructor(
    private readonly source: SecretSource,
    /** The namespace of the flow that runs; undefined: global secrets only. */
    readonly namespace: string | undefined,
    /** The run's secret nonce; undefined: no marker resolves. */
    readonly nonce: string | undefined,
  ) {}

  /** For an activity's TaskContext: the namespace from `flow` (`namespace/id`), the nonce as given. */
  static of(source: SecretSource, context: { flow?: string; secretNonce?: string }): RunSecrets {
    const at = context.flow?.indexOf('/') ?? -1;
    return new RunSecrets(source, at > 0 ? context.flow?.slice(0, at) : undefined, context.secretNonce);
  }

  get(name: string): string | undefined | Promise<string | undefined> {
    return this.source.get(name, this.namespace);
  }
}

/**
 * Replaces the markers `secret()` produced in this run (those carrying its nonce) with values and
 * records every value used, for redaction. Marker text without the nonce came from data (an input,
 * a response, an answer) or from an older run, and stays as plain text.
 */
export async function resolveSecretMarkers(text: string, secrets: RunSecrets, used: Set<string>): Promise<string> {
  const nonce = secrets.nonce;
  if (nonce === undefined) return text;
  const names = new Set<string>();
  for (const match of text.matchAll(SECRET_MARKER_PATTERN)) if (match[2] === nonce) names.add(match[1] ?? '');
  if (names.size === 0) return text;
  const values = new Map<string, string>();
  for (const name of names) {
    const value = await secrets.get(name);
    if (value === undefined) throw new SecretNotFoundError(name, secrets.namespace);
    values.set(name, value);
    used.add(value);
  }
  return text.replace(SECRET_MARKER_PATTERN, (match: string, name: string, markerNonce: string | undefined) =>
    markerNonce === nonce ? (values.get(name) ?? '') : match,
  );
}

/** Same as resolveSecretMarkers, through every string of a JSON value. */
export async function resolveSecretsInValue(value: unknown, secrets: RunSecrets, used: Set<string>): Promise<unknown> {
  if (typeof value === 'string') return resolveSecretMarkers(value, secrets, used);
  if (Array.isArray(value)) return Promise.all(value.map((v) => resolveSecretsInValue(v, secrets, used)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await resolveSecretsInValue(v, secrets, used);
    return out;
  }
  return value;
}
