/**
 * One throttle limit for several gateway nodes: three real `moor start` processes share a real
 * redis-server, and their <throttle> counters live in it. Synapse's sample 371 (unchanged but for its
 * backend address: a real Cart backend) lets a caller make 4 requests, whichever nodes they reach, and
 * answers the rest with its onReject fault; a throttle without onReject answers a 429 SOAP fault in the
 * request's version; once the window (UnitTime) is over, the caller passes again on every node.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { Redis } from 'ioredis';
import { type CartBackend } from '../../demo/cart-backend.ts';
import { SAMPLES_DIR } from '../../scripts/compat-table.ts';
import { startBackends } from '../helpers/backends.ts';
import { addItem, configDir, definitions, elementText, post, soap11, soap12, XML12 } from '../helpers/gateway.ts';
import { type GatewayProcess, startMoor, startMoors } from '../helpers/processes.ts';
import { type RedisServer, startRedis } from '../helpers/redis.ts';

const ACTION = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
const T = 'xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy" xmlns:throttle="http://www.wso2.org/products/wso2commons/throttle"';
/** The window of the proxy's own throttle (ms): long enough for a loaded machine to send six requests in it. */
const UNIT_MS = 6000;

/** A proxy whose throttle (no onReject) lets each caller make 3 requests per `unitMs`, in front of `backend`. */
function limitedProxy(backend: CartBackend, unitMs = UNIT_MS): string {
  const policy =
    `<policy><wsp:Policy ${T}><throttle:MediatorThrottleAssertion><wsp:Policy><throttle:ID throttle:type="IP">other</throttle:ID>` +
    `<wsp:Policy><throttle:Control><wsp:Policy><throttle:MaximumCount>3</throttle:MaximumCount><throttle:UnitTime>${unitMs}</throttle:UnitTime></wsp:Policy></throttle:Control></wsp:Policy>` +
    `</wsp:Policy></throttle:MediatorThrottleAssertion></wsp:Policy></policy>`;
  return definitions(`<proxy name="Limited"><target><inSequence><throttle id="T">${policy}</throttle><send><endpoint><address uri="${backend.url}"/></endpoint></send></inSequence><outSequence><send/></outSequence></target></proxy>`);
}

let redis: RedisServer | undefined;
let backends: CartBackend[] = [];
let nodes: GatewayProcess[] = [];
test.before(async () => {
  redis = await startRedis();
  backends = await startBackends(2);
  const sample = (await readFile(path.join(SAMPLES_DIR, 'synapse_sample_371.xml'), 'utf8')).replace('http://localhost:9000/services/SimpleStockQuoteService', backends[0]!.url);
  const dir = await configDir({ 'synapse_sample_371.xml': sample, 'limited.xml': limitedProxy(backends[1]!) });
  nodes = await startMoors(3, dir, ['--store', `${redis.url}/0?timeoutMs=1000`]);
});
test.after.always(async () => {
  await Promise.all(nodes.map((n) => n.kill()));
  await Promise.all(backends.map((b) => b.close()));
  await redis?.stop();
});

const node = (i: number): GatewayProcess => nodes[i % nodes.length]!;

test.serial('sample 371: four requests of a caller pass, whichever of three nodes they reach; the rest get its onReject fault', async (t) => {
  const answers = [];
  for (let i = 0; i < 7; i++) {
    const r = await post(`${node(i).url}/`, soap11(addItem(`i${i}`)), ACTION);
    answers.push({ status: r.status, instance: elementText(r.text, 'instance'), reason: elementText(r.text, 'Text') ?? elementText(r.text, 'faultstring') });
  }
  t.deepEqual(
    answers.map((a) => (a.status === 200 ? a.instance : `${a.status} ${a.reason}`)),
    ['cart1', 'cart1', 'cart1', 'cart1', '500 **Access Denied**', '500 **Access Denied**', '500 **Access Denied**'],
    nodes.map((n) => n.output()).join('\n'),
  );
  t.is(backends[0]!.served, 4, 'refused requests never reached the backend (alone, each node would have let all of its 2 or 3 pass)');
});

test.serial('without onReject: a 429 SOAP fault in the request’s version; after UnitTime the caller passes again on every node', async (t) => {
  const send = (i: number, v: '1.1' | '1.2' = '1.1') =>
    post(`${node(i).url}/services/Limited`, v === '1.1' ? soap11(addItem('x')) : soap12(addItem('x')), v === '1.1' ? ACTION : { ...XML12, 'content-type': `${XML12['content-type']}; action="urn:moor:demo:cart/AddItem"` });
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await send(i)).status);
  const refused12 = await send(5, '1.2');
  t.deepEqual([...statuses, refused12.status], [200, 200, 200, 429, 429, 429], 'three passes across three nodes, then refusals on every node');
  t.is(refused12.headers['x-moor-error'], 'MOOR_ERR_THROTTLED');
  t.regex(refused12.text, /<soapenv:Envelope xmlns:soapenv="http:\/\/www\.w3\.org\/2003\/05\/soap-envelope">.*<soapenv:Value>soapenv:Sender<\/soapenv:Value>.*throttle "T": the caller 127\.0\.0\.1 has made 3 requests in 6000 ms/s);
  t.is(backends[1]!.served, 3);

  // the window is one Redis key; once it has expired (Redis's clock, not the test's), the caller starts over
  const raw = new Redis(redis!.port, '127.0.0.1');
  t.teardown(() => raw.disconnect());
  const key = 'moor:session:#throttle|T|127.0.0.1';
  t.is(await raw.get(key), '6', 'every node counted into one counter');
  while ((await raw.exists(key)) === 1) await new Promise((r) => setTimeout(r, 100));
  const again = [];
  for (let i = 0; i < 4; i++) again.push((await send(i)).status);
  t.deepEqual(again, [200, 200, 200, 429], 'a new window on all three nodes');
});

test.serial('--workers 2 with the memory store: the workers count in the primary’s table, one limit for the port', async (t) => {
  const backend = (await startBackends(1))[0]!;
  const gw = await startMoor(await configDir({ 'limited.xml': limitedProxy(backend, 60_000) }), ['--workers', '2']);
  t.teardown(async () => {
    await gw.kill();
    await backend.close();
  });
  t.is(gw.children().length, 2);
  // (at once, on connections of their own: the workers share them)
  const answers = await Promise.all(Array.from({ length: 8 }, () => post(`${gw.url}/services/Limited`, soap11(addItem('w')), { ...ACTION, connection: 'close' })));
  t.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 200, 429, 429, 429, 429, 429]);
  t.is(backend.served, 3);
});
