/**
 * Session bindings in Redis, shared by every gateway node that points at the same Redis: any node may
 * receive any message of a session and route it to the same endpoint.
 *
 * Each binding is one key, `<prefix><group>|<session key>`, whose value is the endpoint's stable id
 * (`name@uri`) and whose Redis TTL is the session timeout. Every operation is one Lua script on that
 * one key, so it is atomic on a single server and on Redis Cluster alike:
 * - claim: `SET NX PX`, else the holder: the first node to bind a session wins everywhere;
 * - get: sliding expiry refreshes the TTL (`PEXPIRE`) in the same script, absolute expiry does not;
 * - rebind: compare-and-set, replacing the endpoint only if it is still `from` (or unbound), so nodes
 *   that see the same failure at once converge on one new endpoint.
 *
 * Redis unreachable (refused, closed, or slower than `timeoutMs`): the store turns `degraded` and
 * answers from its local table instead, which mirrors every binding this node has read or written
 * through Redis; bindings made meanwhile are made there. Nothing waits on a dead connection: no
 * offline queue, no retries per command, a timeout on each. When Redis answers again, the local table
 * is written back under the same rules as live traffic (claims with NX, moves as compare-and-set), so
 * a Redis that restarted empty gets its live bindings back and a binding that Redis holds is never
 * overwritten by a claim; then the store is `ok` again. Each change of health is logged once.
 *
 * Durable mode (`?durable=1`): claims and moves go through a {@link DurableWriter} on a second
 * connection, and each returns with a `confirmed` promise that settles once a replica holds it; while
 * degraded, a binding missing from the local table is looked for on a replica ({@link ReplicaReads}).
 * docs/sessions.md states the guarantees.
 */
import { Cluster, type Redis } from 'ioredis';
import { type Logger } from '../logging.ts';
import { type Clock, systemClock } from './clock.ts';
import { MemoryStore } from './memory-store.ts';
import { type Client, createClient, px, type ScriptCall, type ScriptName, StoreTimeout, withTimeout } from './redis-client.ts';
import { type DurabilityCounts, DurableWriter } from './redis-durable.ts';
import { ReplicaReads } from './redis-replicas.ts';
import { type Binding, type BindingCounts, type BindingFilter, type BindingPage, type CounterHit, type CounterRule, type Expiry, matchesFilter, type SessionStore, tally, type Written } from './store.ts';
import { type RedisTarget } from './store-url.ts';
import { TurnBatch } from './turn-batch.ts';

/** Rounds of writing back what traffic bound locally during the write-back, before switching to Redis. */
const CATCH_UP_ROUNDS = 3;

/** A script call waiting for the end of the event-loop turn. */
interface QueuedScript {
  readonly name: ScriptName;
  readonly key: string;
  readonly args: (string | number)[];
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  settled?: boolean;
}

export interface RedisStoreOptions {
  readonly log: Logger;
  readonly clock?: Clock;
  /** How often a degraded store checks whether Redis answers again, when the connection looks open (ms). */
  readonly probeMs?: number;
  /** How long `connect` waits for Redis before starting degraded (ms). */
  readonly connectWaitMs?: number;
}

export class RedisStore implements SessionStore {
  private state: 'ok' | 'degraded' = 'degraded';
  /** The health last logged; undefined before the first report. */
  private reported: 'ok' | 'degraded' | undefined;
  /** Mirror of the bindings seen through Redis, and the table used while Redis is away. */
  private readonly local: MemoryStore;
  /** Sessions moved while degraded: key → the endpoint Redis last held for it (written back as compare-and-set). */
  private readonly moved = new Map<string, string>();
  /** Keys claimed or moved locally while a write-back is running (written back too). */
  private readonly changedDuringRecovery = new Set<string>();
  private recovering = false;
  private closed = false;
  private probe: NodeJS.Timeout | undefined;
  private readonly clock: Clock;
  private readonly client: Client;
  /** Durable mode: the connection whose writes are confirmed by WAIT. */
  private readonly durable: DurableWriter | undefined;
  /** Durable mode with Sentinel or Cluster: where a degraded node looks for a binding it never saw. */
  private readonly replicas: ReplicaReads | undefined;
  private readonly scripts: Record<ScriptName, ScriptCall>;
  private onRecovered: (() => void) | undefined;

