/**
 * Message stores in Redis (`moor.RedisMessageStore`), shared by several gateway nodes, against a real
 * redis-server the test starts and real SOAP backends on loopback: each node runs its own forwarding
 * processor over the one queue, and every stored message is delivered once, in the order stored; a node
 * killed (SIGKILL, a real `moor start` process) while delivering loses nothing, the other node delivers
 * it after the dead one's turn lapses; a deactivation on one node stops the processor on the other; a
 * sampling processor on each node takes each message once; with Redis down `<store>` answers
 * MOOR_ERR_STORE_UNAVAILABLE and the processor takes up again once Redis is back.
 */
import test from 'ava';
import { Redis } from 'ioredis';
import { capturingLogger } from '../helpers/log.ts';
import { configDir, definitions, post, soap11, startGateway, until } from '../helpers/gateway.ts';
import { startMoors } from '../helpers/processes.ts';
import { startRedis } from '../helpers/redis.ts';
import { startRedisCluster } from '../helpers/redis-cluster.ts';
import { startSoapBackend } from '../mediators/soap-backend.ts';
import { RedisStore } from '../../src/session/redis-store.ts';
import { parseStoreUrl, type RedisTarget } from '../../src/session/store-url.ts';
import { silentLogger } from '../../src/logging.ts';

const FORWARDER = 'org.apache.synapse.message.processor.impl.forwarder.ScheduledMessageForwardingProcessor';
const SAMPLER = 'org.apache.synapse.message.processor.impl.sampler.SamplingProcessor';
const order = (n: number): string => soap11(`<o:order xmlns:o="urn:o"><o:n>${n}</o:n></o:order>`);
const numberOf = (body: string): string => /<o:n>(\d+)<\/o:n>/.exec(body)?.[1] ?? '?';
const range = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i + 1));

/** A Redis store, a proxy that stores into it (202), and a forwarding processor to `backend`. */
function sharedConfig(redisUrl: string | undefined, backend: string, processor = ''): string {
  const url = redisUrl === undefined ? '' : `<parameter name="redis.url">${redisUrl}</parameter>`;
  return definitions(`<messageStore name="S" class="moor.RedisMessageStore">${url}<parameter name="redis.leaseMs">1000</parameter></messageStore>
    <endpoint name="Backend"><address uri="${backend}"><suspendOnFailure><initialDuration>0</initialDuration></suspendOnFailure></address></endpoint>
    <proxy name="In"><target><inSequence>
      <property name="FORCE_SC_ACCEPTED" value="true" scope="axis2"/>
      <property name="order.kind" value="rush"/>
      <store messageStore="S"/>
    </inSequence></target></proxy>
    ${processor || `<messageProcessor name="Fwd" class="${FORWARDER}" messageStore="S" targetEndpoint="Backend">
      <parameter name="interval">50</parameter><parameter name="client.retry.interval">50</parameter>
    </messageProcessor>`}`);
}

test('two gateways share one Redis store: messages stored through either are each delivered once, in the order stored', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const backend = await startSoapBackend();
  t.teardown(() => backend.close());
  const dir = await configDir({ 'synapse.xml': sharedConfig(redis.url, backend.url) });
  const [a, b] = [await startGateway(dir), await startGateway(dir)];
  t.teardown(async () => {
    await a!.close();
    await b!.close();
  });
  const n = 30;
  for (let i = 1; i <= n; i++) t.is((await post(`${(i % 2 ? a : b)!.url}/services/In`, order(i))).status, 202);
  await until(() => backend.received.length >= n);
  await new Promise((r) => setTimeout(r, 300));
  t.deepEqual(backend.received.map((r) => numberOf(r.body)), range(n), 'each once, in the order stored');
  t.is(await a!.current.stores.get('S')!.count(), 0);
  t.is((a!.processorState('Fwd')?.delivered ?? 0) + (b!.processorState('Fwd')?.delivered ?? 0), n);
  // what <store> kept crossed Redis whole: the envelope and the SOAP 1.1 content type
  t.regex(String(backend.received[0]!.headers['content-type']), /^text\/xml/);
});

