// At most N calls at once per provider across one worker, so a `foreach` of 50 model steps
// does not trip the provider's rate limits. Waiters are served in arrival order.

export class ConcurrencyLimit {
  private readonly active = new Map<string, number>();
  private readonly queues = new Map<string, Array<() => void>>();

  async run<T>(key: string, limit: number, work: () => Promise<T>): Promise<T> {
    await this.acquire(key, limit);
    try {
      return await work();
    } finally {
      this.release(key);
    }
  }

  private acquire(key: string, limit: number): Promise<void> {
    const active = this.active.get(key) ?? 0;
    if (active < limit) {
      this.active.set(key, active + 1);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const queue = this.queues.get(key) ?? [];
      queue.push(resolve);
      this.queues.set(key, queue);
    });
  }

  private release(key: string): void {
    const next = this.queues.get(key)?.shift();
    // The slot passes straight to the next waiter; the count stays the same.
    if (next) next();
    else this.active.set(key, (this.active.get(key) ?? 1) - 1);
  }
}
