// Runs n jobs with at most `concurrency` at once, in index order. On the first failure no new
// job starts; jobs in flight finish, then the first failure is rethrown. Deterministic.

/**
 * `after(index)` runs in the lane as soon as job `index` has succeeded: bookkeeping there costs
 * no promise of its own, where wrapping the job in an async function would cost two.
 */
export async function runPool(n: number, concurrency: number, job: (index: number) => Promise<void>, after?: (index: number) => void): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < n && !failure) {
      const index = next++;
      try {
        await job(index);
        after?.(index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, n)) }, lane));
  if (failure) throw failure.error;
}