test('a node killed while it delivers loses nothing: the other node delivers that message again, then the rest, in order', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  let hold = true;
  const held: (() => void)[] = [];
  const backend = await startSoapBackend((r) => (hold ? new Promise((resolve) => held.push(() => resolve({ body: r.body }))) : { body: r.body }));
  t.teardown(async () => {
    for (const release of held) release();
    await backend.close();
  });
  const dir = await configDir({ 'synapse.xml': sharedConfig(redis.url, backend.url) });
  const nodes = await startMoors(2, dir);
  t.teardown(() => Promise.all(nodes.map((g) => g.kill())).then(() => undefined));
  for (let i = 1; i <= 5; i++) t.is((await post(`${nodes[0]!.url}/services/In`, order(i))).status, 202);
  await until(() => backend.received.length >= 1);
  // the node holding the store's turn is the one delivering message 1: kill it mid-delivery
  const peek = new Redis(redis.port, '127.0.0.1');
  t.teardown(() => peek.disconnect());
  const holder = (await peek.get('moor:store:{S}:turn'))!;
  const pid = Number(holder.split(':')[1]);
  const dying = nodes.find((g) => g.pid === pid);
  t.truthy(dying, `the turn is held by one of the nodes (${holder})`);
  await dying!.kill();
  hold = false;
  for (const release of held) release();
  await until(() => backend.received.length >= 6);
  await new Promise((r) => setTimeout(r, 300));
  t.deepEqual(backend.received.map((r) => numberOf(r.body)), ['1', '1', '2', '3', '4', '5'], 'message 1 again (at least once), then the others once each, in order');
  t.is(await peek.llen('moor:store:{S}:q'), 0);
});

test('a processor that gives up deactivates on every node sharing the store, and the message stays first', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const backend = await startSoapBackend(() => ({ status: 500, body: '<x/>' }));
  t.teardown(() => backend.close());
  const dir = await configDir({
    'synapse.xml': sharedConfig(
      redis.url,
      backend.url,
      `<messageProcessor name="Fwd" class="${FORWARDER}" messageStore="S" targetEndpoint="Backend">
        <parameter name="interval">50</parameter><parameter name="client.retry.interval">50</parameter><parameter name="max.delivery.attempts">3</parameter>
      </messageProcessor>`,
    ),
  });
  const [a, b] = [await startGateway(dir), await startGateway(dir)];
  t.teardown(async () => {
    await a!.close();
    await b!.close();
  });
  t.is((await post(`${a!.url}/services/In`, order(1))).status, 202);
  await until(() => a!.processorState('Fwd')?.active === false && b!.processorState('Fwd')?.active === false);
  t.is(backend.received.length, 3, 'max.delivery.attempts in all, not per node');
  t.is(await a!.current.stores.get('S')!.count(), 1);
});

test('a sampling processor on each of two nodes takes each stored message once', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const backend = await startSoapBackend();
  t.teardown(() => backend.close());
  const dir = await configDir({
    'synapse.xml': sharedConfig(
      redis.url,
      backend.url,
      `<sequence name="deliver"><property name="X-Kind" scope="transport" expression="get-property('order.kind')"/><send><endpoint key="Backend"/></send></sequence>
      <messageProcessor name="Sampler" class="${SAMPLER}" messageStore="S">
        <parameter name="interval">30</parameter><parameter name="concurrency">2</parameter><parameter name="sequence">deliver</parameter>
      </messageProcessor>`,
    ),
  });
  const [a, b] = [await startGateway(dir), await startGateway(dir)];
  t.teardown(async () => {
    await a!.close();
    await b!.close();
  });
  const n = 20;
  for (let i = 1; i <= n; i++) t.is((await post(`${(i % 2 ? a : b)!.url}/services/In`, order(i))).status, 202);
  await until(() => backend.received.length >= n);
  await new Promise((r) => setTimeout(r, 300));
  t.deepEqual(backend.received.map((r) => numberOf(r.body)).sort((x, y) => Number(x) - Number(y)), range(n));
  t.is(backend.received[0]!.headers['x-kind'], 'rush', 'the default-scope properties crossed Redis with the message');
});

test("Redis down: <store> answers MOOR_ERR_STORE_UNAVAILABLE at once, and the processor takes up again once Redis is back (the store on the gateway's --store Redis)", async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const backend = await startSoapBackend();
  t.teardown(() => backend.close());
  const target = parseStoreUrl(`${redis.url}?timeoutMs=200`) as RedisTarget;
  const session = await RedisStore.connect(target, { log: silentLogger() });
  const { log, lines } = capturingLogger();
  const gw = await startGateway({ 'synapse.xml': sharedConfig(undefined, backend.url) }, { store: session, logger: log });
  t.teardown(() => gw.close());
  t.is((await post(`${gw.url}/services/In`, order(1))).status, 202);
  await until(() => backend.received.length >= 1);

  await redis.stop();
  const started = Date.now();
  const down = await post(`${gw.url}/services/In`, order(2));
  t.is(down.status, 503);
  t.is(down.headers['x-moor-error'], 'MOOR_ERR_STORE_UNAVAILABLE');
  t.regex(down.text, /message store "S": Redis at redis:\/\/127\.0\.0\.1:\d+\?timeoutMs=200 does not answer/);
  t.true(Date.now() - started < 2000, 'failed fast, not queued');
  await new Promise((r) => setTimeout(r, 200));
  t.regex(lines.join(''), /message processor "Fwd": message store "S": Redis at .* does not answer/);

  await redis.start();
  let status = 0;
  for (let i = 0; i < 100 && status !== 202; i++) {
    status = (await post(`${gw.url}/services/In`, order(3))).status;
    if (status !== 202) await new Promise((r) => setTimeout(r, 100));
  }
  t.is(status, 202);
  await until(() => backend.received.length >= 2);
  t.deepEqual(backend.received.map((r) => numberOf(r.body)), ['1', '3'], 'the refused message was not kept anywhere; the next one is delivered');
  await until(() => /message processor "Fwd": message store "S" answers again/.test(lines.join('')));
  t.pass('the processor said once that the store answers again');
});

