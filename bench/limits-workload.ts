// Workload 13: what flow concurrency costs. A one-task run under `concurrency: { limit: 1 }`
// against the same flow without a limit, one run at a time in ABBA order, so the slot is always
// free and the difference is the grant and the release (target: at most 15 ms added at p50).
// Then a burst of runs started at once under `limit: 50`, where every run asks its flow's
// keeper: runs per second against the same burst without a limit (what a user sees; runs, not
// the keeper, bound it on a small machine). Then the keeper alone, fed faster than runs could
// feed it: grants per second (keeperGrants, target: at least 200), against a keeper written by hand
// on bare Temporal.

import { randomUUID } from 'node:crypto';
import { keeperId, type LimitTarget, type SlotRequest } from '../src/core/runs/limit-types.js';
import { askKeeper, giveSlotBackTo } from '../src/services/limits/keeper-client.js';
import { alternate, type Harness } from './harness.js';
import type { Measure } from './measure.js';
import { spreadOf } from './measure.js';
import { flow, type Pace, runWeft } from './workloads.js';

const ADDED_TARGET_MS = 15;
const GRANTS_TARGET = 200;
const BURST_LIMIT = 50;

function oneTaskFlow(id: string, url: string, concurrency?: number) {
  const limit = concurrency ? `concurrency: { limit: ${concurrency} }\n` : '';
  return flow(`id: ${id}\nnamespace: bench\n${limit}tasks:\n  - { id: get, type: http, url: "${url}/limit" }\n`);
}

/** Starts `runs` runs of `spec` at once and waits for all of them to complete. */
async function burst(h: Harness, spec: ReturnType<typeof flow>, runs: number): Promise<void> {
  await Promise.all(Array.from({ length: runs }, () => runWeft(h, spec)));
}

export async function limitCost(h: Harness, options: { runs: number; burstRuns: number; bursts: number; pace: Pace }): Promise<Measure[]> {
  const limited = oneTaskFlow('limited', h.url, 1);
  const free = oneTaskFlow('unlimited', h.url);
  const single = await alternate(options.runs, { weft: () => runWeft(h, limited), raw: () => runWeft(h, free) }, options.pace.settleMs);
  const wide = oneTaskFlow('limited-wide', h.url, BURST_LIMIT);
  const bursts = await alternate(
    options.bursts,
    { weft: () => burst(h, wide, options.burstRuns), raw: () => burst(h, free, options.burstRuns) },
    options.pace.settleMs * 5,
  );
  const withLimit = spreadOf(single.weft.ms);
  const without = spreadOf(single.raw.ms);
  const grants = (s: typeof bursts.weft) => spreadOf(s.ms.map((ms) => options.burstRuns / (ms / 1000)));
  const limitedRate = grants(bursts.weft);
  const freeRate = grants(bursts.raw);
  return [
    {
      workload: `13 one-task run under limit 1, slot free (${options.runs} a side)`,
      weft: withLimit.median,
      raw: without.median,
      unit: `ms p50, raw column: no limit; weft - raw = added (target <= ${ADDED_TARGET_MS})`,
      spread: { weft: withLimit, raw: without },
    },
    {
      workload: `13 ${options.burstRuns} runs at once under limit ${BURST_LIMIT} (${options.bursts} bursts)`,
      weft: limitedRate.median,
      raw: freeRate.median,
      unit: 'runs/s, raw column: the same burst without a limit',
      spread: { weft: limitedRate, raw: freeRate },
    },
  ];
}

/** Slots of the keeper under test: few, so nearly every request waits in line. */
const KEEPER_SLOTS = 10;
/** Requests in flight at once from the bench, as many runs asking at the same time would be. */
const ASKING_AT_ONCE = 50;
/** Workflows that stand for the asking runs: each gives a slot back as soon as it is granted. */
const STAND_INS = 8;

/**
 * A keeper's grants per second under contention: `requests` requests for KEEPER_SLOTS slots,
 * ASKING_AT_ONCE at a time, through Weft's keeper and through the smallest keeper written by hand
 * on bare Temporal (bench/raw rawKeeper), in `rounds` rounds of both in ABBA order, the same
 * stand-ins for the asking runs on both sides. The best column is a bare workflow that answers
 * every ask by signal to a workflow that never wakes (bench/raw rawSignalDesk): the most signals
 * in and out Temporal takes here, a ceiling no keeper whose runs wake on their grant can reach.
 */
export async function keeperGrants(h: Harness, requests: number, rounds: number): Promise<Measure> {
  const weft: number[] = [];
  const raw: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const sides = [() => weftKeeperRound(h, requests).then((r) => weft.push(r)), () => rawKeeperRound(h, requests).then((r) => raw.push(r))];
    for (const side of round % 2 === 0 ? sides : sides.reverse()) await side();
  }
  const weftSpread = spreadOf(weft);
  const rawSpread = spreadOf(raw);
  return {
    workload: `13 one keeper, ${requests} requests for ${KEEPER_SLOTS} slots, ${ASKING_AT_ONCE} asking at once (${rounds} rounds)`,
    weft: weftSpread.median,
    raw: rawSpread.median,
    rawBest: await bareDesk(h, requests),
    unit: `grants/s, raw column: a keeper written by hand on bare Temporal, best: a bare workflow answering asks whose senders never wake (target >= ${GRANTS_TARGET})`,
    spread: { weft: weftSpread, raw: rawSpread },
  };
}

