/**
 * The operators' view of a binding table (`list`, `count`): the same answers from the memory table,
 * from a real redis-server (SCAN) and from the workers' IPC store, bounded by their limits, expired
 * bindings left out.
 */
import { EventEmitter } from 'node:events';
import test from 'ava';
import { silentLogger } from '../../src/logging.ts';
import { ManualClock } from '../../src/session/clock.ts';
import { type IpcChannel, IpcStore, serveStore } from '../../src/session/ipc-store.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';
import { RedisStore } from '../../src/session/redis-store.ts';
import { type SessionStore, splitStoreKey, storeKeyOf } from '../../src/session/store.ts';
import { parseStoreUrl, type RedisTarget } from '../../src/session/store-url.ts';
import { startRedis } from '../helpers/redis.ts';

/** Two groups: `lb` with three sessions on two members, `odd*group` (a glob character) with one. */
async function fill(s: SessionStore): Promise<void> {
  await s.claim(storeKeyOf('lb', 's1'), 'a@http://a', 60_000);
  await s.claim(storeKeyOf('lb', 's2'), 'b@http://b', 60_000);
  await s.claim(storeKeyOf('lb', 's3'), 'a@http://a', 60_000);
  await s.claim(storeKeyOf('odd*group', 's|4'), 'b@http://b', 60_000);
}

async function checkListing(t: import('ava').ExecutionContext, s: SessionStore): Promise<void> {
  await fill(s);
  const all = await s.list({}, 100);
  t.false(all.truncated);
  t.deepEqual(all.bindings.map((b) => b.key).sort(), ['lb|s1', 'lb|s2', 'lb|s3', 'odd*group|s|4']);
  const lb = await s.list({ group: 'lb' }, 100);
  t.deepEqual(lb.bindings.map((b) => splitStoreKey(b.key).session).sort(), ['s1', 's2', 's3']);
  const odd = await s.list({ group: 'odd*group' }, 100);
  t.deepEqual(odd.bindings.map((b) => splitStoreKey(b.key)), [{ group: 'odd*group', session: 's|4' }], 'a glob character in a group name matches itself only');
  const onA = await s.list({ group: 'lb', endpoint: 'a@http://a' }, 100);
  t.deepEqual(onA.bindings.map((b) => b.key).sort(), ['lb|s1', 'lb|s3']);
  for (const b of onA.bindings) t.true(b.expiresAt > Date.now() - 1000 && b.expiresAt <= Date.now() + 61_000, 'each binding says when it expires');
  const two = await s.list({}, 2);
  t.is(two.bindings.length, 2);
  t.true(two.truncated, 'a listing cut at its limit says so');
  t.deepEqual(await s.count(100), { byGroup: { lb: 3, 'odd*group': 1 }, byEndpoint: { 'a@http://a': 2, 'b@http://b': 2 }, truncated: false });
  const capped = await s.count(3);
  t.true(capped.truncated);
  t.is(Object.values(capped.byGroup).reduce((a, n) => a + n, 0), 3);
  await s.delete(storeKeyOf('lb', 's1'));
  t.deepEqual((await s.list({ group: 'lb' }, 100)).bindings.map((b) => b.key).sort(), ['lb|s2', 'lb|s3'], 'a deleted session is no longer listed');
}

test('memory store: list and count, filtered and bounded', async (t) => {
  const s = new MemoryStore(undefined, 0);
  await checkListing(t, s);
});

test('memory store: expired bindings are neither listed nor counted', async (t) => {
  const clock = new ManualClock(1000);
  const s = new MemoryStore(clock, 0);
  await s.claim('g|old', 'a', 100);
  await s.claim('g|new', 'a', 10_000);
  clock.advance(500);
  t.deepEqual((await s.list({}, 10)).bindings.map((b) => b.key), ['g|new']);
  t.deepEqual((await s.count(10)).byGroup, { g: 1 });
});

test('Redis store: list and count with SCAN against a real redis-server', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const s = await RedisStore.connect(parseStoreUrl(`${redis.url}/0?prefix=ls:`) as RedisTarget, { log: silentLogger() });
  t.teardown(() => s.close());
  t.is(s.health, 'ok');
  await checkListing(t, s);
  // a second node (another store on the same Redis) sees the same sessions: the listing is Redis's
  const other = await RedisStore.connect(parseStoreUrl(`${redis.url}/0?prefix=ls:`) as RedisTarget, { log: silentLogger() });
  t.teardown(() => other.close());
  t.deepEqual((await other.count(100)).byGroup, { lb: 2, 'odd*group': 1 });
});

test('Redis store: while Redis is away, the listing comes from the local table', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const s = await RedisStore.connect(parseStoreUrl(`${redis.url}/0?prefix=ls:&timeoutMs=200`) as RedisTarget, { log: silentLogger() });
  t.teardown(() => s.close());
  await s.claim('g|k', 'a', 60_000);
  await redis.stop();
  const page = await s.list({}, 10);
  t.deepEqual(page.bindings.map((b) => b.key), ['g|k']);
  t.is(s.health, 'degraded');
});

test('IPC store: a worker lists and counts the primary table', async (t) => {
  // the two ends of one cluster channel, as node:cluster wires them
  const toPrimary = new EventEmitter();
  const toWorker = new EventEmitter();
  const end = (out: EventEmitter, inbox: EventEmitter): IpcChannel => ({
    send: (m, cb) => {
      setImmediate(() => out.emit('message', structuredClone(m)));
      cb?.(null);
      return true;
    },
    on: (e, l) => inbox.on(e, l),
    off: (e, l) => inbox.off(e, l),
  });
  const table = new MemoryStore(undefined, 0);
  const stop = serveStore(end(toWorker, toPrimary), table);
  t.teardown(stop);
  const worker = new IpcStore(end(toPrimary, toWorker));
  await checkListing(t, worker);
  t.deepEqual((await table.count(10)).byGroup, { lb: 2, 'odd*group': 1 }, 'the table is the primary’s');
});
