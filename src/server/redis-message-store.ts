/**
 * A message store in Redis (`<messageStore class="moor.RedisMessageStore">`, config/store-def.ts),
 * shared by every node that names the same Redis, prefix and store: one queue, whichever node's
 * `<store>` kept a message and whichever node's processor takes it out.
 *
 * Keys, all in one Cluster slot (the store's name is the hash tag), `<prefix>{<store>}:`…
 *   q          a list: each message one value (mediators/stored-form.ts), first stored first
 *   bytes      the bytes of the values in q (the bound moor:maxBytes counts these)
 *   turn       who may forward now: `SET NX PX redis.leaseMs` (or already the taker's), renewed every third of it
 *   off:<P>    set while the processor P is deactivated (every node's P stops)
 *
 * Why a list with a turn, and not a list per consumer (LMOVE) or a Stream with a consumer group: the
 * forwarding processor exists to deliver in order, one message at a time, a failing one retried while
 * the others wait (as WSO2's does, and as moor's in-memory store is forwarded). With several consumers
 * taking messages at once, message 2 would be delivered while message 1 is being retried, and a dead
 * consumer's pending message would be claimed back only after the others had moved on. So one node at
 * a time holds the turn and forwards the head of the list, which leaves the list only once delivered
 * (a script removes it only if it is still the one read: its id). A node that dies mid-delivery leaves
 * the message first in the list and its turn to expire; the next node to take the turn delivers it
 * again (at least once: the backend may see it twice, never lose it). Adding and taking are scripts, so
 * the bounds hold across nodes.
 *
 * Redis down: every command has the URL's timeoutMs (default 250 ms) and the client no offline queue
 * (session/redis-client.ts), so `<store>` fails at once with MOOR_ERR_STORE_UNAVAILABLE (never kept in
 * memory instead) and processors wait for the next round; the client reconnects by itself.
 */
import { type Cluster, type Redis } from 'ioredis';
import { type MessageStoreDef } from '../config/store-def.ts';
import { MoorError } from '../errors.ts';
import { type Logger } from '../logging.ts';
import { type ForwardingTurn, type MessageStore, type StoredMessage } from '../mediators/message-store.ts';
import { decodeStored, encodeStored, newId } from '../mediators/stored-form.ts';
import { createClient, px, withTimeout } from '../session/redis-client.ts';
import { type RedisTarget } from '../session/store-url.ts';

const SCRIPTS = {
  // KEYS q, bytes; ARGV value, maxMessages, maxBytes → {1} kept, or {0, messages, bytes} full
  moorStoreAdd: {
    keys: 2,
    lua: `local n = redis.call('LLEN', KEYS[1])
local b = tonumber(redis.call('GET', KEYS[2]) or '0')
if n + 1 > tonumber(ARGV[2]) or b + #ARGV[1] > tonumber(ARGV[3]) then return {0, n, b} end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('INCRBY', KEYS[2], #ARGV[1])
return {1}`,
  },
  // KEYS q, bytes; ARGV id → 1 when the first message was the one of that id, and is gone
  moorStoreRemove: {
    keys: 2,
    lua: `local v = redis.call('LINDEX', KEYS[1], 0)
if not v or string.sub(v, 1, #ARGV[1]) ~= ARGV[1] then return 0 end
redis.call('LPOP', KEYS[1])
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[2]) else redis.call('DECRBY', KEYS[2], #v) end
return 1`,
  },
  // KEYS q, bytes; ARGV n → the first n messages, taken out
  moorStoreTake: {
    keys: 2,
    lua: `local vs = redis.call('LPOP', KEYS[1], ARGV[1])
if not vs then return {} end
local b = 0
for _, v in ipairs(vs) do b = b + #v end
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[2]) else redis.call('DECRBY', KEYS[2], b) end
return vs`,
  },
  // KEYS turn; ARGV holder, ms → 1 when the turn is the holder's now: free, or already theirs (a holder
  // whose release was lost with its connection takes it up again, rather than waiting out its own lease)
  moorTurnTake: { keys: 1, lua: `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0` },
  // KEYS turn; ARGV holder, ms → 1 while the turn is still the holder's
  moorTurnRenew: { keys: 1, lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0` },
  moorTurnRelease: { keys: 1, lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0` },
} as const;

type Call = (...args: (string | number | Buffer)[]) => Promise<unknown>;

/** The id each message read from Redis was stored under (to take out only that one). */
const ids = new WeakMap<StoredMessage, string>();

export class RedisMessageStore implements MessageStore {
  private readonly client: Redis | Cluster;
  private readonly keys: { readonly q: string; readonly bytes: string; readonly turn: string; readonly off: string };
  private bounds: { readonly maxMessages: number; readonly maxBytes: number };
  private closed = false;

  /** @param target the store's Redis: its redis.url, else the gateway's --store */
  constructor(
    private readonly def: MessageStoreDef & { readonly redis: NonNullable<MessageStoreDef['redis']> },
    private readonly target: RedisTarget,
    private readonly log: Logger,
  ) {
    this.bounds = def;
    const base = `${def.redis.prefix}{${def.name}}:`;
    this.keys = { q: `${base}q`, bytes: `${base}bytes`, turn: `${base}turn`, off: `${base}off:` };
    this.client = createClient(target);
    for (const [name, s] of Object.entries(SCRIPTS)) this.client.defineCommand(name, { numberOfKeys: s.keys, lua: s.lua });
    // ioredis reports each failed reconnection; what fails is said by <store>'s fault and the processors' log
    this.client.on('error', (e: Error) => log.debug(`message store "${def.name}": ${target.display}: ${e.message}`, { component: 'store' }));
  }

