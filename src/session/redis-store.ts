/**
 * Session bindings in Redis, shared by every gateway node that points at the same Redis: any node may
 * receive any message of a session and route it to the same endpoint.
 *
 * Each binding is one key, `<prefix><group>|<session key>` (redis-keys.ts), whose value is the
 * endpoint's stable id (`name@uri`) and whose Redis TTL is the session timeout. Every operation is one
 * Lua script on that one key (redis-client.ts; sent a turn at a time, redis-scripts.ts), so it is
 * atomic on a single server and on Redis Cluster alike:
 * - claim: `SET NX PX`, else the holder: the first node to bind a session wins everywhere;
 * - get: sliding expiry refreshes the TTL (`PEXPIRE`) in the same script, absolute expiry does not;
 * - rebind: compare-and-set, replacing the endpoint only if it is still `from` (or unbound), so nodes
 *   that see the same failure at once converge on one new endpoint.
 *
 * Redis unreachable (refused, closed, or slower than `timeoutMs`): the store turns `degraded` and
 * answers from its local table instead, which mirrors every binding this node has read or written
 * through Redis; bindings made meanwhile are made there. Nothing waits on a dead connection: no
 * offline queue, no retries per command, a timeout on each. When Redis answers again, the local table
 * is written back and the store is `ok` again (redis-fallback.ts).
 *
 * Durable mode (`?durable=1`): claims and moves go through a {@link DurableWriter} on a second
 * connection, and each returns with a `confirmed` promise that settles once a replica holds it; while
 * degraded, a binding missing from the local table is looked for on a replica ({@link ReplicaReads}).
 * docs/sessions.md states the guarantees.
 *
 * This file is the binding protocol and the connections; it imports the rest, and nothing of the
 * rest imports it.
 */
import { type Logger } from '../logging.ts';
import { type Clock, systemClock } from './clock.ts';
import { MemoryStore } from './memory-store.ts';
import { type Client, createClient, px, type ScriptName, withTimeout } from './redis-client.ts';
import { type DurabilityCounts, DurableWriter } from './redis-durable.ts';
import { RedisFallback } from './redis-fallback.ts';
import { COUNTER_PREFIX, groupPattern, LIST_SCAN_BOUND, scanBindings } from './redis-keys.ts';
import { ReplicaReads } from './redis-replicas.ts';
import { bindingOf, ScriptBatch } from './redis-scripts.ts';
import { type Binding, type BindingCounts, type BindingFilter, type BindingPage, type CounterHit, type CounterRule, type Expiry, matchesFilter, type SessionStore, tally, type Written } from './store.ts';
import { type RedisTarget } from './store-url.ts';

export interface RedisStoreOptions {
  readonly log: Logger;
  readonly clock?: Clock;
  /** How often a degraded store checks whether Redis answers again, when the connection looks open (ms). */
  readonly probeMs?: number;
  /** How long `connect` waits for Redis before starting degraded (ms). */
  readonly connectWaitMs?: number;
}

export class RedisStore implements SessionStore {
  /** Mirror of the bindings seen through Redis, and the table used while Redis is away. */
  private readonly local: MemoryStore;
  /** Which way the store answers (Redis, or the local table), and the way back to Redis. */
  private readonly fallback: RedisFallback;
  private closed = false;
  private readonly clock: Clock;
  private readonly client: Client;
  /** Durable mode: the connection whose writes are confirmed by WAIT. */
  private readonly durable: DurableWriter | undefined;
  /** Durable mode with Sentinel or Cluster: where a degraded node looks for a binding it never saw. */
  private readonly replicas: ReplicaReads | undefined;
  private readonly scripts: ScriptBatch;
  private onRecovered: (() => void) | undefined;

