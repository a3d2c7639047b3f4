// Authentication of a webhook delivery: an HMAC-SHA256 of the raw body keyed by the trigger's
// secret, or a bearer token equal to it. Compared in constant time, so the time to refuse a
// guess says nothing about how much of it was right.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookTrigger } from '../../core/spec/triggers.js';

/** Headers that carry a delivery's credentials: read here, and never passed on to the run. */
export const CREDENTIAL_HEADERS = ['authorization', 'x-weft-signature', 'x-hub-signature-256', 'proxy-authorization', 'cookie'] as const;

/** The credentials a delivery carried (lower-case header names). */
export interface WebhookCredentials {
  signature?: string;
  authorization?: string;
}

/** Why a delivery was refused (said to the caller without naming the secret or its value). */
export type AuthRefusal = 'missing signature' | 'bad signature' | 'missing token' | 'bad token';

/**
 * Checks a delivery against the trigger's secret value; undefined when it is authentic.
 * `secretValue` is the value of the Weft secret named by `secret` or `token`.
 */
export function checkDelivery(trigger: WebhookTrigger, secretValue: string, body: Buffer, credentials: WebhookCredentials): AuthRefusal | undefined {
  if (trigger.secret !== undefined) {
    const match = credentials.signature ? /^sha256=([0-9a-fA-F]{64})$/.exec(credentials.signature.trim()) : null;
    if (!credentials.signature) return 'missing signature';
    if (!match?.[1]) return 'bad signature';
    const expected = createHmac('sha256', secretValue).update(body).digest();
    return timingSafeEqual(expected, Buffer.from(match[1], 'hex')) ? undefined : 'bad signature';
  }
  const bearer = credentials.authorization ? /^Bearer\s+(.+)$/i.exec(credentials.authorization.trim()) : null;
  if (!credentials.authorization) return 'missing token';
  if (!bearer?.[1]) return 'bad token';
  return sameText(bearer[1], secretValue) ? undefined : 'bad token';
}

/** Constant-time equality of two texts of any lengths: both are hashed first, so lengths do not leak. */
function sameText(given: string, expected: string): boolean {
  const key = 'weft-webhook-token';
  const a = createHmac('sha256', key).update(given).digest();
  const b = createHmac('sha256', key).update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The signature header of a delivery: `X-Weft-Signature`, or the `X-Hub-Signature-256` form many senders use. */
export function signatureOf(headers: Readonly<Record<string, string | undefined>>): string | undefined {
  return headers['x-weft-signature'] ?? headers['x-hub-signature-256'];
}
