// A payload codec that keeps large payloads out of Temporal history: each one over the threshold
// is stored in Weft's store and replaced by a small reference, which decoding swaps back. Every
// Weft client and worker uses it, so workflows, activities and readers see the real value.

import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { WeftError } from '../../core/errors.js';
import { ClaimCheckNotFoundError, type ClaimCheckStore } from '../outputs/claim-check-store.js';

/** Metadata `encoding` of a reference payload; the Web UI shows such payloads as the reference. */
export const CLAIM_CHECK_ENCODING = 'binary/weft-claim-check';

/**
 * Payloads whose data is larger than this (bytes) are stored. 128 KiB stays well under Temporal's
 * 512 KB payload warning and 2 MB limit, lets a workflow task carry dozens of them inside gRPC's
 * 4 MB, and keeps ordinary outputs (a few KB) inline, where the Web UI shows them.
 */
export const CLAIM_CHECK_THRESHOLD_BYTES = 128 * 1024;

/** The largest payload stored (bytes): beyond it a value is refused rather than loaded whole into every reader's memory. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

const Proto = proto.temporal.api.common.v1.Payload;
const ENCODING_BYTES = new TextEncoder().encode(CLAIM_CHECK_ENCODING);

/** Thrown when a value is larger than MAX_PAYLOAD_BYTES. */
export class PayloadTooLargeError extends WeftError {
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super('PAYLOAD_TOO_LARGE', `payload of ${bytes} bytes is larger than the ${maxBytes}-byte bound`, {
      hint: 'return less from the task (select the fields later tasks need), or page through the data in several tasks',
    });
  }
}

/** Thrown when the store holding a claim-checked payload cannot be reached; retryable. */
export class ClaimCheckUnavailableError extends WeftError {
  readonly retryable = true;

  constructor(
    readonly key: string,
    location: string,
    cause: unknown,
  ) {
    super(
      'CLAIM_CHECK_UNAVAILABLE',
      `claim-check payload ${key} cannot be read: the store at ${location} is not reachable (${(cause as Error)?.message ?? cause})`,
      {
        hint: 'check that the store (WEFT_DATABASE_URL) is up and reachable from this process',
        cause,
      },
    );
  }
}

export interface ClaimCheckOptions {
  /** Payloads larger than this are stored (default CLAIM_CHECK_THRESHOLD_BYTES). */
  thresholdBytes?: number;
  /** Payloads larger than this are refused (default MAX_PAYLOAD_BYTES). */
  maxBytes?: number;
}

export class ClaimCheckCodec implements PayloadCodec {
  private readonly threshold: number;
  private readonly max: number;

  constructor(
    private readonly store: ClaimCheckStore,
    options: ClaimCheckOptions = {},
  ) {
    this.threshold = options.thresholdBytes ?? CLAIM_CHECK_THRESHOLD_BYTES;
    this.max = options.maxBytes ?? MAX_PAYLOAD_BYTES;
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    // The common case costs one length check per payload and no allocation.
    if (payloads.every((p) => (p.data?.byteLength ?? 0) <= this.threshold)) return Promise.resolve(payloads);
    return Promise.all(payloads.map((p) => this.encodeOne(p)));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    if (!payloads.some(isReference)) return Promise.resolve(payloads);
    return Promise.all(payloads.map((p) => (isReference(p) ? this.decodeOne(p) : p)));
  }

  private async encodeOne(payload: Payload): Promise<Payload> {
    const size = payload.data?.byteLength ?? 0;
    if (size <= this.threshold) return payload;
    if (size > this.max) throw new PayloadTooLargeError(size, this.max);
    const key = await this.store.put(Proto.encode(payload).finish());
    const reference: ClaimCheckReference = { key, bytes: size };
    return { metadata: { encoding: ENCODING_BYTES }, data: new TextEncoder().encode(JSON.stringify(reference)) };
  }

  private async decodeOne(payload: Payload): Promise<Payload> {
    const key = referenceOf(payload).key;
    let bytes: Uint8Array;
    try {
      bytes = await this.store.get(key);
    } catch (error) {
      if (error instanceof ClaimCheckNotFoundError) throw error;
      throw new ClaimCheckUnavailableError(key, this.store.location, error);
    }
    return Proto.decode(bytes) as Payload;
  }
}

/** What a reference payload's data holds (JSON): the store key and the size of the original data. */
export interface ClaimCheckReference {
  key: string;
  bytes: number;
}

function isReference(payload: Payload): boolean {
  const encoding = payload.metadata?.encoding;
  if (!encoding || encoding.byteLength !== ENCODING_BYTES.byteLength) return false;
  for (let i = 0; i < encoding.byteLength; i++) if (encoding[i] !== ENCODING_BYTES[i]) return false;
  return true;
}

/** The reference a claim-check payload carries; its key is `(unreadable)` when the data is not one. */
export function referenceOf(payload: Payload): ClaimCheckReference {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(payload.data ?? new Uint8Array())) as Partial<ClaimCheckReference>;
    if (typeof parsed.key === 'string' && /^[0-9a-f]{64}$/.test(parsed.key)) return { key: parsed.key, bytes: Number(parsed.bytes) };
  } catch {
    // Falls through to the unreadable key, which no store holds.
  }
  return { key: '(unreadable)', bytes: 0 };
}

/** The data converter option of a Weft client or worker: the claim-check codec over the store. */
export function claimCheckDataConverter(store: ClaimCheckStore, options: ClaimCheckOptions = {}): { payloadCodecs: PayloadCodec[] } {
  return { payloadCodecs: [new ClaimCheckCodec(store, options)] };
}
