// The live record of a run's task runs and pending approvals, served by the paged query.
// Workflow state only: it is rebuilt by replay, never stored elsewhere.

import type { PendingApproval, TaskError, TaskRunRecord, TaskRunState } from '../src/core/runs/run-types.js';
import { taskRunKey } from '../src/core/runs/run-types.js';

/** Most task runs returned by one page of the query. */
export const MAX_QUERY_PAGE = 500;

export class TaskBook {
  private readonly records = new Map<string, TaskRunRecord>();
  readonly approvals = new Map<string, PendingApproval>();

  constructor(carried: TaskRunRecord[] = []) {
    for (const record of carried) this.records.set(taskRunKey(record.id, record.iteration), record);
  }

  start(id: string, type: string, iteration: number[] | undefined): TaskRunRecord {
    const record: TaskRunRecord = { id, type, state: 'RUNNING', attempts: 1, startedAt: new Date().toISOString() };
    if (iteration && iteration.length > 0) record.iteration = [...iteration];
    this.records.set(taskRunKey(id, iteration), record);
    return record;
  }

  set(record: TaskRunRecord, state: TaskRunState): void {
    record.state = state;
  }

  finish(record: TaskRunRecord, state: TaskRunState, error?: TaskError, allowedFailure?: boolean): void {
    record.state = state;
    record.endedAt = new Date().toISOString();
    if (error) record.error = error;
    if (allowedFailure) record.allowedFailure = true;
  }

  all(): TaskRunRecord[] {
    return [...this.records.values()];
  }

  page(offset = 0, limit = 100): { total: number; tasks: TaskRunRecord[] } {
    const safeLimit = Math.max(1, Math.min(limit, MAX_QUERY_PAGE));
    const all = this.all();
    return { total: all.length, tasks: all.slice(Math.max(0, offset), Math.max(0, offset) + safeLimit) };
  }
}
