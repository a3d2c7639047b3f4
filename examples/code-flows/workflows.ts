// The example's workflows. `orderReport` is a code flow: a Temporal workflow function that uses
// Weft's step helpers, so it shows a task timeline, writes run logs and waits for approvals like a
// declarative flow. `plainGreeting` is an ordinary Temporal workflow with no Weft helpers, exposed
// through existing-workflows.yaml as an "existing workflow".

import { proxyActivities } from '@temporalio/workflow';
import { weftRun } from '../../workflows/code-flow-kit.js';
import type * as activities from './activities.js';

type Activities = typeof activities;

export async function orderReport(input: { day: string; minimum?: number }): Promise<{ day: string; orders: number; total: number; approved: boolean }> {
  const weft = weftRun();
  const orders = await weft.step('fetch', (a: Activities) => a.fetchOrders(input.day), { retry: { maxAttempts: 3, initialInterval: '1s' } });
  await weft.log(`fetched ${orders.length} orders for ${input.day}`, 'info', 'fetch');
  const total = await weft.step('total', (a: Activities) => a.totalOf(orders));
  const answer = await weft.approval('publish', { message: `Publish the report of ${input.day} (total ${total})?`, approvers: 'any' });
  return { day: input.day, orders: orders.length, total, approved: answer.approved };
}

const { totalOf } = proxyActivities<Activities>({ startToCloseTimeout: '1m' });

export async function plainGreeting(name: string, times: number): Promise<string> {
  const count = await totalOf(Array.from({ length: times }, (_, i) => ({ id: String(i), amount: 1 })));
  return `Hello ${name} x${count}`;
}