  private constructor(
    readonly target: RedisTarget,
    private readonly options: RedisStoreOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.local = new MemoryStore(this.clock);
    this.client = createClient(target);
    this.scripts = new ScriptBatch(this.client, target.timeoutMs);
    this.replicas = ReplicaReads.of(target, options.log);
    this.durable = target.durable ? new DurableWriter(createClient(target), { timeoutMs: target.timeoutMs, display: target.display, log: options.log }) : undefined;
    const clients = [this.client, ...(this.durable ? [this.durable.client] : [])];
    this.fallback = new RedisFallback({
      target,
      log: options.log,
      clock: this.clock,
      probeMs: options.probeMs,
      clients,
      local: this.local,
      scripts: this.scripts,
      recovered: () => {
        // (after a failover, the replica to read from in the next outage is another)
        void this.replicas?.refresh();
        this.onRecovered?.();
      },
    });
    for (const client of clients) {
      client.on('ready', () => void this.fallback.recover());
      client.on('close', () => this.fallback.degrade(new Error('connection closed')));
    }
    // ioredis reports every failed reconnection attempt; the transition is logged once, in degrade()
    this.client.on('error', (e: Error) => this.options.log.debug(`session store: ${target.display}: ${e.message}`, { component: 'session' }));
    this.durable?.client.on('error', (e: Error) => this.options.log.debug(`session store (confirmed writes): ${target.display}: ${e.message}`, { component: 'session' }));
  }

