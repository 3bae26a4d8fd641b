/**
 * The Redis message store's turn to forward (src/server/redis-message-store.ts) against a real
 * redis-server: one holder at a time; a holder whose release was lost takes its own turn up again at
 * once; a turn not renewed (its node died) goes to another after redis.leaseMs; a holder sees a turn
 * it lost.
 */
import test from 'ava';
import { Redis } from 'ioredis';
import { startRedis } from '../helpers/redis.ts';
import { type MessageStoreDef } from '../../src/config/store-def.ts';
import { silentLogger } from '../../src/logging.ts';
import { RedisMessageStore } from '../../src/server/redis-message-store.ts';
import { parseStoreUrl, type RedisTarget } from '../../src/session/store-url.ts';

const def = (leaseMs: number): MessageStoreDef & { redis: NonNullable<MessageStoreDef['redis']> } => ({
  kind: 'messageStore',
  name: 'S',
  loc: { file: 'synapse.xml', line: 1, col: 1 },
  maxMessages: 10,
  maxBytes: 1 << 20,
  redis: { url: undefined, prefix: 'moor:store:', leaseMs },
});

test('one holder at a time; a holder takes its own turn up again; a dead holder\'s turn lapses to another after the lease; a holder sees a turn it lost', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const store = new RedisMessageStore(def(300), parseStoreUrl(redis.url) as RedisTarget, silentLogger());
  t.teardown(() => store.close());
  t.true(await store.ready(2000));
  const raw = new Redis(redis.port, '127.0.0.1');
  t.teardown(() => raw.disconnect());

  const a = await store.turn('node-a');
  t.truthy(a);
  t.is(await store.turn('node-b'), undefined, 'another holder waits');
  // node-a's release never reached Redis (its connection dropped): it takes its turn up again at once
  const again = await store.turn('node-a');
  t.truthy(again);
  await again!.release();
  await a!.release();
  t.is(await raw.get('moor:store:{S}:turn'), null, 'released');

  // a node that died holding the turn: nobody renews it, and after the lease it is free
  await raw.set('moor:store:{S}:turn', 'dead-node', 'PX', 300);
  t.is(await store.turn('node-b'), undefined);
  await new Promise((r) => setTimeout(r, 400));
  const b = await store.turn('node-b');
  t.truthy(b);

  // the turn went to someone else meanwhile (node-b stalled past its lease): node-b sees it lost
  await raw.set('moor:store:{S}:turn', 'node-c', 'PX', 300);
  await new Promise((r) => setTimeout(r, 250));
  t.true(b!.lost);
  await b!.release();
  t.is(await raw.get('moor:store:{S}:turn'), 'node-c', "a lost turn's release leaves the new holder's alone");
});
