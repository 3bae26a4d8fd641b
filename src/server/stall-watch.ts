/**
 * Finds request bodies that stalled: a body the gateway is waiting for that has sent nothing for
 * `bodyStallMs`. One sweep a fraction of the limit apart looks at the bodies being waited for, rather
 * than a timer per request: a small request costs a Set entry and a clock read per chunk, not a timer
 * made and cleared (about 3× as much).
 */

/** A body being waited for. */
export interface Watched {
  /** When it last sent something (performance.now()). */
  since: number;
  /** It stalled: it is no longer watched. */
  onStall(ms: number): void;
}

export class StallWatch {
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | undefined;

  /** @param stallMs the limit in force (it may change with a reload) */
  constructor(private readonly stallMs: () => number) {}

  /** Starts watching `w`, from now. */
  watch(w: Watched): void {
    w.since = performance.now();
    this.watched.add(w);
    this.timer ??= this.schedule();
  }

  unwatch(w: Watched): void {
    this.watched.delete(w);
  }

  /** Stops the sweeps (the gateway closes). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The next sweep; sweeps go on while anything is watched (none runs on an idle gateway). */
  private schedule(): NodeJS.Timeout {
    return setTimeout(() => this.sweep(), sweepInterval(this.stallMs())).unref();
  }

  private sweep(): void {
    const limit = this.stallMs();
    const now = performance.now();
    for (const w of this.watched) {
      if (now - w.since < limit) continue;
      this.watched.delete(w);
      w.onStall(limit);
    }
    this.timer = this.watched.size ? this.schedule() : undefined;
  }
}

/** A quarter of the limit, between 10 ms and 1 s: a stall is seen at most a quarter late. */
function sweepInterval(stallMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(stallMs / 4)));
}
