/**
 * The embedded binding table. Expired entries are dropped when read and swept periodically, so memory
 * stays bounded by the live sessions. The bindings live in a BindingTable (typed arrays and a byte
 * arena, no object per binding): what a million sessions cost is in docs/benchmarks.md.
 */
import { BindingTable } from './binding-table.ts';
import { type Clock, systemClock } from './clock.ts';
import { type Binding, type BindingCounts, type BindingFilter, type BindingPage, type CounterHit, type CounterRule, type Expiry, matchesFilter, type SessionStore, tally } from './store.ts';
import { WindowCounters } from './window-counters.ts';

export class MemoryStore implements SessionStore {
  private readonly table = new BindingTable();
  private readonly counters: WindowCounters;
  private readonly sweeper: NodeJS.Timeout | undefined;
  readonly health = 'ok' as const;

  constructor(private readonly clock: Clock = systemClock, sweepEveryMs = 30_000) {
    this.counters = new WindowCounters(clock);
    if (sweepEveryMs > 0) {
      this.sweeper = setInterval(() => {
        this.table.sweep(this.clock.now());
        this.counters.sweep();
      }, sweepEveryMs);
      this.sweeper.unref();
    }
  }

  /** (Not async: the table answers at once, and the router need not wait a turn for it.) */
  get(key: string, expiry: Expiry, ttlMs: number): Binding | undefined {
    const now = this.clock.now();
    const e = this.live(key, now);
    if (e < 0) return undefined;
    if (expiry === 'sliding') this.table.refresh(e, now + ttlMs);
    return this.bindingOf(key, e);
  }

  async claim(key: string, endpoint: string, ttlMs: number): Promise<Binding> {
    const now = this.clock.now();
    const held = this.live(key, now);
    if (held >= 0) return this.bindingOf(key, held);
    this.table.set(key, endpoint, now + ttlMs);
    return { key, endpoint, expiresAt: now + ttlMs };
  }

  async rebind(key: string, from: string, to: string, ttlMs: number): Promise<Binding> {
    const now = this.clock.now();
    const held = this.live(key, now);
    if (held >= 0 && this.table.endpointOf(held) !== from) return this.bindingOf(key, held);
    this.table.set(key, to, now + ttlMs);
    return { key, endpoint: to, expiresAt: now + ttlMs };
  }

  async delete(key: string): Promise<void> {
    this.table.delete(key);
  }

  async hit(key: string, rule: CounterRule): Promise<CounterHit> {
    return this.counters.hit(key, rule);
  }

  async list(filter: BindingFilter, limit: number): Promise<BindingPage> {
    const now = this.clock.now();
    const bindings: Binding[] = [];
    for (const b of this.table.entries()) {
      if (b.expiresAt <= now || !matchesFilter(b, filter)) continue;
      if (bindings.length === limit) return { bindings, truncated: true };
      bindings.push(b);
    }
    return { bindings, truncated: false };
  }

  async count(limit: number): Promise<BindingCounts> {
    const now = this.clock.now();
    const byGroup: Record<string, number> = {};
    const byEndpoint: Record<string, number> = {};
    let seen = 0;
    for (const b of this.table.entries()) {
      if (b.expiresAt <= now) continue;
      if (seen++ === limit) return { byGroup, byEndpoint, truncated: true };
      tally(b, byGroup, byEndpoint);
    }
    return { byGroup, byEndpoint, truncated: false };
  }

  /** Sets a binding as given, expiry included (a mirror of a binding held elsewhere). */
  put(binding: Binding): void {
    this.table.set(binding.key, binding.endpoint, binding.expiresAt);
  }

  /** Every live binding. */
  entries(): Binding[] {
    this.table.sweep(this.clock.now());
    return [...this.table.entries()];
  }

  /** Number of live bindings (metrics, tests). */
  get size(): number {
    this.table.sweep(this.clock.now());
    return this.table.size;
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  /** The entry of `key` unless it has expired by `now` (then it is dropped); -1 when there is none. */
  private live(key: string, now: number): number {
    const e = this.table.find(key);
    if (e >= 0 && this.table.expiryOf(e) <= now) {
      this.table.delete(key);
      return -1;
    }
    return e;
  }

  /** A copy of entry `e` of `key`: what a caller holds does not change when the entry is refreshed. */
  private bindingOf(key: string, e: number): Binding {
    return { key, endpoint: this.table.endpointOf(e), expiresAt: this.table.expiryOf(e) };
  }
}
