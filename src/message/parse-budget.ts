/**
 * The bound on message bytes held parsed as trees at one moment, across all requests of the process.
 * A tree costs a few times (the compact form of read-only routes) to tens of times (xmldom's DOM) the
 * bytes it was parsed from (docs/hostile-input.md gives the measured factors), so a few concurrent
 * large messages could otherwise exhaust the heap. A message that would
 * go over the budget waits its turn (first come, first served) while no more than one budget's worth of
 * bytes waits; beyond that it is refused at once (MOOR_ERR_BUSY, 503), so waiting cannot pile up either.
 * A lease ends with its message's exchange, or when its tree is collected, whichever comes first.
 */
import { MoorError } from '../errors.ts';
import { type MessageAbort } from './abort.ts';

/** A share of the budget, given back once. */
export interface ParseLease {
  release(): void;
}

interface Waiter {
  readonly bytes: number;
  readonly grant: (lease: ParseLease) => void;
  readonly refuse: (e: unknown) => void;
}

export class ParseBudget {
  private used = 0;
  private waitingBytes = 0;
  private readonly queue: Waiter[] = [];

  constructor(private capacity: number) {}

  /** Bytes held now (tests, metrics). */
  get inUse(): number {
    return this.used;
  }

  /** Messages waiting for a share (tests, metrics). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Sets the budget (the gateway's configured limit); waiters that now fit go ahead. */
  resize(capacity: number): void {
    this.capacity = capacity;
    this.drain();
  }

  /**
   * A share of `bytes`: at once when it fits, else after the messages before it were done. Rejects
   * with MOOR_ERR_BUSY when too much already waits, and with the abort's reason when the message is
   * aborted while it waits.
   */
  acquire(bytes: number, abort?: MessageAbort): ParseLease | Promise<ParseLease> {
    const n = Math.min(bytes, this.capacity);
    if (this.queue.length === 0 && this.used + n <= this.capacity) return this.lease(n);
    if (this.waitingBytes + n > this.capacity) {
      return Promise.reject(new MoorError('MOOR_ERR_BUSY', `the gateway holds as many parsed messages as its parse budget (${this.capacity} bytes) allows, and as many wait: try again later`));
    }
    return new Promise<ParseLease>((grant, refuse) => {
      const waiter: Waiter = { bytes: n, grant, refuse };
      this.queue.push(waiter);
      this.waitingBytes += n;
      abort?.subscribe({
        onAbort: (reason) => {
          const i = this.queue.indexOf(waiter);
          if (i < 0) return;
          this.queue.splice(i, 1);
          this.waitingBytes -= n;
          refuse(reason);
          this.drain();
        },
      });
    });
  }

  private lease(n: number): ParseLease {
    this.used += n;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.used -= n;
        this.drain();
      },
    };
  }

  private drain(): void {
    while (this.queue.length && this.used + this.queue[0]!.bytes <= this.capacity) {
      const w = this.queue.shift()!;
      this.waitingBytes -= w.bytes;
      w.grant(this.lease(w.bytes));
    }
  }
}

/** The process's budget (the heap is the process's); the gateway sets its size from its limits. */
export const parseBudget = new ParseBudget(32 * 1024 * 1024);

/** Leases whose tree was collected before its exchange ended are given back then. */
const collected = new FinalizationRegistry<ParseLease>((lease) => lease.release());

/** Ties `lease` to `tree`: it is released when the tree is collected, if nothing released it before. */
export function holdWhileAlive(tree: object, lease: ParseLease): void {
  collected.register(tree, lease);
}
