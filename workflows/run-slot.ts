// The run's side of limits: asks a keeper for a slot (workflows/limit-keeper.ts), waits for its
// answer as a durable wait, leaves the line when cancelled, and releases in a step no
// cancellation stops. Used for a flow's concurrency (admitRun) and tasks' named limits.

import {
  ApplicationFailure,
  CancellationScope,
  condition,
  defineUpdate,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyLocalActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createLimitActivities } from '../activities/limit-activities.js';
import { renderTemplate } from '../src/core/expressions/evaluate.js';
import {
  ADMISSION_UPDATE,
  ADMITTED_AT_MEMO,
  keeperId,
  type LimitTarget,
  limitLabel,
  type OnLimit,
  type SlotAnswer,
  type SlotRequest,
} from '../src/core/runs/limit-types.js';
import { type FlowRunFailureDetails, type FlowRunInput, RUN_FAILURE_TYPES } from '../src/core/runs/run-types.js';
import { WEFT_QUEUED } from '../src/core/runs/search-attributes.js';
import { Frame } from './frame.js';
import { releaseSignal, slotAnswerSignal } from './limit-keeper.js';
import { slots } from './slot-release-sink.js';
import { toTaskError } from './task-failure.js';
import { noticeWaitEnded, noticeWaitStarted, type ObservedLimitWait, type ObservedRun } from './task-observers.js';

/** Slots given back by a local step in the run's last workflow task instead of by a signal it waits on. */
const SLOT_RELEASE_STEP = 'slot-release-step';
/** Slots asked by update, whose result is the keeper's reply, instead of only by signal. */
const SLOT_ASK_UPDATE = 'slot-ask-update';
/** A run's concurrency slot given back by the worker after the run's last activation, not by a local step in it. */
const SLOT_RELEASE_SINK = 'slot-release-sink';

/** Answers the start result once the run's slot is decided (see ADMISSION_UPDATE). */
export const admissionUpdate = defineUpdate<'RUNNING' | 'QUEUED' | 'FAILED' | 'CANCELLED'>(ADMISSION_UPDATE);

const local = proxyLocalActivities<ReturnType<typeof createLimitActivities>>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/** A slot this run holds; `release` and `releaseAtEnd` are safe to call more than once, together. */
export interface HeldSlot {
  target: LimitTarget;
  requestId: string;
  release(): Promise<void>;
  /** Gives the slot back as the run's last act: by the worker once this activation is done. */
  releaseAtEnd(): Promise<void>;
}

/** The keeper answers of one workflow execution, by request id. */
export class SlotClient {
  private readonly answers = new Map<string, SlotAnswer['outcome']>();
  /** Asks made by this execution: each ask's update id is unique, so Temporal never answers one with another's result. */
  private asks = 0;

  constructor() {
    setHandler(slotAnswerSignal, ({ requestId, outcome }) => this.record(requestId, outcome));
  }

  /**
   * Waits for a slot: the held slot, or undefined when the keeper refused (onLimit fail). On
   * cancellation the run leaves the line (or gives the slot back) before the cancellation goes on.
   * Observers hear of the wait as `waiter` (task-observers.ts).
   */
  async acquire(target: LimitTarget, request: SlotRequest, waiter: Waiter, onQueued?: () => void): Promise<HeldSlot | undefined> {
    const { requestId } = request;
    const slot = this.slot(target, requestId);
    const wait: ObservedLimitWait = { id: requestId, ...waiter.wait };
    let queued = false;
    noticeWaitStarted(waiter.run, wait);
    try {
      if (patched(SLOT_ASK_UPDATE)) {
        // The reply is known in this workflow task: a free slot costs no signal and no task more.
        const reply = await local.askSlot({ target, request, askId: `${workflowInfo().runId}:${this.asks++}` });
        if (reply !== 'later') this.record(requestId, reply);
      } else await local.acquireSlot({ target, request });
      await condition(() => this.answers.has(requestId));
      if (this.answers.get(requestId) === 'queued') {
        queued = true;
        onQueued?.();
        await condition(() => this.answers.get(requestId) !== 'queued');
      }
    } catch (error) {
      noticeWaitEnded(waiter.run, wait, isCancellation(error) ? 'cancelled' : 'failed', queued);
      if (isCancellation(error)) await CancellationScope.nonCancellable(() => slot.release());
      throw error;
    }
    const granted = this.answers.get(requestId) === 'granted';
    noticeWaitEnded(waiter.run, wait, granted ? 'granted' : 'refused', queued);
    return granted ? slot : undefined;
  }

  /** A slot granted without an ask of this execution's (at the run's start), to give back as any other. */
  held(target: LimitTarget, requestId: string): HeldSlot {
    return this.slot(target, requestId);
  }

  private record(requestId: string, outcome: SlotAnswer['outcome']): void {
    // A late `queued` never overrides the final answer it was sent before.
    if (outcome === 'queued' && this.answers.has(requestId)) return;
    this.answers.set(requestId, outcome);
  }

  private slot(target: LimitTarget, requestId: string): HeldSlot {
    let released = false;
    const slot: HeldSlot = {
      target,
      requestId,
      releaseAtEnd: () => {
        if (released) return Promise.resolve();
        if (!patched(SLOT_RELEASE_SINK)) return slot.release();
        released = true;
        slots.release(target, requestId);
        return Promise.resolve();
      },
      release: () => {
        if (released) return Promise.resolve();
        released = true;
        return CancellationScope.nonCancellable(() => {
          // A step in the run's own workflow task, so the run ends without waiting on a signal's round trip.
          if (patched(SLOT_RELEASE_STEP)) return local.releaseSlot({ target, requestId });
          // A keeper that has ended holds nothing of ours: nothing to release.
          return getExternalWorkflowHandle(keeperId(target, workflowInfo().taskQueue))
            .signal(releaseSignal, { requestId })
            .catch(() => undefined);
        });
      },
    };
    return slot;
  }
}

