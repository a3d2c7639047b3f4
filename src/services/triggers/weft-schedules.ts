// Weft's Temporal Schedules, one call each: create-or-update in place (keeping the paused
// state), describe, delete, list this store's own, and Temporal's computation of fire times.
// The trigger service decides which Schedules should exist; this only talks to Temporal.

import { type Client, ScheduleAlreadyRunning, type ScheduleDescription, ScheduleNotFoundError, type ScheduleUpdateOptions } from '@temporalio/client';
import { msToTs, tsToDate } from '@temporalio/common';
import { WEFT_FLOW, WEFT_NAMESPACE } from '../../core/runs/search-attributes.js';
import { flowRef } from '../../core/spec/flow-spec.js';
import type { ScheduleTrigger } from '../../core/spec/triggers.js';
import { MEMO_KEY, markOf, type ScheduleMark, type ScheduleRole, scheduleIdOf } from './schedule-names.js';
import { type FiredRevision, scheduleActionOf, schedulePoliciesOf, scheduleSpecOf } from './schedule-options.js';

export interface WeftSchedulesOptions {
  namespace: string;
  taskQueue: string;
  /** The store's identity: only Schedules marked with it are this store's to change. */
  storeId: string;
}

export class WeftSchedules {
  constructor(
    private readonly client: Client,
    private readonly options: WeftSchedulesOptions,
  ) {}

  /** A handle to act on one Schedule (pause, unpause, backfill). */
  handle(id: string) {
    return this.client.schedule.getHandle(id);
  }

  /** Temporal's own fire times of a Schedule in (from, to], jitter included. */
  async matchingTimes(scheduleId: string, from: Date, to: Date): Promise<Date[]> {
    const response = await this.client.workflowService.listScheduleMatchingTimes({
      namespace: this.options.namespace,
      scheduleId,
      startTime: msToTs(from.getTime()),
      endTime: msToTs(to.getTime()),
    });
    return (response.startTime ?? []).map((ts) => tsToDate(ts));
  }

  /** Creates the Schedule, or updates it in place keeping its paused state and note. */
  async upsert(fired: FiredRevision, trigger: ScheduleTrigger, role: ScheduleRole): Promise<void> {
    const { flow } = fired;
    const ref = flowRef(flow);
    const id = scheduleIdOf(ref, trigger.id, role);
    const body = {
      spec: scheduleSpecOf(trigger),
      action: scheduleActionOf(fired, trigger, role, this.options.taskQueue),
      policies: schedulePoliciesOf(trigger),
    };
    const update = (previous: ScheduleDescription): ScheduleUpdateOptions => ({
      ...body,
      state: { paused: role === 'backfill' ? true : previous.state.paused, ...(previous.state.note ? { note: previous.state.note } : {}) },
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.schedule.getHandle(id).update(update);
        return;
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      }
      try {
        const mark: ScheduleMark = { flow: ref, trigger: trigger.id, role, store: this.options.storeId, taskQueue: this.options.taskQueue };
        await this.client.schedule.create({
          scheduleId: id,
          ...body,
          memo: { [MEMO_KEY]: mark },
          typedSearchAttributes: [
            { key: WEFT_FLOW, value: ref },
            { key: WEFT_NAMESPACE, value: flow.namespace },
          ],
          state:
            role === 'backfill'
              ? { paused: true, note: `backfills of ${ref} trigger ${trigger.id}; paused on purpose, it never fires by itself` }
              : { paused: false },
        });
        return;
      } catch (error) {
        // Another save created it between the two calls: update that one instead.
        if (!(error instanceof ScheduleAlreadyRunning) || attempt >= 3) throw error;
      }
    }
  }

  /** Updates a trigger's backfill companion, if it has one, to the trigger's latest form. */
  async refreshCompanion(fired: FiredRevision, trigger: ScheduleTrigger): Promise<void> {
    const id = scheduleIdOf(flowRef(fired.flow), trigger.id, 'backfill');
    if (await this.describe(id)) await this.upsert(fired, trigger, 'backfill');
  }

  /** The Schedule, or undefined when it does not exist. */
  async describe(id: string): Promise<ScheduleDescription | undefined> {
    try {
      return await this.client.schedule.getHandle(id).describe();
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return undefined;
      throw error;
    }
  }

  /** Deletes a Schedule; one that is already gone is no error. */
  async delete(id: string): Promise<void> {
    try {
      await this.client.schedule.getHandle(id).delete();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
  }

  /** This store's Schedules, as Temporal's (eventually consistent) list shows them. */
  async own(): Promise<Array<{ id: string; mark: ScheduleMark }>> {
    const out: Array<{ id: string; mark: ScheduleMark }> = [];
    for await (const summary of this.client.schedule.list()) {
      const mark = markOf(summary.scheduleId, summary.memo);
      if (mark && mark.store === this.options.storeId) out.push({ id: summary.scheduleId, mark });
    }
    return out;
  }

  /** This store's Schedules of one flow. */
  async marksOf(ref: string): Promise<ScheduleMark[]> {
    return (await this.own()).filter((s) => s.mark.flow === ref).map((s) => s.mark);
  }
}
