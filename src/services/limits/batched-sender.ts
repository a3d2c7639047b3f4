// Messages of one process to one keeper, sent together under load: a message goes at once while
// fewer than `inFlight` sends are under way; past that, messages wait and the next send takes
// all of them (up to `maxBatch`). An idle keeper costs a message no wait; a busy one gets one
// signal or update for many runs instead of one each, which is what bounds a keeper's grants
// per second (Temporal takes each message into the keeper's history on its own).

/** Sends `items` as one message; resolves to one result per item, in order. */
export type SendBatch<T, R> = (items: T[]) => Promise<R[]>;

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export class BatchedSender<T, R> {
  private readonly waiting: Waiting<T, R>[] = [];
  private sending = 0;

  constructor(
    private readonly send: SendBatch<T, R>,
    private readonly inFlight: number,
    private readonly maxBatch: number,
    /** Called when nothing waits and nothing is being sent, so an owner can drop the sender. */
    private readonly onIdle: () => void = () => {},
  ) {}

  /** Sends `item` with whatever else is waiting; a failed send fails every item it carried. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.sending < this.inFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.sending += 1;
      this.send(batch.map((w) => w.item))
        .then(
          (results) => {
            for (const [i, w] of batch.entries()) w.resolve(results[i] as R);
          },
          (error: unknown) => {
            for (const w of batch) w.reject(error);
          },
        )
        .finally(() => {
          this.sending -= 1;
          this.pump();
          if (this.sending === 0 && this.waiting.length === 0) this.onIdle();
        });
    }
  }
}

/** One sender per key (a keeper's workflow id), dropped when idle so a process keeps none it no longer uses. */
export class BatchedSenders<T, R> {
  private readonly senders = new Map<string, BatchedSender<T, R>>();

  constructor(
    private readonly send: (key: string, items: T[]) => Promise<R[]>,
    private readonly inFlight: number,
    private readonly maxBatch: number,
  ) {}

  add(key: string, item: T): Promise<R> {
    let sender = this.senders.get(key);
    if (!sender) {
      const created = new BatchedSender<T, R>(
        (items) => this.send(key, items),
        this.inFlight,
        this.maxBatch,
        () => {
          if (this.senders.get(key) === created) this.senders.delete(key);
        },
      );
      this.senders.set(key, created);
      sender = created;
    }
    return sender.add(item);
  }
}
