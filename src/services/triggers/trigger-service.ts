// Schedule triggers on Temporal Schedules: keeps one Schedule per enabled schedule trigger of
// every saved flow (created, updated in place keeping its paused state, deleted), reconciles
// store and Temporal at start, and pauses, resumes, previews and backfills. Nothing here keeps
// time: Temporal's Schedules fire, and compute the fire times.

import type { Client } from '@temporalio/client';
import { WeftError } from '../../core/errors.js';
import type { FlowRunInput } from '../../core/runs/run-types.js';
import { parseCron } from '../../core/spec/cron.js';
import type { FlowSpec } from '../../core/spec/flow-spec.js';
import { type OverlapPolicy, SCHEDULE_DEFAULTS, type ScheduleTrigger, scheduleTriggers, type Trigger } from '../../core/spec/triggers.js';
import type { FlowChangeObserver, FlowDetail, FlowService } from '../flow-service.js';
import { type DaylightSavingWarning, daylightSavingWarnings } from './daylight-saving.js';
import { enabledFlowTriggers } from './flow-trigger-links.js';
import { tellRunningUpstreams, upstreamWarnings } from './flow-triggers.js';
import { scheduleIdOf } from './schedule-names.js';
import { type FiredRevision, temporalOverlap } from './schedule-options.js';
import { TriggerActionError, TriggerNotFoundError, TriggerSyncError } from './trigger-errors.js';
import { pageTriggers, type TriggerPage, type TriggerPageRequest } from './trigger-pages.js';
import { WeftSchedules, type WeftSchedulesOptions } from './weft-schedules.js';

/** Most fire times a preview or backfill count lists. */
export const MAX_PREVIEW = 100;
/** Most runs one backfill may start. */
export const MAX_BACKFILL_RUNS = 1000;

/** A trigger as `list_triggers` shows it. */
export interface TriggerView {
  id: string;
  type: Trigger['type'];
  enabled: boolean;
  paused: boolean;
  scheduleId?: string;
  nextFires?: string[];
  /** Schedule: the last fire time and its run; flow trigger: when it last started (or attached to) a run, and that run. */
  lastFire?: { scheduledAt: string; runId: string };
  warnings?: string[];
}

/** The next fire times of a trigger, in UTC and in its zone, with daylight-saving warnings. */
export interface TriggerPreview {
  trigger: string;
  timezone: string;
  fires: Array<{ at: string; local: string }>;
  warnings: DaylightSavingWarning[];
}

/** What a backfill starts (dry run: would start). */
export interface BackfillResult {
  trigger: string;
  from: string;
  to: string;
  overlap: OverlapPolicy;
  runs: number;
  fireTimes: string[];
  started: boolean;
}

export type TriggerServiceOptions = WeftSchedulesOptions;

/** What reconciliation did. */
export interface ReconcileReport {
  upserted: string[];
  deleted: string[];
}

export class TriggerService implements FlowChangeObserver {
  private readonly schedules: WeftSchedules;

  constructor(
    private readonly client: Client,
    private readonly flows: FlowService,
    options: TriggerServiceOptions,
  ) {
    this.schedules = new WeftSchedules(client, options);
  }

  /**
   * FlowChangeObserver: after a save, the flow's Schedules follow its new revision; the flows its
   * flow triggers listen to learn of them: their Schedules carry it into the runs they fire, and
   * runs already going are told.
   */
  async flowSaved(ref: string): Promise<void> {
    await syncing(ref, () => this.syncFlow(ref));
    const detail = await this.flows.get(ref).catch(() => undefined);
    for (const upstream of upstreamsOf(detail)) await syncing(upstream, () => this.syncListenedTo(upstream));
    await tellRunningUpstreams(this.client, detail);
  }

  /** FlowChangeObserver: after a delete, the flow's Schedules go. */
  async flowDeleted(ref: string, spec: FlowSpec | undefined): Promise<void> {
    await syncing(ref, () =>
      this.removeFlow(
        ref,
        scheduleTriggers(spec?.triggers).map((t) => t.id),
      ),
    );
  }

