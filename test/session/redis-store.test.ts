/**
 * The Redis binding table against a real redis-server: atomic first binding and compare-and-set moves
 * across two store instances (two gateway nodes), sliding and absolute expiry as Redis sees them, and
 * the degraded mode: Redis stopped, paused or restarted empty never makes an operation fail or hang.
 */
import test from 'ava';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/session/redis-store.ts';
import { parseStoreUrl, type RedisTarget } from '../../src/session/store-url.ts';
import { capturingLogger } from '../helpers/log.ts';
import { type RedisServer, startRedis } from '../helpers/redis.ts';

function target(redis: RedisServer, query = ''): RedisTarget {
  return parseStoreUrl(`${redis.url}/0${query}`) as RedisTarget;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function setup(t: import('ava').ExecutionContext, query = '?prefix=t:') {
  const redis = await startRedis();
  const raw = new Redis(redis.port, '127.0.0.1', { lazyConnect: false, maxRetriesPerRequest: 0 });
  raw.on('error', () => undefined);
  const a = capturingLogger();
  const b = capturingLogger();
  const nodeA = await RedisStore.connect(target(redis, query), { log: a.log, probeMs: 100 });
  const nodeB = await RedisStore.connect(target(redis, query), { log: b.log, probeMs: 100 });
  t.teardown(async () => {
    await nodeA.close();
    await nodeB.close();
    raw.disconnect();
    await redis.stop();
  });
  return { redis, raw, nodeA, nodeB, linesA: a.lines };
}

test('the first claim wins on every node, even when two nodes claim at the same moment', async (t) => {
  const { raw, nodeA, nodeB } = await setup(t);
  t.is(nodeA.health, 'ok');
  const keys = Array.from({ length: 200 }, (_, i) => `g|s${i}`);
  const results = await Promise.all(keys.flatMap((k) => [nodeA.claim(k, 'a@http://a', 60_000), nodeB.claim(k, 'b@http://b', 60_000)]));
  for (let i = 0; i < keys.length; i++) {
    t.is(results[2 * i]!.endpoint, results[2 * i + 1]!.endpoint, `both nodes got one binding for ${keys[i]}`);
  }
  // the value is the endpoint's stable id, under the prefix
  t.is(await raw.get('t:g|s0'), results[0]!.endpoint);
  const held = await nodeB.get('g|s0', 'sliding', 60_000);
  t.is(held?.endpoint, results[0]!.endpoint);
});

test('scripts issued in one turn go out together, and each caller gets its own answer', async (t) => {
  const { nodeA } = await setup(t);
  const bound = Array.from({ length: 100 }, (_, i) => `g|b${i}`);
  await Promise.all(bound.map((k, i) => nodeA.claim(k, `m${i % 7}@http://m`, 60_000)));
  // one turn: reads of bound and unbound keys, sliding and absolute, and new claims, interleaved
  const reads = await Promise.all(
    bound.flatMap((k, i) => [nodeA.get(k, i % 2 ? 'sliding' : 'absolute', 60_000), nodeA.get(`g|none${i}`, 'sliding', 60_000), nodeA.claim(`g|new${i}`, `n${i}@http://n`, 60_000)]),
  );
  for (let i = 0; i < bound.length; i++) {
    t.is(reads[3 * i]?.endpoint, `m${i % 7}@http://m`);
    t.is(reads[3 * i + 1], undefined);
    t.is(reads[3 * i + 2]?.endpoint, `n${i}@http://n`);
  }
  t.is(nodeA.health, 'ok');
});

test('sliding expiry refreshes the TTL in Redis; absolute expiry does not', async (t) => {
  const { raw, nodeA } = await setup(t);
  await nodeA.claim('slide', 'a@x', 1000);
  await nodeA.claim('fixed', 'a@x', 1000);
  await new Promise((r) => setTimeout(r, 300));
  await nodeA.get('slide', 'sliding', 1000);
  const fixed = await nodeA.get('fixed', 'absolute', 1000);
  t.true((await raw.pttl('t:slide')) > 900, 'a sliding read set the TTL back to the timeout');
  t.true((await raw.pttl('t:fixed')) < 750, 'an absolute read left the TTL running');
  t.true(fixed!.expiresAt - Date.now() < 750);
  await new Promise((r) => setTimeout(r, 800));
  t.is(await nodeA.get('fixed', 'absolute', 1000), undefined, 'the absolute binding expired');
  t.is((await nodeA.get('slide', 'sliding', 1000))?.endpoint, 'a@x', 'the refreshed one is alive');
});

test('rebind is a compare-and-set: concurrent moves from one failed endpoint converge on one', async (t) => {
  const { nodeA, nodeB } = await setup(t);
  for (let i = 0; i < 50; i++) {
    const k = `m${i}`;
    await nodeA.claim(k, 'dead@x', 60_000);
    const [x, y] = await Promise.all([nodeA.rebind(k, 'dead@x', 'b@x', 60_000), nodeB.rebind(k, 'dead@x', 'c@x', 60_000)]);
    t.is(x.endpoint, y.endpoint);
    t.not(x.endpoint, 'dead@x');
  }
  // a move from an endpoint the session has already left does nothing
  const after = await nodeA.rebind('m0', 'dead@x', 'z@x', 60_000);
  t.not(after.endpoint, 'z@x');
  // unbound: the move binds
  t.is((await nodeA.rebind('fresh', 'dead@x', 'b@x', 60_000)).endpoint, 'b@x');
  await nodeA.delete('fresh');
  t.is(await nodeB.get('fresh', 'sliding', 60_000), undefined);
});

test('Redis stopped: operations go on locally, health is degraded (logged once); back: bindings are written back with NX', async (t) => {
  const { redis, raw, nodeA, nodeB, linesA } = await setup(t);
  await nodeA.claim('before', 'a@x', 60_000);
  await nodeB.claim('held', 'b@x', 60_000);
  await redis.stop();
  await until('degraded', () => nodeA.health === 'degraded' && nodeB.health === 'degraded');
  const started = Date.now();
  t.is((await nodeA.get('before', 'sliding', 60_000))?.endpoint, 'a@x', 'a session this node routed keeps its endpoint');
  const local = await nodeA.claim('during', 'a@x', 60_000);
  t.is(local.endpoint, 'a@x');
  t.is((await nodeA.claim('held', 'a@x', 60_000)).endpoint, 'a@x', 'nodeA never saw "held": it binds it locally');
  // three operations that each waited for the 250 ms command timeout would take at least 750 ms
  t.true(Date.now() - started < 750, 'nothing waited on the dead connection');
  for (let i = 0; i < 5; i++) await nodeA.get('during', 'sliding', 60_000);
  t.is(linesA.filter((l) => /session store degraded/.test(l)).length, 1, 'the transition is logged once');

  await redis.start(); // restarted empty: nothing is saved
  await until('ok again', () => nodeA.health === 'ok' && nodeB.health === 'ok', 8000);
  t.is(await raw.get('t:during'), 'a@x', 'a binding made during the outage was written back');
  t.is(await raw.get('t:before'), 'a@x', 'a binding Redis lost in its restart was restored from the mirror');
  // both nodes wrote "held" back with NX: exactly one won, and both nodes now agree on it
  const winner = await raw.get('t:held');
  t.truthy(winner);
  t.is((await nodeA.get('held', 'sliding', 60_000))?.endpoint, winner!);
  t.is((await nodeB.get('held', 'sliding', 60_000))?.endpoint, winner!);
  t.true(linesA.some((l) => /session store ok: .*answers; \d+ local bindings written back/.test(l)));
});

test('a paused Redis (no answer at all) costs one timeout, then the store routes locally and recovers', async (t) => {
  const { redis, nodeA } = await setup(t, '?prefix=t:&timeoutMs=150');
  await nodeA.claim('k', 'a@x', 60_000);
  redis.pause();
  t.teardown(() => redis.resume());
  const started = Date.now();
  t.is((await nodeA.get('k', 'sliding', 60_000))?.endpoint, 'a@x');
  const first = Date.now() - started;
  t.true(first < 1000, `the first read gave up after the timeout (${first} ms)`);
  t.is(nodeA.health, 'degraded');
  const again = Date.now();
  await nodeA.claim('k2', 'a@x', 60_000);
  for (let i = 0; i < 9; i++) await nodeA.get('k2', 'sliding', 60_000);
  // ten operations that each waited for the 150 ms timeout would take at least 1.5 s
  t.true(Date.now() - again < 1500, 'later operations do not wait for the timeout');
  redis.resume();
  await until('ok again', () => nodeA.health === 'ok', 5000);
  t.is((await nodeA.get('k2', 'sliding', 60_000))?.endpoint, 'a@x');
});

test('a Redis that is down at start: the store starts degraded and switches over when it comes up', async (t) => {
  const redis = await startRedis();
  await redis.stop();
  const { log, lines } = capturingLogger();
  const started = Date.now();
  const store = await RedisStore.connect(target(redis), { log, connectWaitMs: 300, probeMs: 100 });
  t.teardown(async () => {
    await store.close();
    await redis.stop();
  });
  t.true(Date.now() - started < 2000);
  t.is(store.health, 'degraded');
  t.is((await store.claim('x', 'a@x', 60_000)).endpoint, 'a@x');
  t.true(lines.some((l) => /WARN.*session store degraded/.test(l)));
  await redis.start();
  await until('ok', () => store.health === 'ok', 8000);
  t.is((await store.get('x', 'sliding', 60_000))?.endpoint, 'a@x');
});

test('store URLs: redis, TLS, Sentinel, Cluster, parameters, and readable errors', (t) => {
  t.deepEqual(parseStoreUrl('memory'), { kind: 'memory' });
  const r = parseStoreUrl('redis://:s3cret@cache.local:6380/2?prefix=p:&timeoutMs=100') as RedisTarget;
  t.like(r, { kind: 'redis', hosts: [{ host: 'cache.local', port: 6380 }], db: 2, password: 's3cret', tls: false, prefix: 'p:', timeoutMs: 100 });
  t.false(r.display.includes('s3cret'), 'the password never reaches a log line');
  t.like(parseStoreUrl('rediss://u:p@h') as RedisTarget, { tls: true, username: 'u', password: 'p', hosts: [{ host: 'h', port: 6379 }], prefix: 'moor:session:', timeoutMs: 250 });
  t.like(parseStoreUrl('redis+sentinel://s1:26379,s2,[::1]:26380/mymaster/3') as RedisTarget, {
    kind: 'sentinel',
    master: 'mymaster',
    db: 3,
    hosts: [
      { host: 's1', port: 26379 },
      { host: 's2', port: 26379 },
      { host: '::1', port: 26380 },
    ],
  });
  t.like(parseStoreUrl('redis+cluster://n1:7000,n2:7001') as RedisTarget, { kind: 'cluster', hosts: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }] });
  t.throws(() => parseStoreUrl('http://x'), { message: /not a store URL/ });
  t.throws(() => parseStoreUrl('redis://a,b'), { message: /one host/ });
  t.throws(() => parseStoreUrl('redis://h/x'), { message: /database must be a number/ });
  t.throws(() => parseStoreUrl('redis+cluster://h/1'), { message: /database 0 only/ });
  t.throws(() => parseStoreUrl('redis+sentinel://h'), { message: /names the master/ });
  t.throws(() => parseStoreUrl('redis://h?family=6'), { message: /unknown parameter "family"/ });
  t.throws(() => parseStoreUrl('redis://h:99999'), { message: /not a TCP port/ });
});