test("a Redis store without redis.url on a gateway whose --store is not Redis: the gateway does not start, and says which store at file:line:col", async (t) => {
  const dir = await configDir({ 'synapse.xml': sharedConfig(undefined, 'http://127.0.0.1:9/') });
  const e = await t.throwsAsync(startGateway(dir));
  t.regex(e!.message, /synapse\.xml:1:\d+ .*message store "S" \(moor\.RedisMessageStore\) has no <parameter name="redis\.url">, and the gateway's --store is not a Redis/);
});

test('on Redis Cluster (the store\'s keys in one slot): two gateways deliver each message once, in order', async (t) => {
  const cluster = await startRedisCluster();
  t.teardown(() => cluster.close());
  const backend = await startSoapBackend();
  t.teardown(() => backend.close());
  const dir = await configDir({ 'synapse.xml': sharedConfig(`${cluster.url}?timeoutMs=1000`, backend.url) });
  const [a, b] = [await startGateway(dir), await startGateway(dir)];
  t.teardown(async () => {
    await a!.close();
    await b!.close();
  });
  const n = 12;
  for (let i = 1; i <= n; i++) t.is((await post(`${(i % 2 ? a : b)!.url}/services/In`, order(i))).status, 202);
  await until(() => backend.received.length >= n);
  await new Promise((r) => setTimeout(r, 300));
  t.deepEqual(backend.received.map((r) => numberOf(r.body)), range(n));
  t.is(await b!.current.stores.get('S')!.count(), 0);
});

test('the bounds hold across nodes: the third message through either node finds the shared store full (503 MOOR_ERR_STORE_FULL)', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const config = definitions(`<messageStore name="S" class="moor.RedisMessageStore" xmlns:moor="urn:moor:config" moor:maxMessages="2">
      <parameter name="redis.url">${redis.url}</parameter></messageStore>
    <messageStore name="B" class="moor.RedisMessageStore" xmlns:moor="urn:moor:config" moor:maxBytes="1000">
      <parameter name="redis.url">${redis.url}</parameter></messageStore>
    <proxy name="In"><target><inSequence><property name="FORCE_SC_ACCEPTED" value="true" scope="axis2"/><store messageStore="S"/></inSequence></target></proxy>
    <proxy name="InB"><target><inSequence><property name="FORCE_SC_ACCEPTED" value="true" scope="axis2"/><store messageStore="B"/></inSequence></target></proxy>`);
  const dir = await configDir({ 'synapse.xml': config });
  const [a, b] = [await startGateway(dir), await startGateway(dir)];
  t.teardown(async () => {
    await a!.close();
    await b!.close();
  });
  t.is((await post(`${a!.url}/services/In`, order(1))).status, 202);
  t.is((await post(`${b!.url}/services/In`, order(2))).status, 202);
  for (const gw of [a!, b!]) {
    const full = await post(`${gw.url}/services/In`, order(3));
    t.is(full.status, 503);
    t.is(full.headers['x-moor-error'], 'MOOR_ERR_STORE_FULL');
    t.regex(full.text, /message store "S" is full \(2 messages, \d+ bytes; at most 2 messages/);
  }
  t.is(await a!.current.stores.get('S')!.count(), 2);
  // bytes: each value is the envelope and a small header; two fit in 1000 bytes, a third does not
  t.is((await post(`${a!.url}/services/InB`, order(1))).status, 202);
  t.is((await post(`${b!.url}/services/InB`, order(2))).status, 202);
  const big = await post(`${a!.url}/services/InB`, soap11(`<o:order xmlns:o="urn:o"><o:n>3</o:n><o:pad>${'x'.repeat(600)}</o:pad></o:order>`));
  t.is(big.headers['x-moor-error'], 'MOOR_ERR_STORE_FULL');
  t.is(await b!.current.stores.get('B')!.count(), 2);
});

test('a forwarding node whose Redis stalls mid-delivery goes on once it answers, within a few intervals (redis.leaseMs 30 s)', async (t) => {
  const redis = await startRedis();
  t.teardown(() => {
    redis.resume();
    return redis.stop();
  });
  let hold = true;
  const held: (() => void)[] = [];
  const backend = await startSoapBackend((r) => (hold ? new Promise((resolve) => held.push(() => resolve({ body: r.body }))) : { body: r.body }));
  t.teardown(() => backend.close());
  const config = sharedConfig(redis.url, backend.url).replace('<parameter name="redis.leaseMs">1000</parameter>', '');
  const gw = await startGateway({ 'synapse.xml': config });
  t.teardown(() => gw.close());
  for (let i = 1; i <= 3; i++) t.is((await post(`${gw.url}/services/In`, order(i))).status, 202);
  await until(() => backend.received.length >= 1);
  // delivered while Redis answers nothing: the message cannot be taken out, nor the turn given back
  redis.pause();
  hold = false;
  for (const release of held) release();
  await new Promise((r) => setTimeout(r, 700));
  redis.resume();
  const resumed = Date.now();
  await until(() => backend.received.some((r) => numberOf(r.body) === '3'));
  t.true(Date.now() - resumed < 5000, 'taken up again within a few intervals, not after the 30 s lease');
  await new Promise((r) => setTimeout(r, 300));
  // (the commands that timed out ran once Redis woke: message 1 was taken out then, or is delivered again)
  t.true(['1,2,3', '1,1,2,3'].includes(backend.received.map((r) => numberOf(r.body)).join()), backend.received.map((r) => numberOf(r.body)).join());
});

test('moor start --workers 2: the workers (each with its processor) share the one Redis store; each message delivered once, in order', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const backend = await startSoapBackend();
  t.teardown(() => backend.close());
  const dir = await configDir({ 'synapse.xml': sharedConfig(redis.url, backend.url) });
  const [gw] = await startMoors(1, dir, ['--workers', '2']);
  t.teardown(() => gw!.kill());
  const n = 20;
  for (let i = 1; i <= n; i++) t.is((await post(`${gw!.url}/services/In`, order(i))).status, 202);
  await until(() => backend.received.length >= n);
  await new Promise((r) => setTimeout(r, 300));
  t.deepEqual(backend.received.map((r) => numberOf(r.body)), range(n));
});

