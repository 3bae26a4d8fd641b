/**
 * What the Redis store sends and how: the ioredis client for a store URL (fail fast, never queue,
 * reconnect in the background), the Lua scripts on one key each, and the timeout every command gets.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { type RedisTarget } from './store-url.ts';

/**
 * The scripts, each on KEYS[1] only. Replies: the endpoint (and the remaining TTL in ms), or nil;
 * `moorHit`, a throttle counter's count and remaining TTL.
 * Claim and rebind take a last argument, `touch`: when '1' (durable mode) and the binding found is
 * another node's, they rewrite its expiry unchanged, a write that moves this connection's replication
 * offset past that node's write, so this connection's WAIT covers the binding it is about to answer
 * with too (see redis-durable.ts).
 */
export const SCRIPTS = {
  moorGetSliding: `local v = redis.call('GET', KEYS[1])
if v then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return v`,
  moorGetAbsolute: `local v = redis.call('GET', KEYS[1])
if not v then return nil end
return {v, redis.call('PTTL', KEYS[1])}`,
  moorClaim: `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {ARGV[1], tonumber(ARGV[2])} end
local ttl = redis.call('PTTL', KEYS[1])
if ARGV[3] == '1' and ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return {redis.call('GET', KEYS[1]), ttl}`,
  moorRebind: `local v = redis.call('GET', KEYS[1])
if v and v ~= ARGV[1] then
  local ttl = redis.call('PTTL', KEYS[1])
  if ARGV[4] == '1' and ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
  return {v, ttl}
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return {ARGV[2], tonumber(ARGV[3])}`,
  // a throttle counter (window-counters.ts has the rule): ARGV window ms, max, prohibit ms
  moorHit: `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n == tonumber(ARGV[2]) + 1 and tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {n, redis.call('PTTL', KEYS[1])}`,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
export type Client = Redis | Cluster;
/** A script as a method of the client (or of a pipeline, where the last argument may be a callback). */
export type ScriptCall = (key: string, ...args: (string | number)[]) => Promise<unknown>;

/** The ioredis client for `target`, with the scripts defined: fail fast, never queue, reconnect in the background forever. */
export function createClient(target: RedisTarget): Client {
  const client = newClient(target);
  for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: 1, lua });
  return client;
}

function newClient(target: RedisTarget): Client {
  if (target.kind === 'cluster') {
    const options: ClusterOptions = {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      clusterRetryStrategy: retryStrategy,
      redisOptions: { ...auth(target), ...failFast(target) },
    };
    return new Cluster(target.hosts.map((h) => ({ host: h.host, port: h.port })), options);
  }
  if (target.kind === 'sentinel') {
    const sentinels = target.hosts.map((h) => ({ host: h.host, port: h.port }));
    return new Redis({ ...serverOptions(target), sentinels, name: target.master ?? 'mymaster', sentinelRetryStrategy: retryStrategy, ...(target.tls ? { enableTLSForSentinelMode: true } : {}) });
  }
  return directClient(target, target.hosts[0]!);
}

/** A client of the one server at `address`, with `target`'s credentials and the store's fail-fast options. */
export function directClient(target: RedisTarget, address: { readonly host: string; readonly port: number }, extra: RedisOptions = {}): Redis {
  return new Redis({ ...serverOptions(target), host: address.host, port: address.port, ...extra });
}

/**
 * Asks the server at `address` one thing over a connection of its own, closed afterwards: no retry,
 * each step bounded by a second. `options`: credentials and TLS (a Sentinel's are not its master's).
 */
export async function askOnce<T>(address: { readonly host: string; readonly port: number }, options: RedisOptions, ask: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ ...options, host: address.host, port: address.port, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  r.on('error', () => undefined);
  try {
    await withTimeout(r.connect(), 1000);
    return await withTimeout(ask(r), 1000);
  } finally {
    r.disconnect();
  }
}

function serverOptions(target: RedisTarget): RedisOptions {
  return { ...auth(target), ...failFast(target), db: target.db, retryStrategy };
}

/** The credentials and TLS of `target`'s servers. */
export function auth(target: RedisTarget): RedisOptions {
  return {
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
  };
}

function failFast(target: RedisTarget): RedisOptions {
  return {
    // a command issued while disconnected fails at once instead of waiting for the connection
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: Math.max(1000, target.timeoutMs * 4),
  };
}

/** Reconnect in the background forever, backing off from 100 ms to 1 s. */
function retryStrategy(times: number): number {
  return Math.min(100 * times, 1000);
}

/** A command that took longer than the store's timeout. */
export class StoreTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** `p`, or a {@link StoreTimeout} after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // timers run before I/O in an event-loop turn: after a busy spell, a reply already waiting on
    // the socket would lose to its own timeout; setImmediate lets that I/O be read first
    const timer = setTimeout(() => setImmediate(() => reject(new StoreTimeout(ms))), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** A TTL that Redis accepts (PX needs at least 1 ms). */
export function px(ms: number): number {
  return Math.max(1, Math.ceil(ms));
}
