// What the audit log keeps of a call's arguments: values under secret-looking keys, known secret
// values, API tokens and bearer credentials are replaced by `***`, and the JSON is bounded.

import { REDACTED, Redactor } from '../secrets/redactor.js';

/** Largest arguments JSON kept per audit record, in bytes (16 KiB); larger ones keep a preview. */
export const MAX_AUDIT_ARGUMENTS_BYTES = 16 * 1024;

/** Words of a key name that mark its value as secret (`apiKey`, `GITHUB_TOKEN`, `client_secret`). */
const SECRET_WORDS = new Set(['secret', 'token', 'password', 'passwd', 'pwd', 'passphrase', 'authorization', 'credential', 'credentials', 'cookie', 'apikey']);
/** Word pairs that do the same (`api_key`, `x-api-key`, `privateKey`, `accessKey`). */
const SECRET_PAIRS = new Set(['api key', 'private key', 'access key', 'secret key', 'signing key']);
const WEFT_TOKEN = /weft_[A-Za-z0-9_-]{43}/g;
const BEARER = /\b(bearer|basic)\s+[A-Za-z0-9._~+/-]{8,}=*/gi;

/** Whether a key's value is treated as a secret, judged by the words of its name. */
export function secretKeyName(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.some((word, i) => SECRET_WORDS.has(word) || SECRET_PAIRS.has(`${word} ${words[i + 1]}`));
}

/** A copy of `value` with secrets replaced by `***`: by key name, by known value, by token shape. */
export function redactArguments(value: unknown, known: Redactor = new Redactor([])): unknown {
  if (typeof value === 'string') return redactText(value, known);
  if (Array.isArray(value)) return value.map((v) => redactArguments(v, known));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[redactText(k, known)] = secretKeyName(k) && v !== null && v !== '' ? REDACTED : redactArguments(v, known);
    return out;
  }
  return value;
}

/** `text` with known secret values, Weft API tokens and `Bearer …` credentials replaced. */
export function redactText(text: string, known: Redactor = new Redactor([])): string {
  return known.text(text).replace(WEFT_TOKEN, REDACTED).replace(BEARER, `$1 ${REDACTED}`);
}

/**
 * The JSON kept for `value`: as is when it fits `maxBytes`, else
 * `{ "$truncated": true, "bytes": <full size>, "preview": "<start of the JSON>" }`.
 */
export function boundedJson(value: unknown, maxBytes = MAX_AUDIT_ARGUMENTS_BYTES): string {
  const json = JSON.stringify(value === undefined ? null : value);
  const bytes = Buffer.byteLength(json);
  if (bytes <= maxBytes) return json;
  // Escaping can make the preview grow once quoted; shrink until the whole record fits.
  let keep = maxBytes - 100;
  for (;;) {
    const marked = JSON.stringify({ $truncated: true, bytes, preview: json.slice(0, Math.max(0, keep)) });
    if (Buffer.byteLength(marked) <= maxBytes || keep <= 0) return marked;
    keep -= Math.max(64, Buffer.byteLength(marked) - maxBytes);
  }
}

/** A source of the secret values to redact wherever they appear (the store's secrets, say). */
export type SecretValues = () => Iterable<string> | Promise<Iterable<string>>;

/**
 * Values of secrets in the store that this key decrypts, and of `WEFT_SECRET_*` variables. The
 * store is asked on every call (another process may have set a secret); the environment is read
 * once, since nothing outside this process can change it.
 */
export function knownSecretValues(store: { values(): Promise<string[]> } | undefined, env: NodeJS.ProcessEnv = process.env): SecretValues {
  const fromEnv = Object.entries(env).flatMap(([key, value]) => (key.startsWith('WEFT_SECRET_') && value ? [value] : []));
  return async () => (store ? [...fromEnv, ...(await store.values())] : fromEnv);
}
