// Hand-written Temporal workflows: the raw baseline Weft is measured against. Two designs: the
// same as Weft's (an activity per call, large fan-outs in child workflows of 1,000 items run one
// after another, as Weft's foreach batches do), and "best": what a Temporal expert would write for
// sub-millisecond calls, local activities, which skip the activity task round trip.
import {
  condition,
  defineSignal,
  executeChild,
  getExternalWorkflowHandle,
  proxyActivities,
  proxyLocalActivities,
  proxySinks,
  type Sinks,
  setHandler,
} from '@temporalio/workflow';
import type { createRawActivities } from './activities.js';
import type { createRawAgentActivities, RawMessage } from './agent-activities.js';

type RawActivities = ReturnType<typeof createRawActivities>;
const RETRY = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' } as const;

// The same timeouts and retry as a Weft task's activity (workflows/run-context.ts).
const { callUrl, callUrlHeartbeating, computeFib } = proxyActivities<RawActivities>({ startToCloseTimeout: '30s', heartbeatTimeout: '10s', retry: RETRY });
const local = proxyLocalActivities<RawActivities>({ startToCloseTimeout: '30s', retry: RETRY });

/** Items per child workflow of a large fan-out: Weft's foreach batch size for one http task. */
const BATCH_ITEMS = 1000;

/** Calls `url` `steps` times, one activity after another. */
export async function rawChain(url: string, steps: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < steps; i++) total += (await callUrl(`${url}/${i}`)).status;
  return total;
}

/** rawChain with local activities. */
export async function rawChainBest(url: string, steps: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < steps; i++) total += (await local.callUrl(`${url}/${i}`)).status;
  return total;
}

/** The anchor chain (workload 18): `steps` activities one after another, each computing fib(n). */
export async function rawFibChain(steps: number, n: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < steps; i++) total += await computeFib(n);
  return total;
}

/** rawFibChain with local activities. */
export async function rawFibChainBest(steps: number, n: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < steps; i++) total += await local.computeFib(n);
  return total;
}

/** Calls `url` once per item, at most `concurrency` at once; past 1,000 items, in child workflows. */
export async function rawFanOut(url: string, items: number, concurrency: number, offset = 0): Promise<number> {
  if (items > BATCH_ITEMS) return batched('rawFanOut', url, items, concurrency);
  return lanes(items, concurrency, (i) => callUrl(`${url}/${offset + i}`));
}

/** rawFanOut with local activities. */
export async function rawFanOutBest(url: string, items: number, concurrency: number, offset = 0): Promise<number> {
  if (items > BATCH_ITEMS) return batched('rawFanOutBest', url, items, concurrency);
  return lanes(items, concurrency, (i) => local.callUrl(`${url}/${offset + i}`));
}

/** One call that heartbeats while it waits, as Weft's http task does (the recovery workload). */
export async function rawHeartbeatingCall(url: string): Promise<number> {
  return (await callUrlHeartbeating(url)).status;
}

async function lanes(items: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < items) {
      await call(next++);
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return done;
}

async function batched(type: 'rawFanOut' | 'rawFanOutBest', url: string, items: number, concurrency: number): Promise<number> {
  let done = 0;
  for (let offset = 0; offset < items; offset += BATCH_ITEMS) {
    const count = Math.min(BATCH_ITEMS, items - offset);
    done += await executeChild<typeof rawFanOut>(type, { args: [url, count, concurrency, offset] });
  }
  return done;
}

type RawAgentActivities = ReturnType<typeof createRawAgentActivities>;
const agent = proxyActivities<RawAgentActivities>({ startToCloseTimeout: '5m', heartbeatTimeout: '10s', retry: RETRY });

/**
 * Workload 14's baseline: an agent loop written by hand, one activity per model call and per
 * tool call, the conversation kept in the workflow; returns the model's answer.
 */