  get name(): string {
    return this.def.name;
  }

  get location(): string {
    return this.target.display;
  }

  async add(m: StoredMessage): Promise<void> {
    const value = encodeStored(newId(), m);
    const { maxMessages, maxBytes } = this.bounds;
    const r = (await this.run('moorStoreAdd', this.keys.q, this.keys.bytes, value, maxMessages, maxBytes)) as number[];
    if (r[0] === 1) return;
    throw new MoorError('MOOR_ERR_STORE_FULL', `message store "${this.name}" is full (${r[1]} messages, ${r[2]} bytes; at most ${maxMessages} messages, ${maxBytes} bytes)`);
  }

  async peek(): Promise<StoredMessage | undefined> {
    for (;;) {
      const v = (await this.ask(this.client.lindexBuffer(this.keys.q, 0))) as Buffer | null;
      if (v === null) return undefined;
      const m = this.decode(v);
      if (m) return m;
      // (a value moor did not write would stop every processor of the store for ever: it is taken out, if still first)
      await this.run('moorStoreRemove', this.keys.q, this.keys.bytes, v);
    }
  }

  async remove(m: StoredMessage): Promise<void> {
    const id = ids.get(m);
    if (id !== undefined) await this.run('moorStoreRemove', this.keys.q, this.keys.bytes, id);
  }

  async take(n: number): Promise<StoredMessage[]> {
    const vs = (await this.run('moorStoreTakeBuffer', this.keys.q, this.keys.bytes, n)) as Buffer[];
    return vs.flatMap((v) => this.decode(v) ?? []);
  }

  count(): Promise<number> {
    return this.ask(this.client.llen(this.keys.q));
  }

  async turn(holder: string): Promise<ForwardingTurn | undefined> {
    const { leaseMs } = this.def.redis;
    const got = await this.run('moorTurnTake', this.keys.turn, holder, px(leaseMs));
    return got === 1 ? new Turn(this, holder, leaseMs) : undefined;
  }

  async deactivated(name: string): Promise<boolean> {
    return (await this.ask(this.client.exists(this.keys.off + name))) === 1;
  }

  async setDeactivated(name: string, off: boolean): Promise<void> {
    if (off) await this.ask(this.client.set(this.keys.off + name, new Date().toISOString()));
    else await this.ask(this.client.del(this.keys.off + name));
  }

  sameAs(def: MessageStoreDef): boolean {
    const a = def.redis;
    const b = this.def.redis;
    return a !== undefined && a.url?.text === b.url?.text && a.prefix === b.prefix && a.leaseMs === b.leaseMs;
  }

  rebound(bounds: { readonly maxMessages: number; readonly maxBytes: number }): void {
    this.bounds = bounds;
  }

  ready(waitMs: number): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = (): void => done(true);
      const timer = setTimeout(() => done(false), waitMs);
      this.client.on('ready', onReady);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await withTimeout(this.client.quit(), this.target.timeoutMs);
    } catch {
      // an unreachable Redis cannot be told goodbye
    }
    this.client.disconnect();
  }

  /** Renews `holder`'s turn: true while it is still theirs. */
  async renew(holder: string, ms: number): Promise<boolean> {
    return (await this.run('moorTurnRenew', this.keys.turn, holder, px(ms))) === 1;
  }

  async release(holder: string): Promise<void> {
    await this.run('moorTurnRelease', this.keys.turn, holder);
  }

  /** The message of a value; undefined (logged) for one that is not a stored message. */
  private decode(v: Buffer): StoredMessage | undefined {
    try {
      const { id, message } = decodeStored(v);
      ids.set(message, id);
      return message;
    } catch (e) {
      this.log.error(`message store "${this.name}": a value of ${this.keys.q} is not a message moor stored (${(e as Error).message}; ${v.length} bytes): dropped`, { component: 'store' });
      return undefined;
    }
  }

  private run(script: string, ...args: (string | number | Buffer)[]): Promise<unknown> {
    const call = (this.client as unknown as Record<string, Call>)[script]!;
    return this.ask(call.apply(this.client, args));
  }

  /** `p` within the URL's timeoutMs; a failure is MOOR_ERR_STORE_UNAVAILABLE, naming the store and its Redis. */
  private async ask<T>(p: Promise<T>): Promise<T> {
    try {
      return await withTimeout(p, this.target.timeoutMs);
    } catch (e) {
      throw new MoorError('MOOR_ERR_STORE_UNAVAILABLE', `message store "${this.name}": Redis at ${this.target.display} does not answer (${(e as Error).message})`);
    }
  }
}

/** A turn to forward, renewed every third of the lease until released; lost when someone else has it. */
class Turn implements ForwardingTurn {
  lost = false;
  private readonly timer: NodeJS.Timeout;
  private renewedAt = Date.now();

  constructor(
    private readonly store: RedisMessageStore,
    private readonly holder: string,
    leaseMs: number,
  ) {
    this.timer = setInterval(() => {
      this.store.renew(holder, leaseMs).then(
        (mine) => {
          if (mine) this.renewedAt = Date.now();
          else this.lost = true;
        },
        () => {
          // (Redis away: the turn lapses once the lease has passed without a renewal)
          if (Date.now() - this.renewedAt >= leaseMs) this.lost = true;
        },
      );
    }, Math.max(1, Math.floor(leaseMs / 3)));
    this.timer.unref();
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    if (this.lost) return;
    await this.store.release(this.holder).catch(() => undefined);
  }
}
