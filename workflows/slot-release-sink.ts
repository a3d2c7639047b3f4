// The release of a run's concurrency slot at its end, handed to the worker through a Temporal
// sink: the worker signals the keeper once the run's last activation is done, without holding
// that workflow task open for the call (a local step cost the run about 9 ms). Not durable by
// itself: a worker lost between the run's end and the signal leaves the slot held until the
// keeper's watch sees the run closed (docs/limits.md), which it does for every holder still
// holding 2 s after its grant. Replays do not call it.

import { proxySinks, type Sinks } from '@temporalio/workflow';
import type { LimitTarget } from '../src/core/runs/limit-types.js';

export interface SlotSinks extends Sinks {
  slots: { release(target: LimitTarget, requestId: string): void };
}

export const { slots } = proxySinks<SlotSinks>();