/** The stand-ins for `requests` asking runs (bench/raw rawSlotHolder), giving slots back to `keeperWorkflowId`. */
function standIns(h: Harness, id: string, keeperWorkflowId: string) {
  return Promise.all(
    Array.from({ length: STAND_INS }, (_, i) =>
      h.client.workflow.start('rawSlotHolder', { taskQueue: h.rawQueue, workflowId: `bench-holder-${id}-${i}`, args: [keeperWorkflowId] }),
    ),
  );
}

/**
 * One round through Weft's keeper: requests reach it as runs send them (askKeeper: by update,
 * those beyond a few in flight together), and the stand-ins give each slot granted by signal back
 * the moment it arrives, through a sink as a run's worker gives back its flow slot
 * (giveSlotBack); a slot granted as an ask's reply the bench gives back itself, the same way.
 * Each stand-in ends once it has had its share, so nothing polls while the keeper works.
 */
async function weftKeeperRound(h: Harness, requests: number): Promise<number> {
  const id = randomUUID();
  const target: LimitTarget = { kind: 'flow', flow: `bench/keeper-${id}` };
  const keeper = h.client.workflow.getHandle(keeperId(target, h.weftQueue));
  const holders = await standIns(h, id, keeper.workflowId);
  // Request n goes to holder n % STAND_INS; how many of each holder's grants come by signal.
  const bySignal = Array.from({ length: STAND_INS }, () => 0);
  const ask = async (n: number): Promise<void> => {
    const request: SlotRequest = {
      requestId: `${id}|${n}`,
      runId: holders[n % STAND_INS]?.workflowId ?? '',
      startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n)).toISOString(),
      onLimit: 'queue',
      size: KEEPER_SLOTS,
    };
    // What a run's askSlot step sends (activities/limit-activities.ts).
    const reply = await askKeeper(h.client, h.weftQueue, target, request);
    if (reply === 'granted') await giveSlotBackTo(h.client, keeper.workflowId, request.requestId);
    else bySignal[n % STAND_INS] = (bySignal[n % STAND_INS] ?? 0) + 1;
  };
  const started = performance.now();
  await askAll(requests, ask);
  await Promise.all(holders.map((holder, i) => holder.signal('expect', bySignal[i] ?? 0)));
  // Every request granted and given back: each holder ends when it has given back its share.
  await Promise.all(holders.map((holder) => holder.result()));
  return requests / ((performance.now() - started) / 1000);
}

/**
 * One round through the hand-written keeper: each ask a signal-with-start, each grant a signal to
 * its stand-in, which gives it back as it does to Weft's keeper. Every grant comes by signal, so
 * each stand-in knows its share before the round starts.
 */
async function rawKeeperRound(h: Harness, requests: number): Promise<number> {
  const id = randomUUID();
  const keeperWorkflowId = `bench-raw-keeper-${id}`;
  const holders = await standIns(h, id, keeperWorkflowId);
  await Promise.all(holders.map((holder, i) => holder.signal('expect', Math.floor(requests / STAND_INS) + (i < requests % STAND_INS ? 1 : 0))));
  const started = performance.now();
  await askAll(requests, (n) =>
    h.client.workflow.signalWithStart('rawKeeper', {
      workflowId: keeperWorkflowId,
      taskQueue: h.rawQueue,
      args: [KEEPER_SLOTS, requests],
      signal: 'ask',
      signalArgs: [{ requestId: `${id}|${n}`, holder: holders[n % STAND_INS]?.workflowId ?? '' }],
    }),
  );
  await h.client.workflow.getHandle(keeperWorkflowId).result();
  await Promise.all(holders.map((holder) => holder.result()));
  return requests / ((performance.now() - started) / 1000);
}

/** Sends `count` asks, ASKING_AT_ONCE at a time. */
async function askAll(count: number, ask: (n: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: ASKING_AT_ONCE }, async () => {
      while (next < count) await ask(next++);
    }),
  );
}

/** Requests per second one bare workflow takes and answers by signal (bench/raw rawSignalDesk): the ceiling any keeper has. */
async function bareDesk(h: Harness, count: number): Promise<number> {
  const desk = h.client.workflow.getHandle(`bench-desk-${randomUUID()}`);
  const echoTo = await h.client.workflow.start('benchStandIn', {
    taskQueue: `bench-nobody-${randomUUID()}`,
    workflowId: `bench-echo-${randomUUID()}`,
    args: [],
  });
  const started = performance.now();
  await askAll(count, (n) =>
    h.client.workflow.signalWithStart('rawSignalDesk', {
      workflowId: desk.workflowId,
      taskQueue: h.rawQueue,
      args: [count],
      signal: 'ask',
      signalArgs: [{ n, echoTo: echoTo.workflowId }],
    }),
  );
  // Answered when the desk has sent every echo: it ends then.
  await desk.result();
  const seconds = (performance.now() - started) / 1000;
  await echoTo.terminate('bench done');
  return count / seconds;
}
