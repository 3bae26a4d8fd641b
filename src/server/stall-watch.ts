/**
 * Finds request bodies that are too slow: a body the gateway is waiting for that has sent nothing for
 * `bodyStallMs`, or that the gateway has waited for `bodyTimeoutMs` in all (a body trickling one byte
 * just inside the stall limit would otherwise hold its connection, and the backend request it feeds,
 * for as long as the client likes). One sweep a fraction of the stall limit apart looks at the bodies
 * being waited for, rather than a timer per request: a small request costs a Set entry and a clock read
 * per chunk, not a timer made and cleared (about 3× as much).
 *
 * Only time in which the gateway waits counts, for both limits: while it does not read (the backend is
 * slow to take the body) the client is not to blame.
 */

/** Which limit a body went past. */
export type BodySlowness = 'stall' | 'total';

/** A body being waited for. */
export interface Watched {
  /** When it last sent something (performance.now()). */
  since: number;
  /** Time waited for it in earlier waits (ms); the watch keeps it. */
  waited?: number;
  /** When the current wait began; the watch keeps it. */
  began?: number;
  /** It went past a limit (`ms`): it is no longer watched. */
  onStall(ms: number, limit: BodySlowness): void;
}

/** The limits in force (they may change with a reload). */
export interface BodyTimeLimits {
  readonly bodyStallMs: number;
  readonly bodyTimeoutMs: number;
}

export class StallWatch {
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly limits: () => BodyTimeLimits) {}

  /** Starts watching `w`, from now. */
  watch(w: Watched): void {
    w.since = w.began = performance.now();
    this.watched.add(w);
    this.timer ??= this.schedule();
  }

  unwatch(w: Watched): void {
    if (this.watched.delete(w)) w.waited = (w.waited ?? 0) + performance.now() - (w.began ?? 0);
  }

  /** Stops the sweeps (the gateway closes). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The next sweep; sweeps go on while anything is watched (none runs on an idle gateway). */
  private schedule(): NodeJS.Timeout {
    const { bodyStallMs, bodyTimeoutMs } = this.limits();
    return setTimeout(() => this.sweep(), sweepInterval(Math.min(bodyStallMs, bodyTimeoutMs))).unref();
  }

  private sweep(): void {
    const { bodyStallMs, bodyTimeoutMs } = this.limits();
    const now = performance.now();
    for (const w of this.watched) {
      const limit: BodySlowness | undefined = now - w.since >= bodyStallMs ? 'stall' : (w.waited ?? 0) + now - (w.began ?? now) >= bodyTimeoutMs ? 'total' : undefined;
      if (!limit) continue;
      this.watched.delete(w);
      w.onStall(limit === 'stall' ? bodyStallMs : bodyTimeoutMs, limit);
    }
    this.timer = this.watched.size ? this.schedule() : undefined;
  }
}

/** A quarter of the limit, between 10 ms and 1 s: a slow body is seen at most a quarter late. */
function sweepInterval(limitMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(limitMs / 4)));
}
