// Runs n jobs with at most `concurrency` at once, in index order. On the first failure no new
// job starts; jobs in flight finish, then the first failure is rethrown. Deterministic.

export async function runPool(n: number, concurrency: number, job: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < n && !failure) {
      const index = next++;
      try {
        await job(index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, n)) }, lane));
  if (failure) throw failure.error;
}
