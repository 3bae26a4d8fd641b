/**
 * The operations of one event-loop turn, sent together at its end: a store across a process or
 * network boundary (the IPC store of --workers, Redis) writes them in one message or pipeline, and
 * reads their answers in one, where a write per operation would cost each routed request as much as
 * its own HTTP exchange.
 */
export class TurnBatch<T> {
  private items: T[] = [];

  /** `send` takes each turn's items, in the order they were added, once the turn's work is done. */
  constructor(private readonly send: (items: T[]) => void) {}

  /** Adds `item` to this turn's batch (the first one of a turn schedules the send). */
  add(item: T): void {
    if (this.items.push(item) === 1) setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    const items = this.items;
    this.items = [];
    this.send(items);
  };
}
