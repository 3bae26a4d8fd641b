/**
 * What the replicated setups (redis-replica.ts, redis-sentinel.ts, redis-cluster.ts) share: a group of
 * Redis processes in one temporary folder, stopped and removed together; a one-shot question to one
 * server; and polling a condition that the servers reach by themselves (a sync, a failover).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { type LaunchOptions, launchRedis, type RedisServer } from './redis.ts';

export interface ServerGroup {
  /** The group's temporary folder (config files, nodes.conf). */
  readonly dir: string;
  /** Starts a Redis process on `port` that `close` will kill. */
  launch(port: number, options?: LaunchOptions): Promise<RedisServer>;
  /** Kills every process of the group and removes the folder. */
  close(): Promise<void>;
}

/** A new group whose folder is named after `name`; on a failed setup, call `close` (see {@link setUp}). */
export async function serverGroup(name: string): Promise<ServerGroup> {
  const dir = await mkdtemp(path.join(tmpdir(), `moor-${name}-`));
  const started: RedisServer[] = [];
  return {
    dir,
    async launch(port, options = {}) {
      // (a Sentinel's folder is in the config file it rewrites; a primary would wait 5 s for more
      // replicas before it syncs the first one)
      const s = await launchRedis(port, options.sentinel ? options : { ...options, args: ['--dir', options.cwd ?? dir, '--repl-diskless-sync-delay', '0', ...(options.args ?? [])] });
      started.push(s);
      return s;
    },
    async close() {
      await Promise.all(started.map((s) => s.kill()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `build` on a new group; if it throws, the group is closed before the error goes on. */
export async function setUp<T>(name: string, build: (group: ServerGroup) => Promise<T>): Promise<T> {
  const group = await serverGroup(name);
  try {
    return await build(group);
  } catch (e) {
    await group.close();
    throw e;
  }
}

/** Asks the server on `port` one thing over a connection of its own. */
export async function ask<T>(port: number, f: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0, lazyConnect: true, connectTimeout: 1000 });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await f(r);
  } finally {
    r.disconnect();
  }
}

/** Polls `cond` until it holds (throws after `timeoutMs`, naming `what`). */
export async function until(what: string, timeoutMs: number, cond: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves once the replica on `port` has a live link to its primary (a replica mid-sync confirms nothing). */
export function inSync(port: number, timeoutMs = 30_000): Promise<void> {
  return until(`the replica on port ${port} to be in sync`, timeoutMs, async () => (await ask(port, (r) => r.info('replication')).catch(() => '')).includes('master_link_status:up'));
}
