// Hand-written Temporal workflows: the raw baseline Weft is measured against.
import { proxyActivities } from '@temporalio/workflow';
import type { createRawActivities } from './activities.js';

const { callUrl } = proxyActivities<ReturnType<typeof createRawActivities>>({
  startToCloseTimeout: '30s',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/** Calls `url` `steps` times, one activity after another. */
export async function rawChain(url: string, steps: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < steps; i++) total += (await callUrl(`${url}/${i}`)).status;
  return total;
}

/** Calls `url` once per item, at most `concurrency` at once. */
export async function rawFanOut(url: string, items: number, concurrency: number): Promise<number> {
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < items) {
      const i = next++;
      await callUrl(`${url}/${i}`);
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return done;
}
