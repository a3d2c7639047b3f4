// `limitKeeper`: the durable holder of one limit's slots (a flow's concurrency per key value, or
// a named limit). Runs ask it by update-with-start, a process's waiting asks together in one
// update whose result is a reply each, or when that fails by signal-with-start. A grant after
// waiting comes by signal, sent with the other answers given meanwhile by one activity. Runs
// release by signal, a process's waiting releases together. It watches each holding run so one
// that ends without running code frees its slots. Design and why it holds: docs/limits.md.

import {
  ActivityCancellationType,
  allHandlersFinished,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  isCancellation,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { createLimitActivities } from '../activities/limit-activities.js';
import {
  type KeeperInput,
  type KeeperReply,
  type KeeperView,
  keeperQueue,
  LIMIT_KEEPER,
  type OutgoingAnswer,
  type SlotAnswer,
  type SlotHolder,
  type SlotRequest,
} from '../src/core/runs/limit-types.js';

type LimitActivities = ReturnType<typeof createLimitActivities>;

export const acquireSignal = defineSignal<[SlotRequest]>(LIMIT_KEEPER.acquireSignal);
export const askUpdate = defineUpdate<KeeperReply, [SlotRequest]>(LIMIT_KEEPER.askUpdate);
export const releaseSignal = defineSignal<[{ requestId: string }]>(LIMIT_KEEPER.releaseSignal);
export const askManyUpdate = defineUpdate<KeeperReply[], [SlotRequest[]]>(LIMIT_KEEPER.askManyUpdate);
export const releaseManySignal = defineSignal<[{ requestIds: string[] }]>(LIMIT_KEEPER.releaseManySignal);
export const resizeSignal = defineSignal<[{ size: number | null }]>(LIMIT_KEEPER.resizeSignal);
export const slotAnswerSignal = defineSignal<[SlotAnswer]>(LIMIT_KEEPER.answerSignal);
export const slotsQuery = defineQuery<KeeperView>(LIMIT_KEEPER.slotsQuery);

/** How long an idle keeper (no holder, nobody waiting) stays before it ends. */
const IDLE_MS = 60_000;
/**
 * A holder still holding after this long gets a watch. Most holds end sooner by their own
 * release, so they cost the keeper no activity; one that ends without running code (terminated,
 * timed out) is noticed this long after its grant at the latest, plus the watch's long poll.
 */
const WATCH_AFTER_MS = 2_000;
/** History length at which the keeper continues as new with its holders and queue. */
const CONTINUE_AT_EVENTS = 4000;
/** Updates taken after which the keeper continues as new: Temporal refuses more than 2,000 per run. */
const CONTINUE_AT_UPDATES = 1000;
/**
 * Answers go out in batches by one activity (deliverAnswers) instead of a signal command each: a
 * signal a workflow sends costs it two history events and, when Temporal confirms it, one more
 * workflow task, which bounded a keeper's grants per second. Not a local activity: its workflow
 * task would stay open while the signals go out, and signals arriving meanwhile past Temporal's
 * buffer of 100 fail that task (docs/limits.md). Keepers started before send a signal command
 * per answer.
 */
const ANSWER_STEP = 'keeper-answer-step';
/** Answers one step sends at most, so its input stays small whatever the line's length. */
const ANSWERS_PER_STEP = 200;

const local = proxyLocalActivities<LimitActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

// The answer step: short, retried without limit, so no answer is lost to a worker crash.
const courier = proxyActivities<LimitActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s' },
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
  const keeper = new Keeper(input, patched('keeper-watch-late'), patched(ANSWER_STEP));
  // Before any await: an update that finds no handler when its activation ends is refused. A
  // named limit's request waits until the keeper has read its size.
  const byUpdate = async (requests: SlotRequest[]): Promise<KeeperReply[]> => {
    keeper.updates += 1;
    if (keeper.size === undefined) await condition(() => keeper.size !== undefined);
    return requests.map((request) => keeper.acquire(request, 'update'));
  };
  setHandler(askUpdate, async (request) => (await byUpdate([request]))[0] as KeeperReply);
  setHandler(askManyUpdate, byUpdate);
  if (input.size === undefined) {
    keeper.size = input.target.kind === 'named' ? await local.readLimitSize(input.target.name) : null;
  }
  setHandler(acquireSignal, (request) => {
    keeper.acquire(request, 'signal');
  });
  setHandler(releaseSignal, ({ requestId }) => keeper.release([requestId]));
  setHandler(releaseManySignal, ({ requestIds }) => keeper.release(requestIds));
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
      await condition(() => keeper.settled && allHandlersFinished());
      if (keeper.idle) return;
      continue;
    }
    if (keeper.mustContinue()) {
      await condition(() => keeper.settled && allHandlersFinished());
      // Holders and queue travel in the input; the next run starts watching the holders again.
      // Onto the keepers' own queue, where keepers started before it existed move at this point.
      const continueOnKeeperQueue = makeContinueAsNewFunc<typeof limitKeeper>({ taskQueue: keeperQueue(workflowInfo().taskQueue) });
      await continueOnKeeperQueue({ target: input.target, size: keeper.size ?? null, holders: keeper.holders, queue: keeper.queue });
    }
    await condition(() => keeper.idle || keeper.mustContinue());
  }
}

