/**
 * A Redis store's health, and what it does while Redis is away (redis-store.ts says when that is):
 * it answers from its local table, which mirrors every binding this node has read or written through
 * Redis, and makes new bindings there. Nothing waits on a dead connection; a connection that looks
 * open but does not answer is probed. When Redis answers again, the local table is written back under
 * the same rules as live traffic (claims with NX, moves as compare-and-set), so a Redis that restarted
 * empty gets its live bindings back and a binding that Redis holds is never overwritten by a claim;
 * then the store is `ok` again. Each change of health is logged once.
 *
 * A file of its own because this is a state machine (ok, degraded, writing back) beside the store's
 * binding protocol; the store asks it which way to answer, and hands it every failure.
 */
import { Cluster } from 'ioredis';
import { type Logger } from '../logging.ts';
import { type Clock } from './clock.ts';
import { type MemoryStore } from './memory-store.ts';
import { type Client, px, withTimeout } from './redis-client.ts';
import { bindingOf, type ScriptBatch } from './redis-scripts.ts';
import { type Binding, type Written } from './store.ts';
import { type RedisTarget } from './store-url.ts';

/** Rounds of writing back what traffic bound locally during the write-back, before switching to Redis. */
const CATCH_UP_ROUNDS = 3;

export interface FallbackOptions {
  readonly target: RedisTarget;
  readonly log: Logger;
  readonly clock: Clock;
  /** How often a degraded store checks whether Redis answers again, when the connection looks open (ms). */
  readonly probeMs: number | undefined;
  /** The store's connections: Redis answers again when every one does (durable mode has two). */
  readonly clients: readonly Client[];
  /** The store's local table: the mirror of Redis, and the table used while Redis is away. */
  readonly local: MemoryStore;
  /** The scripts the write-back sends. */
  readonly scripts: ScriptBatch;
  /** Called once Redis answers again and the local table was written back. */
  readonly recovered: () => void;
}

export class RedisFallback {
  private current: 'ok' | 'degraded' = 'degraded';
  /** The health last logged; undefined before the first report. */
  private reported: 'ok' | 'degraded' | undefined;
  /** Sessions moved while degraded: key → the endpoint Redis last held for it (written back as compare-and-set). */
  private readonly moved = new Map<string, string>();
  /** Keys claimed or moved locally while a write-back is running (written back too). */
  private readonly changedDuringRecovery = new Set<string>();
  private recovering = false;
  private closed = false;
  private probe: NodeJS.Timeout | undefined;
  private readonly local: MemoryStore;

  constructor(private readonly options: FallbackOptions) {
    this.local = options.local;
  }

  /** 'ok' while the store routes through Redis. */
  get state(): 'ok' | 'degraded' {
    return this.current;
  }

  /** A claim while degraded: in the local table, written back when Redis returns. */
  claim(key: string, endpoint: string, ttlMs: number): Promise<Written> {
    this.changed(key);
    return this.local.claim(key, endpoint, ttlMs);
  }

  /** A move while degraded: in the local table, written back as a compare-and-set from what Redis held. */
  async rebind(key: string, from: string, to: string, ttlMs: number): Promise<Written> {
    const before = (await this.local.get(key, 'absolute', ttlMs))?.endpoint;
    const b = await this.local.rebind(key, from, to, ttlMs);
    // remember what Redis held before the first move, so the write-back moves it only from there
    if (b.endpoint === to && before !== to && !this.moved.has(key)) this.moved.set(key, before ?? from);
    this.changed(key);
    return b;
  }

  /** A deleted binding: gone from the local table, and nothing of it is written back. */
  async delete(key: string): Promise<void> {
    await this.local.delete(key);
    this.moved.delete(key);
  }

  /** The store is closed: no more probes, no more recoveries. */
  stop(): void {
    this.closed = true;
    clearInterval(this.probe);
  }

  private changed(key: string): void {
    if (this.recovering) this.changedDuringRecovery.add(key);
  }

  /** Redis failed us: use the local table from now on, and look for Redis's return. */
  degrade(e: unknown): void {
    if (this.closed) return;
    if (this.current === 'ok') {
      this.current = 'degraded';
      this.report('degraded', `Redis at ${this.options.target.display} is unreachable (${(e as Error).message}); routing with this node's local bindings (and throttle counts) until it returns`);
    }
    // a closed connection reconnects by itself ('ready' recovers); a silent one is probed
    this.probe ??= setInterval(() => {
      if (this.options.clients.every((c) => c.status === 'ready')) void this.recover();
    }, this.options.probeMs ?? 1000).unref();
  }

  /** Redis answers again: write the local table back, then route through Redis. */
  async recover(): Promise<void> {
    if (this.recovering || this.current === 'ok' || this.closed) return;
    const { target, clients } = this.options;
    this.recovering = true;
    this.changedDuringRecovery.clear();
    try {
      for (const c of clients) await withTimeout(c.ping(), target.timeoutMs);
      // Cluster: a client that learnt no MOVED since the failover (the confirming one pipelines, and a
      // pipeline is not redirected) still sends the lost primary's slots to it; every client asks anew
      for (const c of clients) if (c instanceof Cluster) await withTimeout(new Promise<void>((resolve, reject) => c.refreshSlotsCache((e) => (e ? reject(e) : resolve()))), target.timeoutMs);
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
      this.current = 'ok';
      // what the last round bound locally is written after the switch, under the same rules
      await writeAll([...batch, ...(await this.changedLocally())]);
      clearInterval(this.probe);
      this.probe = undefined;
      const restored = written ? `; ${written} local bindings written back${replaced ? `, ${replaced} of them replaced by the binding Redis held` : ''}` : '';
      this.report('ok', `Redis at ${target.display} answers${restored}`);
      this.options.recovered();
    } catch (e) {
      this.options.log.debug(`session store: ${target.display} not ready yet: ${(e as Error).message}`, { component: 'session' });
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
    const { clock, scripts, target } = this.options;
    const ttl = b.expiresAt - clock.now();
    if (ttl <= 0) return 'expired';
    const from = this.moved.get(b.key);
    const k = target.prefix + b.key;
    const reply = (from !== undefined ? await scripts.run('moorRebind', k, from, b.endpoint, px(ttl)) : await scripts.run('moorClaim', k, b.endpoint, px(ttl))) as [string, number];
    this.moved.delete(b.key);
    const winner = bindingOf(b.key, reply, clock);
    this.local.put(winner);
    return winner.endpoint === b.endpoint ? 'kept' : 'replaced';
  }

  /** Logs a health change once. */
  report(health: 'ok' | 'degraded', message: string): void {
    if (this.reported === health) return;
    this.reported = health;
    this.options.log.log(health === 'ok' ? 'info' : 'warn', `session store ${health}: ${message}`, { component: 'session' });
  }
}
