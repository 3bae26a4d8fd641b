/**
 * Durable bindings on a real Redis Cluster while a primary is failed over: a node that never saw a
 * session finds its binding at every moment of the failover — before the cluster notices, while the
 * primary is marked failed, after the promotion. (With `choose="balance"` a miss is a split session:
 * the node would balance it anew; this is what split 1 of 30 long-lived sessions in bench/failover.ts's
 * cluster durable balance scenario.) And a replica that would refuse those reads is named in the log.
 */
import test from 'ava';
import { RedisStore } from '../../src/session/redis-store.ts';
import { parseStoreUrl, type RedisTarget } from '../../src/session/store-url.ts';
import { capturingLogger } from '../helpers/log.ts';
import { startRedisCluster } from '../helpers/redis-cluster.ts';
import { ask, until } from '../helpers/redis-group.ts';

test('Cluster, a primary killed: a node that never saw a session finds its binding throughout the failover', async (t) => {
  t.timeout(120_000);
  const cluster = await startRedisCluster();
  t.teardown(() => cluster.close());
  const target = parseStoreUrl(`${cluster.url}?prefix=u:&timeoutMs=1000&durable=1`) as RedisTarget;
  const connect = (log = capturingLogger().log) => RedisStore.connect(target, { log, probeMs: 100, connectWaitMs: 10_000 });

  // a replica that refuses reads while the cluster is marked failed is named once
  const replicas = (await Promise.all(cluster.servers.map(async (s) => ((await ask(s.port, (r) => r.info('replication'))).includes('role:slave') ? s : undefined)))).filter((s) => s);
  t.is(replicas.length, 3);
  const strict = replicas[0]!;
  await ask(strict.port, (r) => r.config('SET', 'cluster-allow-reads-when-down', 'no'));
  const watched = capturingLogger();
  const c = await connect(watched.log);
  t.teardown(() => c.close());
  await until('the warning', 10_000, async () => watched.lines.some((l) => l.includes(`the Redis Cluster replica 127.0.0.1:${strict.port} has cluster-allow-reads-when-down no`)));
  t.is(watched.lines.filter((l) => /WARN \[session\] .*cluster-allow-reads-when-down no/.test(l)).length, 1, watched.lines.join(''));
  await c.close();
  await ask(strict.port, (r) => r.config('SET', 'cluster-allow-reads-when-down', 'yes'));

  const a = await connect();
  const b = await connect();
  t.teardown(() => Promise.all([a.close(), b.close()]));
  const keys = Array.from({ length: 150 }, (_, i) => `g|u${i}`);
  const claimed = await Promise.all(keys.map((k, i) => a.claim(k, `m${i % 3}@x`, 120_000)));
  await Promise.all(claimed.map((x) => x.confirmed));
  const victim = (await cluster.primaries())[0]!;
  await victim.kill();
  const killedAt = Date.now();
  const misses: string[] = [];
  // node b meets one session it never saw every 40 ms, from the kill until well after the promotion
  for (const [i, k] of keys.entries()) {
    const seen = await b.get(k, 'sliding', 120_000);
    if (seen?.endpoint !== claimed[i]!.endpoint) misses.push(`${k} at +${Date.now() - killedAt} ms (${b.health}): ${seen?.endpoint ?? 'not found'}`);
    await new Promise((r) => setTimeout(r, 40));
  }
  t.deepEqual(misses, [], 'every binding found, whatever the moment');
  t.true(b.durability!.readFromReplica > 0, `some were read from a replica while the store was degraded (${b.durability!.readFromReplica})`);
});