class Keeper {
  size: number | null | undefined;
  holders: SlotHolder[];
  queue: SlotRequest[];
  /** Grant and answer signals not yet confirmed by Temporal, and the answer step while it runs. */
  inFlight = 0;
  /** Requests taken by update in this run (see CONTINUE_AT_UPDATES). */
  updates = 0;
  private readonly watched = new Set<string>();
  /** Whether a timer to watch the holders that are still holding is set. */
  private sweepSet = false;
  /** Answers waiting for the answer step, by request id: a request queued then granted before they go gets one answer. */
  private readonly outbox = new Map<string, OutgoingAnswer>();
  private delivering = false;
  private deliverSoon = false;

  constructor(
    private readonly input: KeeperInput,
    /** Watch a holder once it has held for WATCH_AFTER_MS, not at its grant (keepers started before keep the old way). */
    private readonly watchLate: boolean,
    /** Send answers by the answer step (ANSWER_STEP), not a signal command each. */
    private readonly answerByStep: boolean,
  ) {
    this.size = input.size;
    this.holders = [...(input.holders ?? [])];
    this.queue = [...(input.queue ?? [])];
  }

  /** Nothing sent is unconfirmed and no answer waits to go. */
  get settled(): boolean {
    return this.inFlight === 0 && this.outbox.size === 0;
  }

  get idle(): boolean {
    return this.holders.length === 0 && this.queue.length === 0;
  }

  mustContinue(): boolean {
    const info = workflowInfo();
    return info.historyLength > CONTINUE_AT_EVENTS || info.continueAsNewSuggested || this.updates >= CONTINUE_AT_UPDATES;
  }

  view(): KeeperView {
    return { target: this.input.target, size: this.size ?? null, holders: this.holders, queue: this.queue };
  }

  private free(): boolean {
    return this.size === null || this.size === undefined || this.holders.length < this.size;
  }

  /**
   * A run's request. By signal (`acquire`), every answer goes back to the run by signal; by
   * update (`askSlot`), the reply is the update's result and only a grant after waiting goes by
   * signal. A repeated request (the run's step retried) gets the same answer again; by signal,
   * one already in line gets none (its grant comes by signal).
   */
  acquire(request: SlotRequest, by: 'signal' | 'update'): KeeperReply {
    if (request.size !== undefined && this.input.target.kind === 'flow') this.size = request.size;
    const tell = by === 'signal';
    if (this.holders.some((h) => h.requestId === request.requestId)) {
      if (tell) this.answer(request, 'granted');
      return 'granted';
    }
    if (this.queue.some((q) => q.requestId === request.requestId)) return tell ? 'later' : 'queued';
    if (this.queue.length === 0 && this.free()) {
      this.grant(request, tell);
      return 'granted';
    }
    if (request.onLimit === 'cancel') {
      // A run ends CANCELLED only when cancellation was asked of it: the keeper asks.
      this.send(request.runId, () => getExternalWorkflowHandle(request.runId).cancel());
      return 'later';
    }
    if (request.onLimit === 'fail') {
      if (tell) this.answer(request, 'refused');
      return 'refused';
    }
    // First in is by start time: a run that started earlier goes before later ones still waiting.
    const at = this.queue.findIndex((q) => q.startedAt > request.startedAt);
    if (at < 0) this.queue.push(request);
    else this.queue.splice(at, 0, request);
    if (tell) this.answer(request, 'queued');
    this.pump();
    // A larger size this request brought may have granted it at once (by signal too).
    return this.holders.some((h) => h.requestId === request.requestId) ? 'granted' : 'queued';
  }

