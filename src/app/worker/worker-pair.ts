// A Weft worker as callers see it: the Temporal worker of Weft's task queue and, beside it, the
// one of the limits' keepers (src/core/runs/limit-types.ts keeperQueue). They start, stop and
// fail together, so a process never lives on serving runs whose keepers nobody answers.

import type { State, Worker } from '@temporalio/worker';

export class WorkerPair {
  constructor(
    private readonly main: Worker,
    private readonly keepers: Worker,
  ) {}

  /** The main worker's options (its task queue is Weft's). */
  get options(): Worker['options'] {
    return this.main.options;
  }

  getState(): State {
    return this.main.getState();
  }

  /** Runs both until both stop; when one fails, the other is shut down and the first failure is thrown. */
  async run(): Promise<void> {
    const stopOther = (other: Worker) => (error: unknown) => {
      if (other.getState() === 'RUNNING') other.shutdown();
      throw error;
    };
    const outcomes = await Promise.allSettled([this.main.run().catch(stopOther(this.keepers)), this.keepers.run().catch(stopOther(this.main))]);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  }

  shutdown(): void {
    for (const worker of [this.main, this.keepers]) if (worker.getState() === 'RUNNING') worker.shutdown();
  }
}
