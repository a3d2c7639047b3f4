// What an upstream run hands the `fireFlowTriggers` activity as it ends, and what the activity
// answers: the contract between workflows/flow-trigger-fire.ts and the flow-trigger service.
// Both enter history: fields are only ever added, optionally.

/** Longest chain of flow triggers: a run whose `run.event.depth` would pass it is not started. */
export const MAX_FLOW_TRIGGER_DEPTH = 10;

/** How an upstream run ended, as flow triggers see it (`TIMED_OUT` matches a trigger listening for `FAILED`). */
export type UpstreamEndState = 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'CANCELLED';

/** Input of the `fireFlowTriggers` activity (enters history). */
export interface FireFlowTriggersInput {
  /** `namespace/id` of the upstream flow. */
  flow: string;
  /** Weft's run id of the upstream run: downstream run ids derive from it, so a repeat attaches. */
  runId: string;
  state: UpstreamEndState;
  /** The upstream run's outputs; `{}` unless it completed. */
  outputs: Record<string, unknown>;
  inputs: Record<string, unknown>;
  /** `run.event.depth` of the upstream run when a flow trigger started it, else 0. */
  depth: number;
}

/** One downstream run the activity started or attached to, or a trigger it left alone and why (enters history). */
export interface FiredFlowTrigger {
  /** `namespace/id` of the downstream flow. */
  flow: string;
  triggerId: string;
  /** Set when a run was started (or an earlier start attached to). */
  runId?: string;
  started?: boolean;
  /** Why no run started: `when` false, depth limit, invalid inputs. */
  skipped?: string;
}

/** Output of the `fireFlowTriggers` activity (enters history). */
export interface FireFlowTriggersResult {
  fired: FiredFlowTrigger[];
}

/** `run.event` of a run a flow trigger started (flow-spec.md, Triggers). */
export interface FlowTriggerEvent extends Record<string, unknown> {
  id: string;
  flow: string;
  runId: string;
  state: UpstreamEndState;
  outputs: Record<string, unknown>;
  inputs: Record<string, unknown>;
  depth: number;
}

/** Whether a trigger listening for `states` fires on an upstream run that ended `state`. */
export function listensFor(states: readonly string[] | undefined, state: UpstreamEndState): boolean {
  const wanted = states ?? ['COMPLETED'];
  return wanted.includes(state === 'TIMED_OUT' ? 'FAILED' : state);
}

/** The flow-trigger depth of a run: its `run.event.depth` when a flow trigger started it, else 0. */
export function flowTriggerDepth(trigger: string, event: Record<string, unknown> | undefined): number {
  const depth = event?.depth;
  return trigger === 'flow' && typeof depth === 'number' && Number.isInteger(depth) && depth >= 0 ? depth : 0;
}

/**
 * Signal a running run gets when a flow trigger listening to its flow is saved after the run
 * started (its `downstream` flag was resolved without it): the run then fires as it ends.
 */
export const FLOW_TRIGGERS_SAVED_SIGNAL = 'flowTriggersSaved';
