// `npm run bench:settings`: the raw Temporal sequential chain (workload 1) under each dynamic
// config setting added one at a time, to show what each of Weft's tuned values is worth.

import { TUNED_DYNAMIC_CONFIG } from '../src/services/temporal/dev-server-config.js';
import { startHarness } from './harness.js';
import { sequentialChain } from './workloads.js';

async function main(): Promise<void> {
  const keys = Object.keys(TUNED_DYNAMIC_CONFIG);
  const steps: Array<[string, Record<string, string>]> = [['Temporal defaults', {}]];
  for (let i = 1; i <= keys.length; i++) {
    const key = keys[i - 1] ?? '';
    steps.push([`+ ${key}=${TUNED_DYNAMIC_CONFIG[key]}`, Object.fromEntries(keys.slice(0, i).map((k) => [k, TUNED_DYNAMIC_CONFIG[k] ?? '']))]);
  }
  for (const [label, config] of steps) {
    const h = await startHarness(false, 7431, config);
    try {
      const m = await sequentialChain(h, 3, { settleMs: 100 });
      process.stdout.write(`${label.padEnd(60)} raw ${m.raw.toFixed(1).padStart(6)} ms/step   weft ${m.weft.toFixed(1).padStart(6)} ms/step\n`);
    } finally {
      await h.close();
    }
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