test('a value in the queue that moor did not store is dropped, logged, and the messages after it are delivered', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const backend = await startSoapBackend();
  t.teardown(() => backend.close());
  const raw = new Redis(redis.port, '127.0.0.1');
  t.teardown(() => raw.disconnect());
  await raw.rpush('moor:store:{S}:q', 'hello', `${'x'.repeat(16)}{"v":"9"}\n<a/>`);
  const { log, lines } = capturingLogger();
  const gw = await startGateway({ 'synapse.xml': sharedConfig(redis.url, backend.url) }, { logger: log });
  t.teardown(() => gw.close());
  for (let i = 1; i <= 2; i++) t.is((await post(`${gw.url}/services/In`, order(i))).status, 202);
  await until(() => backend.received.length >= 2);
  t.deepEqual(backend.received.map((r) => numberOf(r.body)), ['1', '2']);
  t.is((lines.join('').match(/message store "S": a value of moor:store:\{S\}:q is not a message moor stored/g) ?? []).length, 2);
  for (let i = 0; i < 50 && (await raw.llen('moor:store:{S}:q')) > 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.is(await raw.llen('moor:store:{S}:q'), 0);
  t.is(await raw.get('moor:store:{S}:bytes'), null, 'an empty queue holds no bytes');
});

test('a gateway starts while its Redis store does not answer, says so, and stores once Redis is up', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  await redis.stop();
  const backend = await startSoapBackend();
  t.teardown(() => backend.close());
  const { log, lines } = capturingLogger();
  const gw = await startGateway({ 'synapse.xml': sharedConfig(redis.url, backend.url) }, { logger: log });
  t.teardown(() => gw.close());
  t.regex(lines.join(''), /message store "S": Redis at redis:\/\/127\.0\.0\.1:\d+ does not answer yet; <store> into it fails with MOOR_ERR_STORE_UNAVAILABLE/);
  t.is((await post(`${gw.url}/services/In`, order(1))).headers['x-moor-error'], 'MOOR_ERR_STORE_UNAVAILABLE');
  await redis.start();
  let status = 0;
  for (let i = 0; i < 100 && status !== 202; i++) {
    status = (await post(`${gw.url}/services/In`, order(2))).status;
    if (status !== 202) await new Promise((r) => setTimeout(r, 100));
  }
  t.is(status, 202);
  await until(() => backend.received.length >= 1);
  t.is(numberOf(backend.received[0]!.body), '2');
});
