// Subscriptions to `weft://runs/{runId}`: while a session is subscribed, each change of the run's
// state or of one of its task runs' states sends `notifications/resources/updated`, so a client
// can follow a long run without calling get_run in a loop. Watching is polling through
// RunService, as waiting on a run is: 20 ms doubling to 250 ms, until the run ends, the client
// unsubscribes or the session closes.

import { setTimeout as delay } from 'node:timers/promises';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { RunNotFoundError, type RunService } from '../src/services/run-service.js';
import { auditedRead } from './access.js';
import { JsonRpcError, readOrNotFound } from './protocol-errors.js';
import type { ToolContext } from './tool-registry.js';
import { checkRunAccess } from './tools/run-tools.js';

/** Most runs one session watches at once: each costs a poll every 250 ms. */
export const MAX_SUBSCRIPTIONS_PER_SESSION = 32;
const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 250;
const RUN_URI = /^weft:\/\/runs\/([^/?#]+)$/;

/** Advertises `resources.subscribe` and serves subscribe and unsubscribe for run resources. */
export function registerSubscriptions(server: McpServer, ctx: ToolContext): void {
  server.server.registerCapabilities({ resources: { subscribe: true } });
  const watches = new Map<string, AbortController>();
  const stopAll = () => {
    for (const watch of watches.values()) watch.abort();
    watches.clear();
  };
  const closed = server.server.onclose;
  server.server.onclose = () => {
    closed?.();
    stopAll();
  };

  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    const { uri } = request.params;
    const runId = runIdOf(uri, 'resources/subscribe');
    if (watches.has(uri)) return {};
    if (watches.size >= MAX_SUBSCRIPTIONS_PER_SESSION) {
      throw new JsonRpcError(
        ErrorCode.InvalidParams,
        `resources/subscribe params.uri ${uri}: this session already watches ${watches.size} runs, the most one session may; unsubscribe from one first`,
      );
    }
    const first = await readOrNotFound(new URL(uri), async () => {
      await auditedRead(ctx.access, 'resource:weft://runs', { runId }, () => checkRunAccess(runId, ctx));
      return fingerprint(ctx.services.runs, runId);
    });
    // A run that has ended changes no more: the subscription is taken, and nothing will follow.
    if (first.ended) return {};
    const watch = new AbortController();
    watches.set(uri, watch);
    void watchRun(ctx.services.runs, runId, first.key, watch.signal, () => server.server.sendResourceUpdated({ uri })).finally(() => {
      if (watches.get(uri) === watch) watches.delete(uri);
    });
    return {};
  });

  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    const { uri } = request.params;
    runIdOf(uri, 'resources/unsubscribe');
    watches.get(uri)?.abort();
    watches.delete(uri);
    return {};
  });
}

/** The run id of a subscribable URI; anything else is refused naming what would be valid. */
function runIdOf(uri: string, method: string): string {
  const match = RUN_URI.exec(uri);
  if (!match?.[1]) {
    throw new JsonRpcError(
      ErrorCode.InvalidParams,
      `${method} params.uri must be weft://runs/<runId>, the resource that changes (got ${JSON.stringify(uri.slice(0, 100))})`,
    );
  }
  return decodeURIComponent(match[1]);
}

interface Fingerprint {
  /** Changes whenever the run's or one of its task runs' state does. */
  key: string;
  ended: boolean;
}

async function fingerprint(runs: RunService, runId: string): Promise<Fingerprint> {
  if (await runs.isClosed(runId)) return { key: 'ended', ended: true };
  // No worker answering for a moment is no change: the key stays what it was.
  const live = await runs.live(runId).catch(() => undefined);
  if (!live) return { key: '', ended: false };
  const tasks = live.tasks.map((t) => `${t.id}${t.iteration ? `[${t.iteration.join(',')}]` : ''}=${t.state}`);
  return { key: `${live.waiting ? 'WAITING' : 'RUNNING'};${tasks.join(';')}`, ended: false };
}

/** Polls the run and calls `notify` on each change, the last one when the run ends. */
async function watchRun(runs: RunService, runId: string, firstKey: string, signal: AbortSignal, notify: () => Promise<void>): Promise<void> {
  let last = firstKey;
  let pause = FIRST_POLL_MS;
  while (!signal.aborted) {
    await delay(pause, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) return;
    pause = Math.min(MAX_POLL_MS, pause * 2);
    let now: Fingerprint | undefined;
    try {
      now = await fingerprint(runs, runId);
    } catch (error) {
      // A run that no longer exists (retention) has nothing more to tell; other errors pass.
      if (error instanceof RunNotFoundError) return;
      continue;
    }
    if ((now.key === '' && !now.ended) || now.key === last) continue;
    const first = last === '';
    last = now.key;
    // The first state read after a worker failed to answer at subscribe time is the baseline.
    if (first && !now.ended) continue;
    // A session whose transport has gone cannot be told anything more.
    const told = await notify().then(
      () => true,
      () => false,
    );
    if (!told || now.ended) return;
  }
}
