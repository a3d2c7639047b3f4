// Named limits: set, remove and list them (CLI `weft limit`, MCP `list_limits` / `set_limit`),
// with the runs holding and waiting for each, read from the limit's keeper workflow. A new size
// reaches a running keeper by signal; a keeper that starts later reads it from the store.

import type { Client } from '@temporalio/client';
import { WeftError } from '../../core/errors.js';
import { type KeeperView, keeperId, LIMIT_KEEPER, LIMIT_NAME_PATTERN, type LimitTarget } from '../../core/runs/limit-types.js';
import type { FlowSpec } from '../../core/spec/flow-spec.js';
import { flowTasks } from '../../core/spec/flow-tasks.js';
import type { LimitStore } from './limit-store.js';

/** How long a keeper gets to answer who holds and waits (ms). */
const KEEPER_QUERY_MS = 5000;

/** Largest size a named limit may have. */
export const MAX_LIMIT_SIZE = 10_000;

/** Thrown when a limit name or size is not one `weft limit set` accepts. */
export class InvalidLimitError extends WeftError {
  constructor(message: string) {
    super('INVALID_LIMIT', message, { hint: 'name: letters, digits, "_", "." and "-", at most 64; limit: an integer from 1 to 10000' });
  }
}

/** Thrown when removing a limit that is not set. */
export class LimitNotFoundError extends WeftError {
  constructor(readonly limit: string) {
    super('LIMIT_NOT_FOUND', `limit ${limit} is not set`, { hint: 'list the limits that are set with weft limit list' });
  }
}

/** A named limit as every adapter shows it. */
export interface LimitView {
  name: string;
  /** Slots; null for a name some run waited on with no limit set (unlimited). */
  limit: number | null;
  inUse: number;
  waiting: number;
  /** Run ids holding a slot, oldest grant first. */
  holders: string[];
  /** Run ids waiting, first in line first. */
  waiters: string[];
}

/** How a keeper answers questions: the service's only use of Temporal. */
export interface KeeperLink {
  view(target: LimitTarget): Promise<KeeperView | undefined>;
  resize(target: LimitTarget, size: number | null): Promise<void>;
}

/** Reaches keepers on a task queue through a Temporal client. */
export function keeperLink(client: Client, taskQueue: string): KeeperLink {
  const handle = (target: LimitTarget) => client.workflow.getHandle(keeperId(target, taskQueue));
  const absent = (error: unknown) => {
    // No keeper runs for a limit nobody uses right now: nothing held, nobody waiting.
    if ((error as Error).name === 'WorkflowNotFoundError') return undefined;
    throw error;
  };
  return {
    // A keeper is asked with a deadline: with no worker up, nobody would answer.
    view: (target) =>
      client.connection.withDeadline(Date.now() + KEEPER_QUERY_MS, () => handle(target).query<KeeperView>(LIMIT_KEEPER.slotsQuery)).catch(absent),
    resize: (target, size) =>
      handle(target)
        .signal(LIMIT_KEEPER.resizeSignal, { size })
        .catch(absent)
        .then(() => undefined),
  };
}

export class LimitService {
  constructor(
    private readonly limits: LimitStore,
    private readonly keepers: () => Promise<KeeperLink>,
  ) {}

  async set(name: string, limit: number): Promise<LimitView> {
    checkName(name);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT_SIZE) {
      throw new InvalidLimitError(`limit of ${name} must be an integer from 1 to ${MAX_LIMIT_SIZE} (got ${limit})`);
    }
    await this.limits.set(name, limit);
    await (await this.keepers()).resize({ kind: 'named', name }, limit);
    return this.view(name, limit);
  }

  /** Removes a limit: its name is unlimited from now on, and every task waiting for it goes on. */
  async remove(name: string): Promise<void> {
    checkName(name);
    if (!(await this.limits.remove(name))) throw new LimitNotFoundError(name);
    await (await this.keepers()).resize({ kind: 'named', name }, null);
  }

  /** Every limit that is set (or the one named), with its holders and waiters. */
  async list(name?: string): Promise<LimitView[]> {
    if (name !== undefined) {
      checkName(name);
      const one = await this.limits.get(name);
      return one ? [await this.view(name, one.limit)] : [];
    }
    const all = await this.limits.list();
    return Promise.all(all.map((l) => this.view(l.name, l.limit)));
  }

  /** Validation warnings for the flow's limit names that have no limit set (a typo would be unlimited). */
  async warnings(flow: FlowSpec): Promise<Array<{ path: string; message: string }>> {
    const named = [...flowTasks(flow)].flatMap(({ task, path }) => (task.limits ?? []).map((name, i) => ({ name, path: `${path}.limits[${i}]` })));
    if (named.length === 0) return [];
    const set = new Set((await this.limits.list()).map((l) => l.name));
    return named
      .filter(({ name }) => !set.has(name))
      .map(({ name, path }) => ({ path, message: `limit ${name} is not set, so it is unlimited; set it with weft limit set ${name} <n>` }));
  }

  private async view(name: string, limit: number): Promise<LimitView> {
    const view = await (await this.keepers()).view({ kind: 'named', name });
    return {
      name,
      limit,
      inUse: view?.holders.length ?? 0,
      waiting: view?.queue.length ?? 0,
      holders: [...new Set(view?.holders.map((h) => h.runId) ?? [])],
      waiters: [...new Set(view?.queue.map((q) => q.runId) ?? [])],
    };
  }
}

function checkName(name: string): void {
  if (!LIMIT_NAME_PATTERN.test(name)) throw new InvalidLimitError(`limit name ${JSON.stringify(name)} must be letters, digits, "_", "." and "-", at most 64`);
}