/** Who waits for a slot, as observers are told: the run, and the task for a named limit. */
export interface Waiter {
  run: ObservedRun;
  wait: Omit<ObservedLimitWait, 'id'>;
}

const clients = new WeakMap<object, SlotClient>();

/** The slot client of one execution, keyed by its run context (created on first use). */
export function slotClientOf(owner: object): SlotClient {
  let client = clients.get(owner);
  if (!client) {
    client = new SlotClient();
    clients.set(owner, client);
  }
  return client;
}

const runSlots = new WeakMap<object, HeldSlot[]>();

/** Runs `work` (the whole run) and then gives the run's concurrency slot back, whatever the outcome. */
export async function releasingRunSlot<T>(owner: object, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    for (const slot of runSlots.get(owner) ?? []) await slot.releaseAtEnd();
  }
}

/** How a run waits for its flow's concurrency slot, as the run's query shows it. */
export interface Admission {
  onQueued(waitingFor: string): void;
  onAdmitted(): void;
}

/**
 * Takes the run's concurrency slot before anything else runs. Returns the slot and, for a run
 * that waited, when it got it (its `startedAt`). Throws the run's failure for onLimit fail;
 * onLimit cancel ends the run through a cancellation the keeper asks for.
 */
export async function admitRun(owner: object, input: FlowRunInput, admission: Admission): Promise<{ slot: HeldSlot; admittedAt?: string }> {
  const concurrency = input.flow.concurrency;
  if (!concurrency) throw new Error('admitRun needs a flow with concurrency');
  const info = workflowInfo();
  const flow = `${input.flow.namespace}/${input.flow.id}`;
  const target: LimitTarget = { kind: 'flow', flow, ...(concurrency.key ? { key: renderKey(concurrency.key, input, info.startTime) } : {}) };
  const onLimit: OnLimit = concurrency.onLimit ?? 'queue';
  const request: SlotRequest = {
    requestId: `${info.workflowId}|flow`,
    runId: info.workflowId,
    startedAt: info.startTime.toISOString(),
    onLimit,
    size: concurrency.limit,
  };
  let queued = false;
  let decided: 'RUNNING' | 'FAILED' | 'CANCELLED' | undefined;
  // Not cancellable: a run refused by onLimit cancel still answers how it ends.
  setHandler(admissionUpdate, async () => {
    await CancellationScope.nonCancellable(() => condition(() => queued || decided !== undefined));
    return decided ?? 'QUEUED';
  });
  const client = slotClientOf(owner);
  const waiter: Waiter = { run: { runId: info.workflowId, flow }, wait: { kind: 'concurrency', name: flow } };
  const atStart = input.slotAtStart;
  if (atStart?.granted && !concurrency.key) {
    // The service that started the run took a free slot for it (docs/limits.md): no ask, and
    // observers hear of a wait that ended as it began, as for any free slot.
    const wait: ObservedLimitWait = { id: atStart.requestId, ...waiter.wait };
    noticeWaitStarted(waiter.run, wait);
    noticeWaitEnded(waiter.run, wait, 'granted', false);
    const slot = client.held(target, atStart.requestId);
    runSlots.set(owner, [slot]);
    decided = 'RUNNING';
    return { slot };
  }
  // An ask at the start whose reply was lost may hold a slot: given back at the run's end, however it ends.
  const held: HeldSlot[] = atStart ? [client.held(target, atStart.requestId)] : [];
  runSlots.set(owner, held);
  let slot: HeldSlot | undefined;
  try {
    slot = await client.acquire(target, request, waiter, () => {
      queued = true;
      upsertSearchAttributes([{ key: WEFT_QUEUED, value: true }]);
      admission.onQueued(limitLabel(target));
    });
  } catch (error) {
    if (isCancellation(error)) decided = 'CANCELLED';
    throw error;
  }
  if (!slot) {
    decided = 'FAILED';
    throw refusal(`${limitLabel(target)} is at its limit of ${concurrency.limit} and onLimit is fail`);
  }
  held.unshift(slot);
  decided = 'RUNNING';
  admission.onAdmitted();
  if (!queued) return { slot };
  const admittedAt = new Date().toISOString();
  upsertSearchAttributes([{ key: WEFT_QUEUED, value: false }]);
  upsertMemo({ [ADMITTED_AT_MEMO]: admittedAt });
  return { slot, admittedAt };
}

function renderKey(template: string, input: FlowRunInput, startTime: Date): string {
  const run = { id: workflowInfo().workflowId, flow: `${input.flow.namespace}/${input.flow.id}`, startedAt: startTime.toISOString(), trigger: input.trigger };
  try {
    const value = renderTemplate(template, Frame.root({ inputs: input.inputs, vars: {}, run }).scope(), 'concurrency.key');
    return typeof value === 'string' ? value : JSON.stringify(value);
  } catch (error) {
    const cause = toTaskError(error);
    throw failure({ type: cause.type, message: `concurrency.key: ${cause.message}` });
  }
}

function refusal(message: string): ApplicationFailure {
  return failure({ type: 'ConcurrencyLimitReached', message });
}

function failure(error: { type: string; message: string }): ApplicationFailure {
  const details: FlowRunFailureDetails = { state: 'FAILED', tasks: [], failedTask: { id: '(concurrency)', error } };
  return ApplicationFailure.create({ type: RUN_FAILURE_TYPES.failed, message: error.message, nonRetryable: true, details: [details] });
}
