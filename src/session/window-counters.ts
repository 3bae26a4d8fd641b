/**
 * Fixed-window counters in this process's memory: the throttle's counts with the memory store, and
 * each Redis node's own counts while Redis is away. The same rule as the Redis script (redis-client.ts,
 * `moorHit`), which is WSO2's caller rule (a window opens at a caller's first request and lasts the
 * unit time; past the maximum the caller waits out the window, or the prohibit time from its first
 * rejection when one is given; then the next request opens a new window).
 */
import { type Clock, systemClock } from './clock.ts';
import { type CounterHit, type CounterRule } from './store.ts';

interface Window {
  count: number;
  /** Epoch ms at which the window (or the prohibition) ends and the counter is gone. */
  endsAt: number;
}

export class WindowCounters {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly clock: Clock = systemClock) {}

  /** Counts one request against `key` under `rule`. */
  hit(key: string, rule: CounterRule): CounterHit {
    const now = this.clock.now();
    let w = this.windows.get(key);
    if (!w || w.endsAt <= now) {
      w = { count: 0, endsAt: now + rule.windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    if (w.count === rule.max + 1 && rule.prohibitMs > 0) w.endsAt = now + rule.prohibitMs;
    return { count: w.count, resetInMs: w.endsAt - now };
  }

  /** Drops the windows that have ended (called by the store's sweep, so memory follows live callers). */
  sweep(): void {
    const now = this.clock.now();
    for (const [key, w] of this.windows) if (w.endsAt <= now) this.windows.delete(key);
  }

  /** Live windows (tests). */
  get size(): number {
    return this.windows.size;
  }
}
