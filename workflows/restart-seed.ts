// The workflow side of a restart (flow-spec.md, Restart): the task runs the restarted run may
// reuse, matched by task run key and by the digest of the configuration the task renders now.
// A run that is not a restart has none of this: it issues exactly the commands it always did.

import { activityConfigDigest, iterationOfKey } from '../src/core/runs/restart-digest.js';
import type { RestartSeed, ReusableTaskRun, TaskRunRecord } from '../src/core/runs/run-types.js';

/** The reusable task runs of a restarted run, and which of them it reused. */
export class RestartBook {
  /** Reused task run keys, until the interpreter records them: key -> the run that ran the task. */
  private readonly reused = new Map<string, string>();

  constructor(readonly seed: RestartSeed) {}

  /**
   * The seeded task run under `key` when the task renders the same configuration as the run that
   * ran it (`digest` is only computed when there is one), noted as reused; else undefined.
   */
  match(key: string, digest: () => string): ReusableTaskRun | undefined {
    const entry = Object.hasOwn(this.seed.reuse, key) ? this.seed.reuse[key] : undefined;
    if (!entry || entry.digest !== digest()) return undefined;
    this.reused.set(key, entry.reusedFrom);
    return entry;
  }

  /**
   * An activity proxy whose call answers the seeded output, without scheduling the activity,
   * when the input renders the same configuration. Only a first attempt: a retry means it ran.
   */
  activities<T extends object>(acts: T, key: string, attempt: number): T {
    if (attempt !== 1 || !Object.hasOwn(this.seed.reuse, key)) return acts;
    return new Proxy(acts, {
      get: (target, name) => {
        const call = Reflect.get(target, name) as (input: unknown) => Promise<unknown>;
        return (input: unknown) => {
          const entry = this.match(key, () => activityConfigDigest(input));
          return entry ? Promise.resolve(entry.output) : call(input);
        };
      },
    });
  }

  /**
   * Marks a completed task run as reused when it was: COMPLETED with `reusedFrom`, none of what
   * the reused answer said about the run that made it (cache hit, tokens). Returns `reusedFrom`.
   */
  markReused(key: string, record: TaskRunRecord): string | undefined {
    const from = this.reused.get(key);
    if (from === undefined) return undefined;
    this.reused.delete(key);
    record.reusedFrom = from;
    delete record.cached;
    delete record.cachedFrom;
    delete record.usage;
    return from;
  }

  /** The part of the seed a foreach batch needs: its iterations under `prefix`, `offset` to `offset + count`. */
  forBatch(prefix: readonly number[], offset: number, count: number): RestartSeed {
    const reuse: Record<string, ReusableTaskRun> = {};
    for (const [key, entry] of Object.entries(this.seed.reuse)) {
      const iteration = iterationOfKey(key);
      if (!iteration || iteration.length <= prefix.length || prefix.some((v, i) => iteration[i] !== v)) continue;
      const index = iteration[prefix.length] as number;
      if (index >= offset && index < offset + count) reuse[key] = entry;
    }
    return { ...this.seed, reuse };
  }
}