  private constructor(
    readonly target: RedisTarget,
    private readonly options: RedisStoreOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.local = new MemoryStore(this.clock);
    this.client = createClient(target);
    const c = this.client as unknown as Record<ScriptName, ScriptCall>;
    this.scripts = {
      moorGetSliding: c.moorGetSliding.bind(this.client),
      moorGetAbsolute: c.moorGetAbsolute.bind(this.client),
      moorClaim: c.moorClaim.bind(this.client),
      moorRebind: c.moorRebind.bind(this.client),
      moorHit: c.moorHit.bind(this.client),
    };
    this.replicas = ReplicaReads.of(target, options.log);
    this.durable = target.durable ? new DurableWriter(createClient(target), { timeoutMs: target.timeoutMs, display: target.display, log: options.log }) : undefined;
    for (const client of [this.client, ...(this.durable ? [this.durable.client] : [])]) {
      client.on('ready', () => void this.recover());
      client.on('close', () => this.degrade(new Error('connection closed')));
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
      void store.recover();
    });
    store.onRecovered = undefined;
    if (store.state !== 'ok') store.report('degraded', `Redis at ${target.display} does not answer; routing with this node's local bindings (and throttle counts) until it does`);
    return store;
  }

  readonly acrossNodes = true;

  get health(): 'ok' | 'degraded' {
    return this.state;
  }

  async get(key: string, expiry: Expiry, ttlMs: number): Promise<Binding | undefined> {
    if (this.state === 'ok') {
      try {
        const k = this.target.prefix + key;
        let b: Binding | undefined;
        if (expiry === 'sliding') {
          const v = (await this.run('moorGetSliding', k, px(ttlMs))) as string | null;
          b = v === null ? undefined : { key, endpoint: v, expiresAt: this.clock.now() + ttlMs };
        } else {
          const r = (await this.run('moorGetAbsolute', k)) as [string, number] | null;
          b = r === null ? undefined : this.binding(key, r);
        }
        if (b) this.local.put(b);
        else await this.local.delete(key);
        return b;
      } catch (e) {
        this.degrade(e);
      }
    }
    // (a sliding refresh is not marked as changed: the write-back carries the binding's expiry, and
    // marking every read would keep a write-back under steady traffic from ever finishing)
    const local = await this.local.get(key, expiry, ttlMs);
    if (local || !this.replicas) return local;
    // durable mode: a binding some client has seen is on a replica; this node may just never have seen it
    const found = await this.replicas.read(this.target.prefix + key);
    if (!found) return undefined;
    const b = this.binding(key, found);
    this.local.put(b);
    return b;
  }

  async claim(key: string, endpoint: string, ttlMs: number): Promise<Written> {
    if (this.state === 'ok') {
      try {
        return await this.written(key, 'moorClaim', endpoint, px(ttlMs));
      } catch (e) {
        this.degrade(e);
      }
    }
    this.changed(key);
    return this.local.claim(key, endpoint, ttlMs);
  }

  async rebind(key: string, from: string, to: string, ttlMs: number): Promise<Written> {
    if (this.state === 'ok') {
      try {
        return await this.written(key, 'moorRebind', from, to, px(ttlMs));
      } catch (e) {
        this.degrade(e);
      }
    }
    const before = (await this.local.get(key, 'absolute', ttlMs))?.endpoint;
    const b = await this.local.rebind(key, from, to, ttlMs);
    // remember what Redis held before the first move, so the write-back moves it only from there
    if (b.endpoint === to && before !== to && !this.moved.has(key)) this.moved.set(key, before ?? from);
    this.changed(key);
    return b;
  }

  /** A claim or a move through Redis (durable mode: on the confirming connection); the mirror follows. */
  private async written(key: string, script: 'moorClaim' | 'moorRebind', ...args: (string | number)[]): Promise<Written> {
    const k = this.target.prefix + key;
    if (!this.durable) {
      const b = this.binding(key, (await this.run(script, k, ...args)) as [string, number]);
      this.local.put(b);
      return b;
    }
    const w = this.durable.write(script, k, ...args);
    const b = this.binding(key, (await w.reply) as [string, number]);
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
    await this.local.delete(key);
    this.moved.delete(key);
    if (this.state !== 'ok') return;
    try {
      await this.withTimeout(this.client.del(this.target.prefix + key));
    } catch (e) {
      this.degrade(e);
    }
  }

  /**
   * One INCR (with its PEXPIRE) in a script, shared by every node; not confirmed by WAIT in durable
   * mode (a failover may forget a window's recent counts). While degraded, this node's own counter.
   */
  async hit(key: string, rule: CounterRule): Promise<CounterHit> {
    if (this.state === 'ok') {
      try {
        const [count, pttl] = (await this.run('moorHit', this.target.prefix + COUNTER_PREFIX + key, px(rule.windowMs), rule.max, rule.prohibitMs)) as [number, number];
        return { count, resetInMs: Math.max(0, pttl) };
      } catch (e) {
        this.degrade(e);
      }
    }
    return this.local.hit(key, rule);
  }

  /**
   * From Redis (SCAN, never KEYS, so Redis is not blocked), looking at no more than {@link LIST_SCAN_BOUND}
   * keys; while degraded, from this node's local table.
   */
  async list(filter: BindingFilter, limit: number): Promise<BindingPage> {
    if (this.state === 'ok') {
      try {
        const bindings: Binding[] = [];
        const pattern = filter.group === undefined ? '*' : `${globEscape(filter.group)}|*`;
        const complete = await this.scan(pattern, LIST_SCAN_BOUND, (b) => {
          if (!matchesFilter(b, filter)) return true;
          if (bindings.length === limit) return false;
          bindings.push(b);
          return true;
        });
        return { bindings, truncated: !complete };
      } catch (e) {
        this.degrade(e);
      }
    }
    return this.local.list(filter, limit);
  }

  /** Counted from Redis with SCAN, at most `limit` keys; while degraded, from the local table. */
  async count(limit: number): Promise<BindingCounts> {
    if (this.state === 'ok') {
      try {
        const byGroup: Record<string, number> = {};
        const byEndpoint: Record<string, number> = {};
        const complete = await this.scan('*', limit, (b) => {
          tally(b, byGroup, byEndpoint);
          return true;
        });
        return { byGroup, byEndpoint, truncated: !complete };
      } catch (e) {
        this.degrade(e);
      }
    }
    return this.local.count(limit);
  }

  /**
   * Walks the bindings whose key (after the prefix) matches the glob `pattern`, on every primary of a
   * Cluster, handing each to `visit` until it answers false or `bound` keys were looked at. True when
   * every key was visited.
   */
  private async scan(pattern: string, bound: number, visit: (b: Binding) => boolean): Promise<boolean> {
    const nodes: Redis[] = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    const prefix = this.target.prefix;
    let looked = 0;
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await this.withTimeout(node.scan(cursor, 'MATCH', globEscape(prefix) + pattern, 'COUNT', SCAN_COUNT));
        cursor = next;
        if (keys.length === 0) continue;
        const p = node.pipeline();
        for (const k of keys) p.get(k).pttl(k);
        const replies = (await this.withTimeout(p.exec())) ?? [];
        const now = this.clock.now();
        for (let i = 0; i < keys.length; i++) {
          const endpoint = replies[2 * i]?.[1];
          const pttl = Number(replies[2 * i + 1]?.[1]);
          // (a key that expired between SCAN and GET is gone: skipped; a throttle counter is no binding)
          if (typeof endpoint !== 'string' || pttl === -2 || keys[i]!.startsWith(prefix + COUNTER_PREFIX)) continue;
          if (looked++ === bound) return false;
          const b = { key: keys[i]!.slice(prefix.length), endpoint, expiresAt: pttl >= 0 ? now + pttl : Number.MAX_SAFE_INTEGER };
          if (!visit(b)) return false;
        }
      } while (cursor !== '0');
    }
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.probe);
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

  /**
   * Runs a script with the store's timeout. Scripts are sent at the end of the event-loop turn, all
   * those of the turn together in one pipeline: one write (and their replies in one read), where a
   * write per message cost as much as the message's own HTTP exchange. (An explicit pipeline, not
   * ioredis's auto-pipelining, which builds a pipeline even for a lone command.) Each script is still
   * one atomic command on one key.
   */
  private run(name: ScriptName, key: string, ...args: (string | number)[]): Promise<unknown> {
    return new Promise((resolve, reject) => this.batch.add({ name, key, args, resolve, reject }));
  }

  /** The scripts of this turn, waiting to be sent. */
  private readonly batch = new TurnBatch<QueuedScript>((batch) => this.sendBatch(batch));

  private sendBatch(batch: QueuedScript[]): void {
    const ms = this.target.timeoutMs;
    let open = batch.length;
    // one timer for the batch: what has not answered when it fires times out
    // (timers run before I/O in an event-loop turn: after a busy spell, a reply already waiting on the
    // socket would lose to its own timeout; setImmediate lets that I/O be read first)
    const timer = setTimeout(() => setImmediate(() => {
      for (const q of batch) if (!q.settled) settle(q, false, new StoreTimeout(ms));
    }), ms);
    const settle = (q: QueuedScript, ok: boolean, v: unknown): void => {
      if (q.settled) return;
      q.settled = true;
      if (ok) q.resolve(v);
      else q.reject(v instanceof Error ? v : new Error(String(v)));
      if (--open === 0) clearTimeout(timer);
    };
    if (batch.length === 1 || this.client instanceof Cluster) {
      // (a Cluster client pipelines commands of one turn by node itself; a lone command needs no pipeline)
      for (const q of batch) {
        this.scripts[q.name](q.key, ...q.args).then(
          (v) => settle(q, true, v),
          (e: unknown) => settle(q, false, e),
        );
      }
      return;
    }
    const pipeline = this.client.pipeline() as unknown as Record<ScriptName, (key: string, ...args: (string | number)[]) => unknown> & { exec(): Promise<[Error | null, unknown][] | null> };
    for (const q of batch) pipeline[q.name](q.key, ...q.args);
    pipeline.exec().then(
      (results) => batch.forEach((q, i) => {
        const r = results?.[i];
        if (!r) settle(q, false, new Error('no reply from Redis'));
        else if (r[0]) settle(q, false, r[0]);
        else settle(q, true, r[1]);
      }),
      (e: unknown) => batch.forEach((q) => settle(q, false, e)),
    );
  }

  private withTimeout<T>(p: Promise<T>): Promise<T> {
    return withTimeout(p, this.target.timeoutMs);
  }

  /** A binding from a script's `{endpoint, pttl}` reply. */
  private binding(key: string, [endpoint, pttl]: [string, number]): Binding {
    // PTTL -1 (a key someone set without expiry) is taken as never expiring, as Redis would keep it
    return { key, endpoint, expiresAt: pttl >= 0 ? this.clock.now() + pttl : Number.MAX_SAFE_INTEGER };
  }

  private changed(key: string): void {
    if (this.recovering) this.changedDuringRecovery.add(key);
  }

  /** Redis failed us: use the local table from now on, and look for Redis's return. */
  private degrade(e: unknown): void {
    if (this.closed) return;
    if (this.state === 'ok') {
      this.state = 'degraded';
      this.report('degraded', `Redis at ${this.target.display} is unreachable (${(e as Error).message}); routing with this node's local bindings (and throttle counts) until it returns`);
    }
    // a closed connection reconnects by itself ('ready' recovers); a silent one is probed
    this.probe ??= setInterval(() => {
      if (this.client.status === 'ready' && (this.durable?.client.status ?? 'ready') === 'ready') void this.recover();
    }, this.options.probeMs ?? 1000).unref();
  }

  /** Redis answers again: write the local table back, then route through Redis. */
  private async recover(): Promise<void> {
    if (this.recovering || this.state === 'ok' || this.closed) return;
    this.recovering = true;
    this.changedDuringRecovery.clear();
    try {
      await this.withTimeout(this.client.ping());
      if (this.durable) await this.withTimeout(this.durable.client.ping());
      // Cluster: a client that learnt no MOVED since the failover (the confirming one pipelines, and a
      // pipeline is not redirected) still sends the lost primary's slots to it; every client asks anew
      for (const c of [this.client, this.durable?.client]) if (c instanceof Cluster) await this.withTimeout(new Promise<void>((resolve, reject) => c.refreshSlotsCache((e) => (e ? reject(e) : resolve()))));
      let written = 0;
      let replaced = 0;
      const writeAll = async (batch: readonly Binding[]): Promise<void> => {
        for (let i = 0; i < batch.length; i += 200) {
          const r = await Promise.all(batch.slice(i, i + 200).map((b) => this.writeBack(b)));
          written += r.filter((x) => x !== 'expired').length;
          replaced += r.filter((x) => x === 'replaced').length;
        }
      };
      let batch = this.local.entries();
      // requests kept binding locally while we wrote: write those too, a few rounds at most (under a
      // steady stream of new sessions the rounds would never end)
      for (let round = 0; batch.length && round < CATCH_UP_ROUNDS; round++) {
        await writeAll(batch);
        batch = await this.changedLocally();
      }
      this.state = 'ok';
      // what the last round bound locally is written after the switch, under the same rules
      await writeAll([...batch, ...(await this.changedLocally())]);
      clearInterval(this.probe);
      this.probe = undefined;
      const restored = written ? `; ${written} local bindings written back${replaced ? `, ${replaced} of them replaced by the binding Redis held` : ''}` : '';
      this.report('ok', `Redis at ${this.target.display} answers${restored}`);
      // (after a failover, the replica to read from in the next outage is another)
      void this.replicas?.refresh();
      this.onRecovered?.();
    } catch (e) {
      this.options.log.debug(`session store: ${this.target.display} not ready yet: ${(e as Error).message}`, { component: 'session' });
      this.degrade(e);
    } finally {
      this.recovering = false;
    }
  }

  /** The local bindings of the keys claimed or moved during the write-back so far (and forgets the list). */
  private async changedLocally(): Promise<Binding[]> {
    const keys = [...this.changedDuringRecovery];
    this.changedDuringRecovery.clear();
    const out: Binding[] = [];
    for (const key of keys) {
      const b = await this.local.get(key, 'absolute', 1);
      if (b) out.push(b);
    }
    return out;
  }

  /** Writes one local binding to Redis under the live rules; the local table then follows Redis. */
  private async writeBack(b: Binding): Promise<'kept' | 'replaced' | 'expired'> {
    const ttl = b.expiresAt - this.clock.now();
    if (ttl <= 0) return 'expired';
    const from = this.moved.get(b.key);
    const k = this.target.prefix + b.key;
    const reply = (from !== undefined ? await this.run('moorRebind', k, from, b.endpoint, px(ttl)) : await this.run('moorClaim', k, b.endpoint, px(ttl))) as [string, number];
    this.moved.delete(b.key);
    const winner = this.binding(b.key, reply);
    this.local.put(winner);
    return winner.endpoint === b.endpoint ? 'kept' : 'replaced';
  }

  /** Logs a health change once. */
  private report(health: 'ok' | 'degraded', message: string): void {
    if (this.reported === health) return;
    this.reported = health;
    this.options.log.log(health === 'ok' ? 'info' : 'warn', `session store ${health}: ${message}`, { component: 'session' });
  }
}

/** What the keys of throttle counters start with after the prefix (a group name holds no `|`, so no binding does). */
const COUNTER_PREFIX = '#throttle|';

/** How many keys one SCAN step asks for. */
const SCAN_COUNT = 1000;
/** The most keys one listing looks at (a filter that matches few of many keys stops here, truncated). */
export const LIST_SCAN_BOUND = 100_000;

/** `text` with Redis glob characters escaped, to match itself only. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