  release(requestIds: readonly string[]): void {
    const released = new Set(requestIds);
    this.holders = this.holders.filter((h) => !released.has(h.requestId));
    this.queue = this.queue.filter((q) => !released.has(q.requestId));
    this.pump();
  }

  /** Grants slots to the head of the line while any are free; each grant goes by signal. */
  pump(): void {
    while (this.queue.length > 0 && this.free()) {
      const next = this.queue.shift() as SlotRequest;
      this.grant(next, true);
    }
  }

  /** `tell`: send the grant by signal (not when it is an update's reply). */
  private grant(request: SlotRequest, tell: boolean): void {
    this.holders.push({ ...request, grantedAt: new Date().toISOString() });
    if (tell) this.answer(request, 'granted');
    if (this.watchLate) this.setSweep();
    else this.watchRun(request.runId);
  }

  private answer(request: SlotRequest, outcome: SlotAnswer['outcome']): void {
    const answer: SlotAnswer = { requestId: request.requestId, outcome };
    if (!this.answerByStep) {
      this.send(request.runId, () => getExternalWorkflowHandle(request.runId).signal(slotAnswerSignal, answer));
      return;
    }
    // Delete first: the answer goes in the order of its latest change.
    this.outbox.delete(request.requestId);
    this.outbox.set(request.requestId, { runId: request.runId, answer });
    if (this.deliverSoon) return;
    // After the handler that gave this answer is done: the other answers it gives (a release
    // that frees several slots) go in the same step.
    this.deliverSoon = true;
    void Promise.resolve().then(() => {
      this.deliverSoon = false;
      this.deliver();
    });
  }

  /**
   * Sends what the outbox holds by one step, one step at a time: answers given while a step runs
   * wait for the next, so a busy keeper sends many answers per workflow task and the order of a
   * run's answers holds. Runs that have ended lose their places.
   */
  private deliver(): void {
    if (this.delivering || this.outbox.size === 0) return;
    const answers: OutgoingAnswer[] = [];
    for (const [requestId, answer] of this.outbox) {
      if (answers.length >= ANSWERS_PER_STEP) break;
      answers.push(answer);
      this.outbox.delete(requestId);
    }
    this.delivering = true;
    this.inFlight += 1;
    courier
      .deliverAnswers({ answers })
      .then((gone) => {
        for (const runId of gone) this.forget(runId);
      })
      .finally(() => {
        this.inFlight -= 1;
        this.delivering = false;
        this.deliver();
      });
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
    if (this.watchLate) this.sweep();
    else for (const holder of this.holders) this.watchRun(holder.runId);
  }

  private setSweep(): void {
    if (this.sweepSet) return;
    this.sweepSet = true;
    void sleep(WATCH_AFTER_MS).then(() => {
      this.sweepSet = false;
      this.sweep();
    });
  }

  /** Watches every holder that has held for WATCH_AFTER_MS; comes back for the younger ones. */
  private sweep(): void {
    const now = Date.now();
    let younger = false;
    for (const holder of this.holders) {
      if (now - Date.parse(holder.grantedAt) >= WATCH_AFTER_MS) this.watchRun(holder.runId);
      else younger = true;
    }
    if (younger) this.setSweep();
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
