// A task under named limits (`limits: [name]`): it waits QUEUED for a slot of each limit, in
// name order so two tasks never wait for each other's slots, runs, and gives the slots back in
// a step no cancellation stops. The run stays RUNNING meanwhile.

import { CancellationScope, workflowInfo } from '@temporalio/workflow';
import { type LimitTarget, limitLabel } from '../src/core/runs/limit-types.js';
import { type TaskRunRecord, taskRunKey } from '../src/core/runs/run-types.js';
import type { Task } from '../src/core/spec/flow-spec.js';
import type { Frame } from './frame.js';
import type { RunContext } from './run-context.js';
import { type HeldSlot, slotClientOf } from './run-slot.js';

/** Runs `work` (all the task's attempts) once the task holds a slot of each of its limits. */
export async function underLimits(ctx: RunContext, task: Task, frame: Frame, record: TaskRunRecord, work: () => unknown): Promise<unknown> {
  const names = [...new Set(task.limits ?? [])].sort();
  const key = taskRunKey(task.id, frame.iteration);
  const client = slotClientOf(ctx);
  const startedAt = workflowInfo().startTime.toISOString();
  const run = { runId: ctx.runId, flow: `${ctx.flow.namespace}/${ctx.flow.id}` };
  const observed = { id: task.id, type: task.type, iteration: frame.iteration };
  const held: HeldSlot[] = [];
  try {
    for (const name of names) {
      const target: LimitTarget = { kind: 'named', name };
      const request = { requestId: `${ctx.runId}|${name}|${key}`, runId: ctx.runId, startedAt, onLimit: 'queue' as const };
      const slot = await client.acquire(target, request, { run, wait: { kind: 'limit', name, task: observed } }, () => {
        ctx.book.set(record, 'QUEUED');
        record.waitingFor = limitLabel(target);
      });
      if (slot) held.push(slot);
    }
    if (record.state === 'QUEUED') {
      // Queue time is not task time: the task run starts when it holds its slots.
      delete record.waitingFor;
      ctx.book.set(record, 'RUNNING');
      record.startedAt = new Date().toISOString();
    }
    return await work();
  } finally {
    if (held.length > 0) await CancellationScope.nonCancellable(() => Promise.all(held.map((slot) => slot.release())));
  }
}
