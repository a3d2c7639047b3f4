// What a run and a limit's keeper workflow say to each other (signals, queries, ids). Pure, so
// workflows, activities and services share one definition; every type here enters history.

/** What a keeper guards: a flow's concurrency (per key value) or a named limit. */
export type LimitTarget = { kind: 'flow'; flow: string; key?: string } | { kind: 'named'; name: string };

/** What a run does when no slot is free: wait in line, end CANCELLED, or end FAILED. */
export const ON_LIMIT = ['queue', 'cancel', 'fail'] as const;
export type OnLimit = (typeof ON_LIMIT)[number];

/** A run asking for a slot (signal `acquire`, enters history). */
export interface SlotRequest {
  /** Unique per acquisition: `<runId>|flow` or `<runId>|<limit>|<task run key>`. */
  requestId: string;
  /** The Weft run id (workflow id) of the asking run: grants go there. */
  runId: string;
  /** When the run started (ISO): first in is by start time. */
  startedAt: string;
  onLimit: OnLimit;
  /** A flow's `concurrency.limit`; absent for named limits, whose size the store holds. */
  size?: number;
}

/** The keeper's answer to one request (signal `slotAnswer` to the run, enters history). */
export interface SlotAnswer {
  requestId: string;
  /** granted: the slot is the run's; queued: it waits in line; refused: onLimit fail and no slot. */
  outcome: 'granted' | 'queued' | 'refused';
}

/** An answer a keeper sends to a run (the run's workflow id) by signal. */
export interface OutgoingAnswer {
  runId: string;
  answer: SlotAnswer;
}

/**
 * The keeper's reply to a request asked by update (`askSlot`): the answer itself, or `later` when
 * it comes by signal (the request was sent by signal instead) or as the run's cancellation
 * (`onLimit: cancel`). A queued request's grant always comes by signal.
 */
export type KeeperReply = SlotAnswer['outcome'] | 'later';

/** Workflow input of a keeper (enters history); carried across continue-as-new. */
export interface KeeperInput {
  target: LimitTarget;
  /** Slots; null: unlimited (a named limit with no size set). Absent: read it when the keeper starts. */
  size?: number | null;
  holders?: SlotHolder[];
  queue?: SlotRequest[];
}

/** A request that holds a slot. */
export interface SlotHolder extends SlotRequest {
  grantedAt: string;
}

/** Result of the keeper's `slots` query. */
export interface KeeperView {
  target: LimitTarget;
  size: number | null;
  holders: SlotHolder[];
  queue: SlotRequest[];
}

/**
 * Update a run of a flow with concurrency answers once its slot is decided: `RUNNING` (granted)
 * or `QUEUED`; a refused run ends instead (CANCELLED or FAILED). The start result reads it.
 */
export const ADMISSION_UPDATE = 'admission';

export const LIMIT_KEEPER = {
  workflowType: 'limitKeeper',
  acquireSignal: 'acquire',
  askUpdate: 'askSlot',
  releaseSignal: 'release',
  /** Many runs' requests in one update (its result: a reply each, in order), from one process. */
  askManyUpdate: 'askSlots',
  /** Many runs' slots given back in one signal, from one process. */
  releaseManySignal: 'releaseMany',
  resizeSignal: 'resize',
  answerSignal: 'slotAnswer',
  slotsQuery: 'slots',
} as const;

/** Memo key of the time a queued run got its slot: its `startedAt` (queue time is not run time). */
export const ADMITTED_AT_MEMO = 'weftAdmittedAt';

/** A named limit's name: what `limits: [...]` and `weft limit set` accept. */
export const LIMIT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Longest key value kept as it is in a keeper's workflow id; longer ones are hashed. */
const MAX_KEY_IN_ID = 120;

/**
 * The keeper's workflow id: one keeper per limit (and key value) per task queue, so the keeper
 * runs on the workers that run the flows it serves.
 */
export function keeperId(target: LimitTarget, taskQueue: string): string {
  if (target.kind === 'named') return `weft-limit:${taskQueue}:${target.name}`;
  const key = target.key === undefined ? '' : `:${target.key.length > MAX_KEY_IN_ID ? `#${fnv1a(target.key)}` : target.key}`;
  return `weft-concurrency:${taskQueue}:${target.flow}${key}`;
}

/**
 * The task queue keepers run on, beside Weft's own (`weft` -> `weft:limits`; no worker group can
 * have that name). Polled with workflow-task and activity slots of their own, a keeper's turn
 * never waits behind a burst of runs filling the worker's slots (every one of which may be
 * waiting on that keeper), and its watches take no slot a task needs.
 */
export function keeperQueue(taskQueue: string): string {
  return taskQueue.endsWith(KEEPER_QUEUE_SUFFIX) ? taskQueue : `${taskQueue}${KEEPER_QUEUE_SUFFIX}`;
}

const KEEPER_QUEUE_SUFFIX = ':limits';

/** How a limit is shown to people: `openai`, `demo/etl`, `demo/etl [acme]`. */
export function limitLabel(target: LimitTarget): string {
  if (target.kind === 'named') return `limit ${target.name}`;
  return `concurrency of ${target.flow}${target.key === undefined ? '' : ` [${target.key}]`}`;
}

/** 64-bit FNV-1a as hex: a stable hash with no I/O, the same in workflows and services. */
function fnv1a(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
