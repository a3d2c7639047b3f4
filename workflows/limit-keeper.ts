// `limitKeeper`: the durable holder of one limit's slots (a flow's concurrency per key value, or
// a named limit). Runs reach it by signal-with-start, get their answer by signal, release by
// signal; it watches each holding run so one that ends without running code frees its slots.
// Design and why it holds: docs/limits.md.

import {
  ActivityCancellationType,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createLimitActivities } from '../activities/limit-activities.js';
import { type KeeperInput, type KeeperView, LIMIT_KEEPER, type SlotAnswer, type SlotHolder, type SlotRequest } from '../src/core/runs/limit-types.js';

type LimitActivities = ReturnType<typeof createLimitActivities>;

export const acquireSignal = defineSignal<[SlotRequest]>(LIMIT_KEEPER.acquireSignal);
export const releaseSignal = defineSignal<[{ requestId: string }]>(LIMIT_KEEPER.releaseSignal);
export const resizeSignal = defineSignal<[{ size: number | null }]>(LIMIT_KEEPER.resizeSignal);
export const slotAnswerSignal = defineSignal<[SlotAnswer]>(LIMIT_KEEPER.answerSignal);
export const slotsQuery = defineQuery<KeeperView>(LIMIT_KEEPER.slotsQuery);

/** How long an idle keeper (no holder, nobody waiting) stays before it ends. */
const IDLE_MS = 60_000;
/** History length at which the keeper continues as new with its holders and queue. */
const CONTINUE_AT_EVENTS = 4000;

const local = proxyLocalActivities<LimitActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

// One watch per holding run, as long as that run is open: heartbeats say when a worker is lost,
// and the retry policy has no limit, so a watch survives worker crashes.
const watch = proxyActivities<LimitActivities>({
  startToCloseTimeout: '3650d',
  heartbeatTimeout: '10s',
  cancellationType: ActivityCancellationType.ABANDON,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
});

export async function limitKeeper(input: KeeperInput): Promise<void> {
  const keeper = new Keeper(input);
  if (input.size === undefined) {
    keeper.size = input.target.kind === 'named' ? await local.readLimitSize(input.target.name) : null;
  }
  setHandler(acquireSignal, (request) => keeper.acquire(request));
  setHandler(releaseSignal, ({ requestId }) => keeper.release(requestId));
  setHandler(resizeSignal, ({ size }) => {
    keeper.size = size;
    keeper.pump();
  });
  setHandler(slotsQuery, () => keeper.view());
  keeper.rewatch();
  keeper.pump();
  for (;;) {
    const active = await condition(() => !keeper.idle || keeper.mustContinue(), IDLE_MS);
    if (!active) {
      // Signals that came meanwhile make Temporal refuse this completion and run us again.
      await condition(() => keeper.inFlight === 0 && allHandlersFinished());
      if (keeper.idle) return;
      continue;
    }
    if (keeper.mustContinue()) {
      await condition(() => keeper.inFlight === 0 && allHandlersFinished());
      // Holders and queue travel in the input; the next run starts watching the holders again.
      await continueAsNew<typeof limitKeeper>({ target: input.target, size: keeper.size ?? null, holders: keeper.holders, queue: keeper.queue });
    }
    await condition(() => keeper.idle || keeper.mustContinue());
  }
}

class Keeper {
  size: number | null | undefined;
  holders: SlotHolder[];
  queue: SlotRequest[];
  /** Grant and answer signals not yet confirmed by Temporal. */
  inFlight = 0;
  private readonly watched = new Set<string>();

  constructor(private readonly input: KeeperInput) {
    this.size = input.size;
    this.holders = [...(input.holders ?? [])];
    this.queue = [...(input.queue ?? [])];
  }

  get idle(): boolean {
    return this.holders.length === 0 && this.queue.length === 0;
  }

  mustContinue(): boolean {
    const info = workflowInfo();
    return info.historyLength > CONTINUE_AT_EVENTS || info.continueAsNewSuggested;
  }

  view(): KeeperView {
    return { target: this.input.target, size: this.size ?? null, holders: this.holders, queue: this.queue };
  }

  private free(): boolean {
    return this.size === null || this.size === undefined || this.holders.length < this.size;
  }

  acquire(request: SlotRequest): void {
    if (request.size !== undefined && this.input.target.kind === 'flow') this.size = request.size;
    // A repeated request (the run's activity retried) gets the same answer again.
    if (this.holders.some((h) => h.requestId === request.requestId)) {
      this.answer(request, 'granted');
      return;
    }
    if (this.queue.some((q) => q.requestId === request.requestId)) return;
    if (this.queue.length === 0 && this.free()) {
      this.grant(request);
      return;
    }
    if (request.onLimit !== 'queue') {
      this.refuse(request);
      return;
    }
    // First in is by start time: a run that started earlier goes before later ones still waiting.
    const at = this.queue.findIndex((q) => q.startedAt > request.startedAt);
    if (at < 0) this.queue.push(request);
    else this.queue.splice(at, 0, request);
    this.answer(request, 'queued');
    this.pump();
  }

  release(requestId: string): void {
    this.holders = this.holders.filter((h) => h.requestId !== requestId);
    this.queue = this.queue.filter((q) => q.requestId !== requestId);
    this.pump();
  }

  /** Grants slots to the head of the line while any are free. */
  pump(): void {
    while (this.queue.length > 0 && this.free()) {
      const next = this.queue.shift() as SlotRequest;
      this.grant(next);
    }
  }

  private grant(request: SlotRequest): void {
    this.holders.push({ ...request, grantedAt: new Date().toISOString() });
    this.answer(request, 'granted');
    this.watchRun(request.runId);
  }

  private refuse(request: SlotRequest): void {
    if (request.onLimit === 'cancel') {
      // A run ends CANCELLED only when cancellation was asked of it: the keeper asks.
      this.send(request.runId, () => getExternalWorkflowHandle(request.runId).cancel());
      return;
    }
    this.answer(request, 'refused');
  }

  private answer(request: SlotRequest, outcome: SlotAnswer['outcome']): void {
    this.send(request.runId, () => getExternalWorkflowHandle(request.runId).signal(slotAnswerSignal, { requestId: request.requestId, outcome }));
  }

  /** Sends to a run; a run that no longer exists or has ended loses its places. */
  private send(runId: string, call: () => Promise<void>): void {
    this.inFlight += 1;
    call()
      .catch(() => this.forget(runId))
      .finally(() => {
        this.inFlight -= 1;
      });
  }

  /** Drops every hold and place of a run that ended. */
  forget(runId: string): void {
    const before = this.holders.length + this.queue.length;
    this.holders = this.holders.filter((h) => h.runId !== runId);
    this.queue = this.queue.filter((q) => q.runId !== runId);
    if (this.holders.length + this.queue.length !== before) this.pump();
  }

  /** Starts watching every holding run again (after continue-as-new). */
  rewatch(): void {
    for (const holder of this.holders) this.watchRun(holder.runId);
  }

  private watchRun(runId: string): void {
    if (this.watched.has(runId)) return;
    this.watched.add(runId);
    const done = CancellationScope.cancellable(() => watch.waitForRunEnd({ runId }));
    done
      .catch((error: unknown) => {
        if (!isCancellation(error)) throw error;
      })
      .then(() => {
        this.watched.delete(runId);
        this.forget(runId);
      })
      .catch(() => undefined);
  }
}
