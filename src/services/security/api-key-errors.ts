// Errors of API keys. Codes are stable; the HTTP transport answers API_KEY_INVALID with 401.

import { WeftError } from '../../core/errors.js';

/** Why a bearer token was refused. */
export type ApiKeyRefusal = 'missing' | 'malformed' | 'unknown' | 'revoked';

const REFUSALS: Record<ApiKeyRefusal, string> = {
  missing: 'API key missing: send it as "Authorization: Bearer weft_…"',
  malformed: 'API key is malformed: a key is "weft_" followed by 43 base64url characters',
  unknown: 'API key is not known: no key has this token',
  revoked: 'API key has been revoked',
};

/** Thrown by `ApiKeyService.verify` when a token is missing, malformed, unknown or revoked. */
export class ApiKeyInvalidError extends WeftError {
  constructor(readonly reason: ApiKeyRefusal) {
    super('API_KEY_INVALID', REFUSALS[reason], { hint: 'create a key with `weft apikey create --scope read|run|admin`; `weft apikey list` shows the keys' });
  }
}

/** Thrown by `ApiKeyService.revoke` when no key has that id or prefix. */
export class ApiKeyNotFoundError extends WeftError {
  constructor(readonly key: string) {
    super('API_KEY_NOT_FOUND', `API key ${key} not found: no key has this id or prefix`, { hint: '`weft apikey list` shows ids and prefixes' });
  }
}

/** Thrown by `ApiKeyService.revoke` when a prefix names more than one key. */
export class ApiKeyAmbiguousError extends WeftError {
  constructor(
    readonly key: string,
    readonly ids: string[],
  ) {
    super('API_KEY_AMBIGUOUS', `API key prefix ${key} matches ${ids.length} keys: ${ids.join(', ')}`, { hint: 'revoke by id instead' });
  }
}

/** Thrown when the options of a new key are invalid (scope, namespace, name). */
export class ApiKeyOptionsError extends WeftError {
  constructor(message: string, hint?: string) {
    super('API_KEY_OPTIONS_INVALID', message, hint === undefined ? {} : { hint });
  }
}
