/**
 * The Redis binding table against replicated Redis, for real: `redis+sentinel://` against a primary, a
 * replica and three Sentinels, and `redis+cluster://` against a cluster of three primaries with a
 * replica each (with durable bindings, whose WAIT must reach each key's own primary). Two store
 * instances (two gateway nodes) agree on first bindings; the cluster spreads the keys over all primaries; a primary killed under traffic fails no operation, and each node
 * comes back on the new primary with the bindings it knew.
 */
import test from 'ava';
import { Redis } from 'ioredis';
import { silentLogger } from '../../src/logging.ts';
import { RedisStore } from '../../src/session/redis-store.ts';
import { parseStoreUrl, type RedisTarget } from '../../src/session/store-url.ts';
import { startRedisCluster } from '../helpers/redis-cluster.ts';
import { until } from '../helpers/redis-group.ts';
import { startSentinels } from '../helpers/redis-sentinel.ts';

// (a 1 s command timeout: a busy test machine must not be taken for an outage)
const QUERY = '?prefix=t:&timeoutMs=1000';

async function twoNodes(t: import('ava').ExecutionContext, url: string, query = ''): Promise<[RedisStore, RedisStore]> {
  const target = parseStoreUrl(url + QUERY + query) as RedisTarget;
  const nodes = await Promise.all([0, 1].map(() => RedisStore.connect(target, { log: silentLogger(), probeMs: 100, connectWaitMs: 10_000 })));
  t.teardown(() => Promise.all(nodes.map((n) => n.close())));
  return nodes as [RedisStore, RedisStore];
}

/**
 * Claims `count` sessions from both nodes at once, then keeps reading them from both while `during`
 * runs; resolves with the operations that threw (none expected) and how many ran.
 */
async function traffic(nodes: readonly RedisStore[], prefix: string, count: number, during: () => Promise<void>): Promise<{ errors: string[]; ops: number; disagreements: string[] }> {
  const errors: string[] = [];
  const disagreements: string[] = [];
  let ops = 0;
  const keys = Array.from({ length: count }, (_, i) => `g|${prefix}${i}`);
  const bound = new Map<string, string>();
  for (const k of keys) {
    const [a, b] = await Promise.all([nodes[0]!.claim(k, 'a@x', 60_000), nodes[1]!.claim(k, 'b@x', 60_000)]);
    if (a.endpoint !== b.endpoint) disagreements.push(`${k}: ${a.endpoint} / ${b.endpoint}`);
    bound.set(k, a.endpoint);
  }
  let running = true;
  const loops = nodes.map(async (node) => {
    for (let i = 0; running; i++) {
      const k = keys[i % keys.length]!;
      try {
        const b = await node.get(k, 'sliding', 60_000);
        ops++;
        if (b?.endpoint !== bound.get(k)) disagreements.push(`${k}: ${b?.endpoint} instead of ${bound.get(k)}`);
      } catch (e) {
        errors.push((e as Error).message);
      }
      await new Promise((r) => setImmediate(r));
    }
  });
  try {
    await during();
  } finally {
    running = false;
    await Promise.all(loops);
  }
  return { errors, ops, disagreements };
}

test.serial('redis+sentinel://: one binding per session; the primary killed under traffic fails nothing, and both nodes follow the new primary', async (t) => {
  t.timeout(120_000);
  const redis = await startSentinels();
  t.teardown(() => redis.close());
  const nodes = await twoNodes(t, `${redis.url}/0`);
  t.is(nodes[0].health, 'ok');
  const old = await redis.masterPort();
  t.is(old, redis.primary.port);
  const { errors, ops, disagreements } = await traffic(nodes, 's', 100, async () => {
    await new Promise((r) => setTimeout(r, 300));
    await redis.primary.kill();
    await redis.failedOver(old);
    await until('both nodes to be ok on the new primary', 30_000, async () => nodes.every((n) => n.health === 'ok'));
    await new Promise((r) => setTimeout(r, 300));
  });
  t.deepEqual(errors, [], 'no operation failed');
  t.deepEqual(disagreements, [], 'every read gave the first binding, before, during and after the failover');
  t.true(ops > 100, `traffic flowed (${ops} reads)`);
  const promoted = new Redis(await redis.masterPort(), '127.0.0.1');
  t.teardown(() => promoted.disconnect());
  t.is(await redis.masterPort(), redis.replica.port, 'the replica was promoted');
  t.is((await promoted.keys('t:g|s*')).length, 100, 'every binding is on the new primary');
});

test.serial('redis+cluster:// with durable bindings: keys spread over all three primaries, each write confirmed by its primary’s replica; one primary killed under traffic fails nothing', async (t) => {
  t.timeout(120_000);
  const cluster = await startRedisCluster();
  t.teardown(() => cluster.close());
  const nodes = await twoNodes(t, cluster.url, '&durable=1');
  const primaries = await cluster.primaries();
  t.is(primaries.length, 3);
  const { errors, ops, disagreements } = await traffic(nodes, 'c', 120, async () => {
    // every primary holds some of the bindings
    for (const p of primaries) {
      const r = new Redis(p.port, '127.0.0.1');
      const size = await r.dbsize();
      r.disconnect();
      t.true(size > 10, `primary ${p.port} holds ${size} of the 120 bindings`);
    }
    const victim = primaries[0]!;
    await victim.kill();
    await cluster.failedOver(victim.port);
    await until('both nodes to be ok on the new primaries', 30_000, async () => nodes.every((n) => n.health === 'ok'));
    await new Promise((r) => setTimeout(r, 300));
  });
  t.deepEqual(errors, [], 'no operation failed');
  t.deepEqual(disagreements, [], 'every read gave the first binding');
  t.true(ops > 100, `traffic flowed (${ops} reads)`);
  let total = 0;
  for (const p of await cluster.primaries()) {
    const r = new Redis(p.port, '127.0.0.1');
    total += (await r.keys('t:g|c*')).length;
    r.disconnect();
  }
  t.is(total, 120, 'every binding is held by the primaries after the failover');
  t.deepEqual(
    nodes.map((n) => ({ confirmed: n.durability?.confirmed, unconfirmed: n.durability?.unconfirmed })),
    [
      { confirmed: 120, unconfirmed: 0 },
      { confirmed: 120, unconfirmed: 0 },
    ],
    'every claim of both nodes (the winner’s write and the loser’s touch) was confirmed by a replica',
  );
});