export async function rawAgentLoop(modelName: string, toolNames: string[], prompt: string, maxSteps: number): Promise<string> {
  const tools = await agent.rawListTools(toolNames);
  const messages: RawMessage[] = [{ role: 'user', content: prompt }];
  for (let steps = 0; ; ) {
    const reply = await agent.rawCallModel({ model: modelName, messages, tools });
    if (reply.toolCalls.length === 0) return reply.text;
    steps += reply.toolCalls.length;
    if (steps > maxSteps) throw new Error(`more than ${maxSteps} tool calls`);
    messages.push({
      role: 'assistant',
      content: reply.text,
      tool_calls: reply.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
    });
    for (const call of reply.toolCalls) messages.push({ role: 'tool', tool_call_id: call.id, content: await agent.rawCallTool(call) });
  }
}

/**
 * The bare ceiling for a limit's keeper (workload 13): one workflow that answers every `ask`
 * signal with a signal to its sender at once, as a keeper answers, with no line and no grants,
 * until `count` are answered.
 */
export async function rawSignalDesk(count: number): Promise<void> {
  let answered = 0;
  setHandler(defineSignal<[{ n: number; echoTo: string }]>('ask'), ({ n, echoTo }) => {
    void getExternalWorkflowHandle(echoTo)
      .signal('granted', n)
      .finally(() => {
        answered += 1;
      });
  });
  // Ends once every answer is out, so the bench waits on its result instead of polling.
  await condition(() => answered >= count);
}

/** The sink through which a stand-in gives its slots back (bench/harness.ts registers it). */
export interface BenchSlotSinks extends Sinks {
  benchSlots: { giveBack(keeperId: string, requestId: string): void };
}

const { benchSlots } = proxySinks<BenchSlotSinks>();

/**
 * A stand-in for runs holding a limit's slots (workload 13): every grant the keeper signals is
 * given back at once, the way a run gives back its flow slot: by its worker after the activation
 * (a sink calling giveSlotBack, as workflows/slot-release-sink.ts does). Grants the keeper gave as
 * an ask's reply never reach it (the bench gives those back), so the bench tells it by signal
 * `expect` how many will; it ends when it has had that many, so the bench waits on its result
 * instead of polling it.
 */
export async function rawSlotHolder(keeperId: string): Promise<number> {
  let granted = 0;
  let expected: number | undefined;
  setHandler(defineSignal<[number]>('expect'), (count) => {
    expected = count;
  });
  setHandler(defineSignal<[{ requestId: string; outcome: string }]>('slotAnswer'), ({ requestId, outcome }) => {
    if (outcome !== 'granted') return;
    granted += 1;
    benchSlots.giveBack(keeperId, requestId);
  });
  await condition(() => expected !== undefined && granted >= expected);
  return granted;
}

/**
 * The smallest keeper a Temporal user would write by hand (workload 13's baseline): `slots`
 * slots, asks by signal `ask` taken first in first out, each grant a signal to the asking
 * workflow (`slotAnswer`, as Weft's keeper answers), slots given back by signal (`release` or
 * `releaseMany`, the names Weft's keeper takes, so rawSlotHolder gives back the same way to both).
 * No batching of answers, no watch of holders, no continue-as-new: it ends after `total` slots
 * have come back.
 */
export async function rawKeeper(slots: number, total: number): Promise<void> {
  const waiting: Array<{ requestId: string; holder: string }> = [];
  let holding = 0;
  let returned = 0;
  const grant = (ask: { requestId: string; holder: string }) => {
    holding += 1;
    void getExternalWorkflowHandle(ask.holder).signal('slotAnswer', { requestId: ask.requestId, outcome: 'granted' });
  };
  const giveBack = (count: number) => {
    holding -= count;
    returned += count;
    while (holding < slots && waiting.length > 0) grant(waiting.shift() as { requestId: string; holder: string });
  };
  setHandler(defineSignal<[{ requestId: string; holder: string }]>('ask'), (ask) => {
    if (holding < slots && waiting.length === 0) grant(ask);
    else waiting.push(ask);
  });
  setHandler(defineSignal<[{ requestId: string }]>('release'), () => giveBack(1));
  setHandler(defineSignal<[{ requestIds: string[] }]>('releaseMany'), ({ requestIds }) => giveBack(requestIds.length));
  await condition(() => returned >= total);
}