  /** Brings a flow's Schedules in line with its latest revision (after a save). */
  async syncFlow(ref: string): Promise<void> {
    const detail = await this.flows.get(ref);
    const wanted = detail.kind === 'declarative' ? enabledSchedules(detail.spec) : [];
    // Only a flow with schedule triggers has Schedules to carry its revision: no read for the others.
    const fired = wanted.length ? await this.firedRevision(detail) : undefined;
    for (const trigger of wanted) if (fired) await this.schedules.upsert(fired, trigger, 'fire');
    // Visibility lags behind creation, so the previous revision names what may exist besides the list.
    const previous = detail.revision > 1 ? await this.flows.get(ref, detail.revision - 1).catch(() => undefined) : undefined;
    const known = new Set([...(await this.schedules.marksOf(ref)).map((m) => m.trigger), ...scheduleTriggers(previous?.spec.triggers).map((t) => t.id)]);
    const keep = new Set(wanted.map((t) => t.id));
    for (const id of known) {
      if (keep.has(id) && fired) {
        await this.schedules.refreshCompanion(fired, wanted.find((t) => t.id === id) as ScheduleTrigger);
        continue;
      }
      await this.schedules.delete(scheduleIdOf(ref, id, 'fire'));
      await this.schedules.delete(scheduleIdOf(ref, id, 'backfill'));
    }
  }

  /** Deletes every Schedule of a flow (after the flow is deleted). */
  async removeFlow(ref: string, triggerIds: readonly string[] = []): Promise<void> {
    const ids = new Set([...(await this.schedules.marksOf(ref)).map((m) => m.trigger), ...triggerIds]);
    for (const id of ids) {
      await this.schedules.delete(scheduleIdOf(ref, id, 'fire'));
      await this.schedules.delete(scheduleIdOf(ref, id, 'backfill'));
    }
  }

