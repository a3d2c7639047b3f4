// A large task output for tests of the claim-check codec: an http body of about 1 MB and a flow
// whose later task reads fields of it.

import type { FlowSpec } from '../../src/core/spec/flow-spec.js';
import { flowFrom } from './temporal-env.js';

/** About 1 MB of JSON: 10,000 rows of about 100 bytes (1,097,790 bytes; 9,200 rows make 1,009,790). */
export function bigBody(rows = 10_000): { rows: Array<{ i: number; name: string }> } {
  return { rows: Array.from({ length: rows }, (_, i) => ({ i, name: `row ${i} ${'x'.repeat(80)}` })) };
}

/** A flow that fetches the big body and has a later task read a field of it. */
export function bigOutputFlow(url: string, pause = ''): FlowSpec {
  return flowFrom(`
id: big-output
tasks:
  - { id: fetch, type: http, url: "${url}/big" }
${pause}
  - id: count
    type: set
    values:
      n: "{{ size(outputs.fetch.body.rows) }}"
      last: "{{ outputs.fetch.body.rows[9999].i }}"
outputs: { n: "{{ outputs.count.n }}", last: "{{ outputs.count.last }}" }
`);
}
