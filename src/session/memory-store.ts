/**
 * The embedded binding table. Expired entries are dropped when read and swept periodically, so memory
 * stays bounded by the live sessions.
 */
import { type Clock, systemClock } from './clock.ts';
import { type Binding, type BindingCounts, type BindingFilter, type BindingPage, type Expiry, matchesFilter, type SessionStore, tally } from './store.ts';

/** A binding as the table holds it: refreshed in place, so a sliding session costs no new object per use. */
interface Entry {
  readonly key: string;
  readonly endpoint: string;
  expiresAt: number;
}

export class MemoryStore implements SessionStore {
  private readonly table = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout | undefined;
  readonly health = 'ok' as const;

  constructor(private readonly clock: Clock = systemClock, sweepEveryMs = 30_000) {
    if (sweepEveryMs > 0) {
      this.sweeper = setInterval(() => this.sweep(), sweepEveryMs);
      this.sweeper.unref();
    }
  }

  /** (Not async: the table answers at once, and the router need not wait a turn for it.) */
  get(key: string, expiry: Expiry, ttlMs: number): Binding | undefined {
    const now = this.clock.now();
    const b = this.live(key, now);
    if (!b) return undefined;
    if (expiry === 'sliding') b.expiresAt = now + ttlMs;
    return copyOf(b);
  }

  async claim(key: string, endpoint: string, ttlMs: number): Promise<Binding> {
    const held = this.live(key);
    if (held) return copyOf(held);
    const b = { key, endpoint, expiresAt: this.clock.now() + ttlMs };
    this.table.set(key, b);
    return copyOf(b);
  }

  async rebind(key: string, from: string, to: string, ttlMs: number): Promise<Binding> {
    const held = this.live(key);
    if (held && held.endpoint !== from) return copyOf(held);
    const b = { key, endpoint: to, expiresAt: this.clock.now() + ttlMs };
    this.table.set(key, b);
    return copyOf(b);
  }

  async delete(key: string): Promise<void> {
    this.table.delete(key);
  }

  async list(filter: BindingFilter, limit: number): Promise<BindingPage> {
    const now = this.clock.now();
    const bindings: Binding[] = [];
    for (const b of this.table.values()) {
      if (b.expiresAt <= now || !matchesFilter(b, filter)) continue;
      if (bindings.length === limit) return { bindings, truncated: true };
      bindings.push(copyOf(b));
    }
    return { bindings, truncated: false };
  }

  async count(limit: number): Promise<BindingCounts> {
    const now = this.clock.now();
    const byGroup: Record<string, number> = {};
    const byEndpoint: Record<string, number> = {};
    let seen = 0;
    for (const b of this.table.values()) {
      if (b.expiresAt <= now) continue;
      if (seen++ === limit) return { byGroup, byEndpoint, truncated: true };
      tally(b, byGroup, byEndpoint);
    }
    return { byGroup, byEndpoint, truncated: false };
  }

  /** Sets a binding as given, expiry included (a mirror of a binding held elsewhere). */
  put(binding: Binding): void {
    this.table.set(binding.key, copyOf(binding));
  }

  /** Every live binding. */
  entries(): Binding[] {
    this.sweep();
    return [...this.table.values()].map(copyOf);
  }

  /** Number of live bindings (metrics, tests). */
  get size(): number {
    this.sweep();
    return this.table.size;
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  /** The entry of `key` unless it has expired by `now` (then it is dropped). */
  private live(key: string, now = this.clock.now()): Entry | undefined {
    const b = this.table.get(key);
    if (b && b.expiresAt <= now) {
      this.table.delete(key);
      return undefined;
    }
    return b;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [k, b] of this.table) if (b.expiresAt <= now) this.table.delete(k);
  }
}

/** A binding apart from the table's entry: what a caller holds does not change when the entry is refreshed. */
function copyOf(b: Binding): Entry {
  return { key: b.key, endpoint: b.endpoint, expiresAt: b.expiresAt };
}