  /**
   * Makes Temporal hold exactly the Schedules the store's flows ask for: a crash between a store
   * write and its Temporal call leaves a stray or a missing Schedule, and this mends both.
   */
  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = { upserted: [], deleted: [] };
    const wanted = new Map<string, { fired: FiredRevision; trigger: ScheduleTrigger }>();
    let cursor: string | undefined;
    do {
      const page = await this.flows.list({ limit: 200, ...(cursor ? { cursor } : {}) });
      for (const summary of page.flows) {
        if (summary.kind !== 'declarative') continue;
        const detail = await this.flows.get(summary.flow);
        const triggers = enabledSchedules(detail.spec);
        const fired = triggers.length ? await this.firedRevision(detail) : undefined;
        for (const trigger of triggers) if (fired) wanted.set(scheduleIdOf(summary.flow, trigger.id), { fired, trigger });
      }
      cursor = page.nextCursor;
    } while (cursor);
    for (const [id, { fired, trigger }] of wanted) {
      await this.schedules.upsert(fired, trigger, 'fire');
      await this.schedules.refreshCompanion(fired, trigger);
      report.upserted.push(id);
    }
    for (const { id, mark } of await this.schedules.own()) {
      if (wanted.has(scheduleIdOf(mark.flow, mark.trigger))) continue;
      await this.schedules.delete(id);
      report.deleted.push(id);
    }
    return report;
  }

  /** A flow's triggers with their Schedule's state. */
  async list(ref: string): Promise<TriggerView[]> {
    const spec = await this.spec(ref);
    const views: TriggerView[] = [];
    for (const trigger of spec.triggers ?? []) {
      const enabled = trigger.enabled !== false;
      const view: TriggerView = { id: trigger.id, type: trigger.type, enabled, paused: false };
      if (trigger.type === 'schedule' && enabled) {
        const id = scheduleIdOf(ref, trigger.id);
        const description = await this.schedules.describe(id);
        if (description) {
          view.scheduleId = id;
          view.paused = description.state.paused;
          view.nextFires = description.info.nextActionTimes.slice(0, 5).map((d) => d.toISOString());
          const last = description.info.recentActions.at(-1);
          if (last) view.lastFire = { scheduledAt: last.scheduledAt.toISOString(), runId: last.action.workflow.workflowId };
          const warnings = this.warningsFor(trigger, description.info.nextActionTimes);
          if (warnings.length) view.warnings = warnings.map((w) => w.message);
        } else view.warnings = ['its Temporal Schedule is missing; the server recreates it when it next starts, or save the flow again'];
      }
      if (trigger.type === 'flow') {
        const last = await this.flows.lastFlowTriggerFire(ref, trigger.id);
        if (last) view.lastFire = { scheduledAt: last.firedAt, runId: last.runId };
        const warnings = await upstreamWarnings(this.flows, trigger);
        if (warnings.length) view.warnings = warnings;
      }
      views.push(view);
    }
    return views;
  }

  /** The triggers of every flow (of one namespace when given), a page at a time; each names its flow. */
  listAll(request: TriggerPageRequest = {}): Promise<TriggerPage<TriggerView>> {
    return pageTriggers(this.flows, (ref) => this.list(ref), request);
  }

  /** Pauses a schedule trigger; the paused state survives later saves. */
  async pause(ref: string, triggerId: string, note = 'paused through Weft'): Promise<void> {
    await this.handleFor(ref, triggerId).then((h) => h.pause(note));
  }

  /** Resumes a paused schedule trigger. */
  async resume(ref: string, triggerId: string, note = 'resumed through Weft'): Promise<void> {
    await this.handleFor(ref, triggerId).then((h) => h.unpause(note));
  }

  /** The next `count` fire times (Temporal's own computation), with daylight-saving warnings. */
  async preview(ref: string, triggerId: string, count = 10): Promise<TriggerPreview> {
    const trigger = await this.scheduleTrigger(ref, triggerId);
    const wanted = Math.max(1, Math.min(count, MAX_PREVIEW));
    const now = new Date();
    // Widen the window until it holds enough fire times (a weekly cron needs months for 10).
    let horizon = 24 * 3_600_000;
    let times: Date[] = [];
    while (times.length < wanted && horizon <= 800 * 24 * 3_600_000) {
      times = await this.schedules.matchingTimes(scheduleIdOf(ref, trigger.id), now, new Date(now.getTime() + horizon));
      horizon *= 8;
    }
    const timezone = trigger.cron !== undefined ? (trigger.timezone ?? SCHEDULE_DEFAULTS.timezone) : 'UTC';
    const fires = times.slice(0, wanted).map((d) => ({ at: d.toISOString(), local: localTime(d, timezone) }));
    const last = times.at(wanted - 1) ?? new Date(now.getTime() + horizon);
    const cron = trigger.cron !== undefined ? parseCron(trigger.cron) : undefined;
    const warnings = cron && typeof cron !== 'string' ? daylightSavingWarnings(cron, timezone, now, last) : [];
    return { trigger: trigger.id, timezone, fires, warnings };
  }

  /**
   * Starts one run per fire time in [from, to] (both ends included) with `run.trigger` = `backfill` (or only counts
   * them: `dryRun`). Runs start through the trigger's backfill companion, a Schedule paused for
   * good whose starts say `backfill`; Temporal takes backfills of a paused Schedule.
   */
  async backfill(ref: string, triggerId: string, request: { from: Date; to: Date; overlap?: OverlapPolicy; dryRun?: boolean }): Promise<BackfillResult> {
    const trigger = await this.scheduleTrigger(ref, triggerId);
    if (!(request.from.getTime() < request.to.getTime()))
      throw new TriggerActionError(
        `backfill of ${ref} trigger ${triggerId}: from (${request.from.toISOString()}) must be before to (${request.to.toISOString()})`,
      );
    if (request.to.getTime() > Date.now() + 1000)
      throw new TriggerActionError(
        `backfill of ${ref} trigger ${triggerId}: to (${request.to.toISOString()}) is in the future`,
        'backfill covers past fire times only; the Schedule fires the future ones',
      );
    // Temporal lists matching times in (start, end] but backfills [start, end]: start 1 ms early
    // so the count shown is the runs started.
    const times = await this.schedules.matchingTimes(scheduleIdOf(ref, trigger.id), new Date(request.from.getTime() - 1), request.to);
    const overlap = request.overlap ?? 'bufferAll';
    const result: BackfillResult = {
      trigger: trigger.id,
      from: request.from.toISOString(),
      to: request.to.toISOString(),
      overlap,
      runs: times.length,
      fireTimes: times.slice(0, MAX_PREVIEW).map((d) => d.toISOString()),
      started: false,
    };
    if (request.dryRun || times.length === 0) return result;
    if (times.length > MAX_BACKFILL_RUNS)
      throw new TriggerActionError(
        `backfill of ${ref} trigger ${triggerId} would start ${times.length} runs; the limit is ${MAX_BACKFILL_RUNS}`,
        'backfill a shorter interval',
      );
    await this.schedules.upsert(await this.firedRevision(await this.flows.get(ref)), trigger, 'backfill');
    await this.schedules
      .handle(scheduleIdOf(ref, trigger.id, 'backfill'))
      .backfill({ start: request.from, end: request.to, overlap: temporalOverlap(overlap) });
    return { ...result, started: true };
  }

  private warningsFor(trigger: ScheduleTrigger, next: Date[]): DaylightSavingWarning[] {
    if (trigger.cron === undefined) return [];
    const cron = parseCron(trigger.cron);
    if (typeof cron === 'string') return [];
    const until = next.at(-1) ?? new Date(Date.now() + 7 * 24 * 3_600_000);
    return daylightSavingWarnings(cron, trigger.timezone ?? SCHEDULE_DEFAULTS.timezone, new Date(), until);
  }

  /** What a flow's Schedules carry into the runs they fire. */
  private async firedRevision(detail: FlowDetail): Promise<FiredRevision> {
    return { flow: detail.spec, revision: detail.revision, downstream: await this.flows.listenedTo(detail.flow) };
  }

  /**
   * After a flow trigger listening to `upstream` was saved: its Schedules carry that a trigger
   * listens now, so the runs they fire end by firing it. Written only where it changed.
   */
  private async syncListenedTo(upstream: string): Promise<void> {
    const detail = await this.flows.get(upstream).catch(() => undefined);
    if (detail?.kind !== 'declarative' || enabledSchedules(detail.spec).length === 0) return;
    const fired = await this.firedRevision(detail);
    for (const trigger of enabledSchedules(detail.spec)) {
      const current = await this.schedules.describe(scheduleIdOf(upstream, trigger.id));
      const carried = current?.action.type === 'startWorkflow' ? (current.action.args?.[0] as FlowRunInput | undefined) : undefined;
      if (carried?.fire?.carried && carried.revision === fired.revision && (carried.downstream === true) === fired.downstream) continue;
      await this.schedules.upsert(fired, trigger, 'fire');
      await this.schedules.refreshCompanion(fired, trigger);
    }
  }

  private async spec(ref: string): Promise<FlowSpec> {
    const detail = await this.flows.get(ref);
    return detail.spec;
  }

  private async scheduleTrigger(ref: string, triggerId: string): Promise<ScheduleTrigger> {
    const spec = await this.spec(ref);
    const trigger = spec.triggers?.find((t) => t.id === triggerId);
    if (!trigger)
      throw new TriggerNotFoundError(
        ref,
        triggerId,
        (spec.triggers ?? []).map((t) => t.id),
      );
    if (trigger.type !== 'schedule')
      throw new TriggerActionError(`${ref} trigger ${triggerId} is a ${trigger.type} trigger; pause, resume, preview and backfill apply to schedule triggers`);
    if (trigger.enabled === false)
      throw new TriggerActionError(
        `${ref} trigger ${triggerId} is disabled (enabled: false), so it has no Schedule`,
        'set enabled: true (or remove the line) and save the flow',
      );
    return trigger;
  }

  private async handleFor(ref: string, triggerId: string) {
    const trigger = await this.scheduleTrigger(ref, triggerId);
    const id = scheduleIdOf(ref, trigger.id);
    if (!(await this.schedules.describe(id))) {
      await this.schedules.upsert(await this.firedRevision(await this.flows.get(ref)), trigger, 'fire');
    }
    return this.schedules.handle(id);
  }
}

/** A store write already happened: a Temporal failure after it says so and that reconciliation will mend it. */
async function syncing(ref: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    throw error instanceof WeftError ? error : new TriggerSyncError(ref, error);
  }
}

/** The flows a saved flow's enabled flow triggers listen to. */
function upstreamsOf(detail: FlowDetail | undefined): string[] {
  return detail?.kind === 'declarative' ? [...new Set(enabledFlowTriggers(detail.spec).flatMap((t) => t.flows))] : [];
}

function enabledSchedules(flow: FlowSpec): ScheduleTrigger[] {
  return scheduleTriggers(flow.triggers).filter((t) => t.enabled !== false);
}

function localTime(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(at);
}
