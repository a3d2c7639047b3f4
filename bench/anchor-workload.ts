// Workload 18, the anchor: the 40-task chain of the widely cited public benchmark with its own
// task (fib(10), recursive, in the worker), for Weft (a custom task type), raw Temporal (an
// activity; local activities for raw best) and, in workload 5's session, Prefect.

import { alternate, type Harness } from './harness.js';
import type { Measure } from './measure.js';
import { flow, medianRow, type Pace, runRaw, runWeft } from './workloads.js';

/** The public benchmark's chain: 40 tasks, each computing fib(10). */
export const ANCHOR = { steps: 40, n: 10 } as const;

/** ms per task of the anchor chain on each side, median of `runs` chains a side in ABBA order. */
export async function anchorChain(h: Harness, runs: number, pace: Pace): Promise<Measure> {
  const { steps, n } = ANCHOR;
  const tasks = Array.from({ length: steps }, (_, i) => `  - { id: f${i}, type: bench-fib, n: ${n} }`).join('\n');
  const spec = flow(`id: fib-chain\ntasks:\n${tasks}\n`);
  const sides = await alternate(
    runs,
    {
      weft: () => runWeft(h, spec),
      raw: () => runRaw(h, 'rawFibChain', [steps, n]),
      rawBest: () => runRaw(h, 'rawFibChainBest', [steps, n]),
    },
    pace.settleMs,
    pace.warmUp ?? true,
  );
  return medianRow(
    `18 anchor chain (${steps} tasks, fib(${n}) each)`,
    'ms/task',
    sides,
    (s) => s.ms,
    (ms) => ms / steps,
  );
}