  /**
   * Connects to the Redis of `target` and resolves once it answers, or after `connectWaitMs` in
   * degraded mode (the gateway starts either way; the store switches to Redis when it answers).
   */
  static async connect(target: RedisTarget, options: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(target, options);
    const waitMs = options.connectWaitMs ?? 2000;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      store.onRecovered = () => {
        clearTimeout(timer);
        resolve();
      };
      void store.fallback.recover();
    });
    store.onRecovered = undefined;
    if (store.health !== 'ok') store.fallback.report('degraded', `Redis at ${target.display} does not answer; routing with this node's local bindings (and throttle counts) until it does`);
    return store;
  }

  readonly acrossNodes = true;

  get health(): 'ok' | 'degraded' {
    return this.fallback.state;
  }

  async get(key: string, expiry: Expiry, ttlMs: number): Promise<Binding | undefined> {
    if (this.health === 'ok') {
      try {
        const k = this.target.prefix + key;
        let b: Binding | undefined;
        if (expiry === 'sliding') {
          const v = (await this.run('moorGetSliding', k, px(ttlMs))) as string | null;
          b = v === null ? undefined : { key, endpoint: v, expiresAt: this.clock.now() + ttlMs };
        } else {
          const r = (await this.run('moorGetAbsolute', k)) as [string, number] | null;
          b = r === null ? undefined : bindingOf(key, r, this.clock);
        }
        if (b) this.local.put(b);
        else await this.local.delete(key);
        return b;
      } catch (e) {
        this.fallback.degrade(e);
      }
    }
    // (a sliding refresh is not marked as changed: the write-back carries the binding's expiry, and
    // marking every read would keep a write-back under steady traffic from ever finishing)
    const local = await this.local.get(key, expiry, ttlMs);
    if (local || !this.replicas) return local;
    // durable mode: a binding some client has seen is on a replica; this node may just never have seen it
    const found = await this.replicas.read(this.target.prefix + key);
    if (!found) return undefined;
    const b = bindingOf(key, found, this.clock);
    this.local.put(b);
    return b;
  }

  async claim(key: string, endpoint: string, ttlMs: number): Promise<Written> {
    if (this.health === 'ok') {
      try {
        return await this.written(key, 'moorClaim', endpoint, px(ttlMs));
      } catch (e) {
        this.fallback.degrade(e);
      }
    }
    return this.fallback.claim(key, endpoint, ttlMs);
  }

  async rebind(key: string, from: string, to: string, ttlMs: number): Promise<Written> {
    if (this.health === 'ok') {
      try {
        return await this.written(key, 'moorRebind', from, to, px(ttlMs));
      } catch (e) {
        this.fallback.degrade(e);
      }
    }
    return this.fallback.rebind(key, from, to, ttlMs);
  }

  /** A claim or a move through Redis (durable mode: on the confirming connection); the mirror follows. */
  private async written(key: string, script: 'moorClaim' | 'moorRebind', ...args: (string | number)[]): Promise<Written> {
    const k = this.target.prefix + key;
    if (!this.durable) {
      const b = bindingOf(key, (await this.run(script, k, ...args)) as [string, number], this.clock);
      this.local.put(b);
      return b;
    }
    const w = this.durable.write(script, k, ...args);
    const b = bindingOf(key, (await w.reply) as [string, number], this.clock);
    this.local.put(b);
    return { ...b, confirmed: w.confirmed };
  }

  /**
   * Durable mode: how many writes a replica confirmed, how many were answered without, and how many
   * bindings this node found on a replica while the primary was away (undefined otherwise).
   */
  get durability(): (DurabilityCounts & { readFromReplica: number }) | undefined {
    return this.durable && { ...this.durable.counts, readFromReplica: this.replicas?.found ?? 0 };
  }

  async delete(key: string): Promise<void> {
    await this.fallback.delete(key);
    if (this.health !== 'ok') return;
    try {
      await this.withTimeout(this.client.del(this.target.prefix + key));
    } catch (e) {
      this.fallback.degrade(e);
    }
  }

  /**
   * One INCR (with its PEXPIRE) in a script, shared by every node; not confirmed by WAIT in durable
   * mode (a failover may forget a window's recent counts). While degraded, this node's own counter.
   */
  async hit(key: string, rule: CounterRule): Promise<CounterHit> {
    if (this.health === 'ok') {
      try {
        const [count, pttl] = (await this.run('moorHit', this.target.prefix + COUNTER_PREFIX + key, px(rule.windowMs), rule.max, rule.prohibitMs)) as [number, number];
        return { count, resetInMs: Math.max(0, pttl) };
      } catch (e) {
        this.fallback.degrade(e);
      }
    }
    return this.local.hit(key, rule);
  }

  /**
   * From Redis (SCAN, never KEYS, so Redis is not blocked), looking at no more than {@link LIST_SCAN_BOUND}
   * keys; while degraded, from this node's local table.
   */
  async list(filter: BindingFilter, limit: number): Promise<BindingPage> {
    if (this.health === 'ok') {
      try {
        const bindings: Binding[] = [];
        const complete = await scanBindings(this.client, this.target, this.clock, groupPattern(filter.group), LIST_SCAN_BOUND, (b) => {
          if (!matchesFilter(b, filter)) return true;
          if (bindings.length === limit) return false;
          bindings.push(b);
          return true;
        });
        return { bindings, truncated: !complete };
      } catch (e) {
        this.fallback.degrade(e);
      }
    }
    return this.local.list(filter, limit);
  }

  /** Counted from Redis with SCAN, at most `limit` keys; while degraded, from the local table. */
  async count(limit: number): Promise<BindingCounts> {
    if (this.health === 'ok') {
      try {
        const byGroup: Record<string, number> = {};
        const byEndpoint: Record<string, number> = {};
        const complete = await scanBindings(this.client, this.target, this.clock, '*', limit, (b) => {
          tally(b, byGroup, byEndpoint);
          return true;
        });
        return { byGroup, byEndpoint, truncated: !complete };
      } catch (e) {
        this.fallback.degrade(e);
      }
    }
    return this.local.count(limit);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fallback.stop();
    this.replicas?.close();
    await this.local.close();
    for (const client of [this.client, ...(this.durable ? [this.durable.client] : [])]) {
      try {
        await this.withTimeout(client.quit());
      } catch {
        // an unreachable Redis cannot be told goodbye
      }
      client.disconnect();
    }
  }

  /** Runs a script with the store's timeout, with the other scripts of this turn (redis-scripts.ts). */
  private run(name: ScriptName, key: string, ...args: (string | number)[]): Promise<unknown> {
    return this.scripts.run(name, key, ...args);
  }

  private withTimeout<T>(p: Promise<T>): Promise<T> {
    return withTimeout(p, this.target.timeoutMs);
  }
}
