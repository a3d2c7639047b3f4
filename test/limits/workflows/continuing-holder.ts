// A workflow that holds a slot across a continue-as-new: its first execution continues as new on
// the signal `next`, the second ends on the next one. Weft's own workflows never continue as new
// while they hold a slot; a keeper must not take one that does for ended.

import { condition, continueAsNew, defineSignal, setHandler } from '@temporalio/workflow';

export async function continuingHolder(execution: number): Promise<void> {
  let next = false;
  setHandler(defineSignal('next'), () => {
    next = true;
  });
  await condition(() => next);
  if (execution === 0) await continueAsNew<typeof continuingHolder>(1);
}
