// Values of payloads read straight from a fetched history: the client's codecs (the claim-check
// codec among them) run first, as the SDK does for the values it hands back itself.

import type { LoadedDataConverter, Payload } from '@temporalio/common';

/** Decodes payloads of a history event with the client's codecs, then converts them to values. */
export async function historyValues(converter: LoadedDataConverter, payloads: readonly unknown[]): Promise<unknown[]> {
  let decoded = payloads as Payload[];
  // Codecs encode in order and decode in reverse.
  for (const codec of [...converter.payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return decoded.map((p) => converter.payloadConverter.fromPayload(p));
}
