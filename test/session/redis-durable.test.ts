/**
 * Durable bindings (`?durable=1`) against a real primary and replica: a confirmed binding is on the
 * replica, first bindings and moves alike; a replica that does not acknowledge delays nothing past the
 * wait, is counted and logged once, and is noticed again when it is back; through the gateway, a new
 * session's first answer leaves only once the store's wait has ended; with Sentinel, a node that never
 * saw a session finds its binding on the replica while the primary is away. And the two ways to ask for it.
 */
import test from 'ava';
import { Redis } from 'ioredis';
import { storeTarget } from '../../src/cli/store-option.ts';
import { ConfigErrors } from '../../src/errors.ts';
import { RedisStore } from '../../src/session/redis-store.ts';
import { parseStoreUrl, type RedisTarget } from '../../src/session/store-url.ts';
import { memberEndpoints, startBackends } from '../helpers/backends.ts';
import { addItem, configDir, definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { capturingLogger } from '../helpers/log.ts';
import { until } from '../helpers/redis-group.ts';
import { type ReplicaPair, startReplicaPair } from '../helpers/redis-replica.ts';
import { startSentinels } from '../helpers/redis-sentinel.ts';

// (a 1 s command timeout, which is also the wait for a replica: a busy test machine must not be taken
// for an outage)
const QUERY = '/0?prefix=d:&durable=1&timeoutMs=1000';

async function durableStore(t: import('ava').ExecutionContext): Promise<{ pair: ReplicaPair; store: RedisStore; lines: string[]; replica: Redis }> {
  const pair = await startReplicaPair();
  t.teardown(() => pair.close());
  const { log, lines } = capturingLogger();
  const store = await RedisStore.connect(parseStoreUrl(pair.primary.url + QUERY) as RedisTarget, { log, probeMs: 100, connectWaitMs: 10_000 });
  t.teardown(() => store.close());
  const replica = new Redis(pair.replica.port, '127.0.0.1', { maxRetriesPerRequest: 0 });
  replica.on('error', () => undefined);
  t.teardown(() => replica.disconnect());
  t.is(store.health, 'ok');
  return { pair, store, lines, replica };
}

test.serial('a confirmed binding is on the replica: first bindings and moves', async (t) => {
  const { store, replica } = await durableStore(t);
  const keys = Array.from({ length: 50 }, (_, i) => `g|s${i}`);
  const claimed = await Promise.all(keys.map((k, i) => store.claim(k, `m${i % 3}@x`, 60_000)));
  await Promise.all(claimed.map((b) => b.confirmed));
  t.deepEqual(await replica.mget(keys.map((k) => `d:${k}`)), claimed.map((b) => b.endpoint), 'every binding is on the replica as soon as it is confirmed');
  const moved = await Promise.all(keys.slice(0, 10).map((k, i) => store.rebind(k, `m${i % 3}@x`, 'm9@x', 60_000)));
  await Promise.all(moved.map((b) => b.confirmed));
  t.deepEqual(await replica.mget(keys.slice(0, 10).map((k) => `d:${k}`)), keys.slice(0, 10).map(() => 'm9@x'), 'every move too');
  t.like(store.durability, { confirmed: 60, unconfirmed: 0 });
});

test.serial('a replica that does not acknowledge: answered after the wait, counted, logged once, and noticed when it is back', async (t) => {
  const { pair, store, lines } = await durableStore(t);
  pair.replica.pause();
  t.teardown(() => pair.replica.resume());
  const first = await store.claim('g|p0', 'a@x', 60_000);
  t.is(first.endpoint, 'a@x', 'the binding is made on the primary at once');
  await first.confirmed;
  t.like(store.durability, { confirmed: 0, unconfirmed: 1 });
  for (let i = 1; i <= 5; i++) await (await store.claim(`g|p${i}`, 'a@x', 60_000)).confirmed;
  t.like(store.durability, { confirmed: 0, unconfirmed: 6 });
  t.is(store.health, 'ok', 'an unconfirmed write is no outage of the store');
  const warned = lines.filter((l) => /WARN \[session\] session store: no replica of redis:\/\/127\.0\.0\.1:\d+\/0\?prefix=d:&durable=1&timeoutMs=1000 acknowledged a new binding within 1000 ms; answering anyway/.test(l));
  t.is(warned.length, 1, lines.join(''));
  pair.replica.resume();
  let i = 6;
  await until('a write to be confirmed again', 30_000, async () => {
    await (await store.claim(`g|p${i++}`, 'a@x', 60_000)).confirmed;
    return store.durability!.confirmed > 0;
  });
  t.is(lines.filter((l) => /INFO \[session\] session store: a replica of .* acknowledges new bindings again/.test(l)).length, 1);
});

test.serial('through the gateway, a new session’s first answer leaves only once the store stopped waiting for a replica', async (t) => {
  const { pair, store } = await durableStore(t);
  const backends = await startBackends(2);
  t.teardown(() => Promise.all(backends.map((b) => b.close())));
  const gw = await startGateway(
    {
      'cart.xml': definitions(
        `<endpoint name="Nodes"><session type="simpleClientSession"/><loadbalance>${memberEndpoints(backends)}</loadbalance></endpoint>` +
          '<proxy name="Cart"><target><inSequence><send><endpoint key="Nodes"/></send></inSequence><outSequence><send/></outSequence></target></proxy>',
      ),
    },
    { store },
  );
  t.teardown(() => gw.close());
  const send = (id: string) =>
    post(`${gw.url}/services/Cart`, soap11(addItem('a'), `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`), {
      'content-type': 'text/xml',
      soapaction: '"urn:moor:demo:cart/AddItem"',
    });
  t.is((await send('alice')).status, 200);
  t.like(store.durability, { confirmed: 1, unconfirmed: 0 }, 'a replica confirmed the first binding');
  // a replica that never answers: the wait (1 s) ends without it, and only then does the answer leave
  pair.replica.pause();
  t.teardown(() => pair.replica.resume());
  t.is((await send('bob')).status, 200);
  t.like(store.durability, { confirmed: 1, unconfirmed: 1 }, 'the answer came after the wait had ended');
  t.is((await send('alice')).status, 200, 'a bound session needs no wait');
  t.like(store.durability, { confirmed: 1, unconfirmed: 1 });
  const health = (await (await fetch(`${gw.url}/_moor/health`)).json()) as { store: string; durability: unknown };
  t.deepEqual([health.store, health.durability], ['ok', { confirmed: 1, unconfirmed: 1, readFromReplica: 0 }], 'operators see the counts');
});

test.serial('Sentinel, primary killed: a node that never saw a session finds its binding on the replica before the failover', async (t) => {
  t.timeout(120_000);
  const redis = await startSentinels();
  t.teardown(() => redis.close());
  const target = parseStoreUrl(`${redis.url}${QUERY}`) as RedisTarget;
  const [a, b] = await Promise.all([0, 1].map(() => RedisStore.connect(target, { log: capturingLogger().log, probeMs: 100, connectWaitMs: 10_000 })));
  t.teardown(() => Promise.all([a!.close(), b!.close()]));
  const keys = Array.from({ length: 50 }, (_, i) => `g|r${i}`);
  const claimed = await Promise.all(keys.map((k, i) => a!.claim(k, `m${i % 3}@x`, 60_000)));
  await Promise.all(claimed.map((c) => c.confirmed));
  await redis.primary.kill();
  await until('node b to notice', 10_000, async () => b!.health === 'degraded');
  // the Sentinels cannot have promoted the replica yet: they wait 1 s before they call the primary down
  const seen = await Promise.all(keys.map((k) => b!.get(k, 'sliding', 60_000)));
  t.deepEqual(seen.map((x) => x?.endpoint), claimed.map((c) => c.endpoint), 'every binding node a made');
  t.like(b!.durability, { readFromReplica: 50 }, 'read from the replica');
  await redis.failedOver(redis.primary.port);
  await until('node b back on the new primary', 30_000, async () => b!.health === 'ok');
  t.deepEqual((await Promise.all(keys.map((k) => b!.get(k, 'sliding', 60_000)))).map((x) => x?.endpoint), claimed.map((c) => c.endpoint), 'and on the new primary');
});

test('?durable=1 and <moor:store durable="true"> ask for it; the memory table cannot give it', async (t) => {
  t.true((parseStoreUrl('redis://h/0?durable=1') as RedisTarget).durable);
  t.false((parseStoreUrl('redis://h/0?durable=0') as RedisTarget).durable);
  t.false((parseStoreUrl('redis://h/0') as RedisTarget).durable);
  t.throws(() => parseStoreUrl('redis://h/0?durable=yes'), { message: /durable must be 0 or 1/ });
  const ns = 'xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config"';
  const redisDir = await configDir({ 'a.xml': `<definitions ${ns}><moor:store url="redis+sentinel://s1,s2/m" durable="true"/></definitions>` });
  t.like(await storeTarget(undefined, redisDir), { kind: 'sentinel', durable: true });
  const memoryDir = await configDir({ 'a.xml': `<definitions ${ns}>\n  <moor:store url="memory" durable="true"/></definitions>` });
  const e = await t.throwsAsync(storeTarget(undefined, memoryDir), { instanceOf: ConfigErrors });
  t.regex(String(e?.errors[0]), /a\.xml:2:3 MOOR_ERR_BAD_VALUE <moor:store durable="true"> needs a Redis store URL/);
});
