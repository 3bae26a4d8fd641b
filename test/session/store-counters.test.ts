/**
 * The throttle's counters in each store: the workers' IPC store counts in the primary's table, two Redis
 * store instances (two gateway nodes) on a real redis-server count one window together, counters are
 * never listed or counted as sessions, and with Redis stopped each node counts alone.
 */
import { EventEmitter } from 'node:events';
import test from 'ava';
import { silentLogger } from '../../src/logging.ts';
import { IpcStore, serveStore, type IpcChannel } from '../../src/session/ipc-store.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';
import { RedisStore } from '../../src/session/redis-store.ts';
import { parseStoreUrl, type RedisTarget } from '../../src/session/store-url.ts';
import { startRedis } from '../helpers/redis.ts';

const RULE = { max: 3, windowMs: 60_000, prohibitMs: 0 };

/** Two ends of an in-process channel, delivering asynchronously as IPC does. */
function channelPair(): [IpcChannel, IpcChannel] {
  const a = new EventEmitter();
  const b = new EventEmitter();
  const end = (self: EventEmitter, other: EventEmitter): IpcChannel => ({
    send: (m, cb) => (setImmediate(() => (other.emit('message', structuredClone(m)), cb?.(null))), true),
    on: (e, l) => self.on(e, l),
    off: (e, l) => self.off(e, l),
  });
  return [end(a, b), end(b, a)];
}

test('two workers count in the primary’s table', async (t) => {
  const table = new MemoryStore();
  const [w1, p1] = channelPair();
  const [w2, p2] = channelPair();
  const stops = [serveStore(p1, table), serveStore(p2, table)];
  const workers = [new IpcStore(w1), new IpcStore(w2)];
  const counts = [];
  for (let i = 0; i < 4; i++) counts.push((await workers[i % 2]!.hit('A|1.2.3.4', RULE)).count);
  t.deepEqual(counts, [1, 2, 3, 4]);
  for (const s of stops) s();
  await Promise.all([...workers, table].map((s) => s.close()));
});

test('two Redis nodes count one window; the counter is no session; with Redis stopped each node counts alone', async (t) => {
  const redis = await startRedis();
  const target = parseStoreUrl(`${redis.url}/0?prefix=t:&timeoutMs=1000`) as RedisTarget;
  const [a, b] = await Promise.all([0, 1].map(() => RedisStore.connect(target, { log: silentLogger(), probeMs: 100 })));
  t.teardown(async () => {
    await Promise.all([a!.close(), b!.close()]);
    await redis.stop();
  });
  const hits = [await a!.hit('A|1.2.3.4', RULE), await b!.hit('A|1.2.3.4', RULE), await a!.hit('A|1.2.3.4', RULE), await b!.hit('A|1.2.3.4', RULE)];
  t.deepEqual(hits.map((h) => h.count), [1, 2, 3, 4]);
  t.true(hits.every((h) => h.resetInMs > 59_000 && h.resetInMs <= 60_000), 'one window, opened by the first request');
  // the request past the maximum starts the prohibition: the counter's TTL becomes ProhibitTimePeriod
  const prohibit = { max: 1, windowMs: 60_000, prohibitMs: 5_000 };
  const [first, refused, still] = [await a!.hit('P|1.2.3.4', prohibit), await b!.hit('P|1.2.3.4', prohibit), await a!.hit('P|1.2.3.4', prohibit)];
  t.true(first.resetInMs > 59_000, `the window (${first.resetInMs} ms left)`);
  t.true(refused.count === 2 && refused.resetInMs > 4_000 && refused.resetInMs <= 5_000, `the prohibition (${refused.resetInMs} ms left)`);
  t.true(still.count === 3 && still.resetInMs <= refused.resetInMs, 'later refusals do not extend it');
  await a!.claim('g|s1', 'm@x', 60_000);
  t.deepEqual((await a!.list({}, 10)).bindings.map((x) => x.key), ['g|s1'], 'the counter is not listed');
  t.deepEqual((await a!.count(10)).byGroup, { g: 1 });
  await redis.stop();
  const local = [await a!.hit('A|1.2.3.4', RULE), await a!.hit('A|1.2.3.4', RULE), await b!.hit('A|1.2.3.4', RULE)];
  t.deepEqual(local.map((h) => h.count), [1, 2, 1], 'each node counts alone while Redis is away');
  t.deepEqual([a!.health, b!.health], ['degraded', 'degraded']);
});
