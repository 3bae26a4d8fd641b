/**
 * Apache Synapse's load-balancing and session-affinity samples (52-55, 58, 59, 154), unchanged but
 * for their backend addresses: the upstream files are read from the corpus, their localhost:900N
 * addresses pointed at real Cart backends (the `soap` package) on free ports, and each runs in a real
 * gateway. The stateful Cart stands in for the samples' LBService1: it names the instance that answered
 * and keeps a cart per ClientID, so a session that stayed on one instance shows in the count.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { type CartBackend } from '../../demo/cart-backend.ts';
import { type Gateway } from '../../src/server/gateway.ts';
import { SAMPLES_DIR } from '../../scripts/compat-table.ts';
import { startBackends } from '../helpers/backends.ts';
import { addItem, elementText, post, soap11, startGateway } from '../helpers/gateway.ts';

const HEADERS = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
const clientId = (id: string): string => `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`;

/** The sample's XML with http://localhost:900N/services/LBService1 and httpPort="900N" moved to backend N. */
async function rewritten(sample: number, backends: readonly CartBackend[]): Promise<string> {
  const text = await readFile(path.join(SAMPLES_DIR, `synapse_sample_${sample}.xml`), 'utf8');
  const backend = (n: string): CartBackend => {
    const b = backends[Number(n) - 9001];
    if (!b) throw new Error(`sample ${sample} names port ${n}, which has no backend here`);
    return b;
  };
  return text
    .replace(/http:\/\/localhost:(900\d)\/services\/LBService1/g, (_, port: string) => backend(port).url)
    .replace(/httpPort="(900\d)"/g, (_, port: string) => `httpPort="${backend(port).port}"`);
}

/** Backends, and a gateway running sample `sample` over them; all closed at the end of the test. */
async function runSample(t: ExecutionContext, sample: number, backendCount: number) {
  const backends = await startBackends(backendCount);
  const live = new Set(backends);
  let gw: Gateway | undefined;
  t.teardown(async () => {
    await gw?.close();
    await Promise.all([...live].map((b) => b.close()));
  });
  const xml = await rewritten(sample, backends);
  t.false(/localhost:900\d|httpPort="900\d"/.test(xml), 'every backend address was pointed at a test backend');
  gw = await startGateway({ [`synapse_sample_${sample}.xml`]: xml });
  const stop = async (b: CartBackend): Promise<void> => {
    await b.close();
    live.delete(b);
  };
  return { backends, gw, stop };
}

/** Sends one AddItem to `url` and returns which instance answered and its cart count. */
async function addTo(t: ExecutionContext, url: string, header = ''): Promise<{ instance: string; count: number }> {
  const r = await post(url, soap11(addItem('x'), header), HEADERS);
  t.is(r.status, 200, r.text);
  return { instance: elementText(r.text, 'instance') ?? '', count: Number(elementText(r.text, 'count')) };
}

test('sample 52: session-less load balancing spreads requests round robin over the three endpoints', async (t) => {
  const { backends, gw } = await runSample(t, 52, 3);
  // the main sequence takes whatever is not a proxy, as in Synapse
  const order: string[] = [];
  for (let i = 0; i < 9; i++) order.push((await addTo(t, `${gw.url}/services/LBService1`)).instance);
  t.deepEqual(new Set(order.slice(0, 3)), new Set(['cart1', 'cart2', 'cart3']), 'three requests, three servers');
  t.deepEqual(order.slice(3), [...order.slice(0, 3), ...order.slice(0, 3)], 'and again in the same order');
  t.deepEqual(backends.map((b) => b.served), [3, 3, 3]);
});

test('sample 53: failover sends to the primary; when it is down, to the next one; when all are, the errorHandler fault', async (t) => {
  const { backends, gw, stop } = await runSample(t, 53, 3);
  const url = `${gw.url}/services/LBService1`;
  for (let i = 0; i < 3; i++) t.is((await addTo(t, url)).instance, 'cart1', 'everything goes to the primary');
  await stop(backends[0]!);
  for (let i = 0; i < 3; i++) t.is((await addTo(t, url)).instance, 'cart2', 'the primary is down: the first backup takes over');
  await stop(backends[1]!);
  t.is((await addTo(t, url)).instance, 'cart3');
  await stop(backends[2]!);
  // the sample's onError sequence: <makefault response="true"> with its reason, then <send/>
  const down = await post(url, soap11(addItem('x')), HEADERS);
  t.is(down.status, 500);
  t.regex(down.text, /COULDN'T SEND THE MESSAGE TO THE SERVER\./);
});

/** Samples 54 and 154: simpleClientSession keeps each ClientID on one server; new clients spread. */
async function clientSessions(t: ExecutionContext, url: string): Promise<void> {
  const homes = new Set<string>();
  for (const client of ['alice', 'bob', 'carol']) {
    const first = await addTo(t, url, clientId(client));
    for (let i = 2; i <= 5; i++) {
      const r = await addTo(t, url, clientId(client));
      t.is(r.instance, first.instance, `${client} stays on ${first.instance}`);
      t.is(r.count, i, `${client}'s cart holds all ${i} items: every message reached the same server`);
    }
    homes.add(first.instance);
  }
  t.is(homes.size, 3, 'three new sessions went to three servers');
  // interleaved, each client still lands at home
  for (const client of ['carol', 'alice', 'bob']) t.is((await addTo(t, url, clientId(client))).count, 6);
}

test('sample 54: simpleClientSession keeps each ClientID on one server', async (t) => {
  const { gw } = await runSample(t, 54, 3);
  await clientSessions(t, `${gw.url}/services/LBService1`);
});

test('sample 154: the same session affinity inside a proxy service (LBProxy)', async (t) => {
  const { gw } = await runSample(t, 154, 3);
  await clientSessions(t, `${gw.url}/services/LBProxy`);
});

test('sample 55: sessions bind to a failover group; when its primary dies the session stays in its group', async (t) => {
  const { backends, gw, stop } = await runSample(t, 55, 4);
  const url = `${gw.url}/services/LBService1`;
  // two groups balanced round robin: (cart1 → cart2) and (cart3 → cart4)
  const a = await addTo(t, url, clientId('a'));
  const b = await addTo(t, url, clientId('b'));
  t.deepEqual(new Set([a.instance, b.instance]), new Set(['cart1', 'cart3']), 'two sessions, the primaries of the two groups');
  const [sessionOnFirst, sessionOnSecond] = a.instance === 'cart1' ? ['a', 'b'] : ['b', 'a'];
  for (let i = 0; i < 3; i++) {
    t.is((await addTo(t, url, clientId(sessionOnFirst))).instance, 'cart1');
    t.is((await addTo(t, url, clientId(sessionOnSecond))).instance, 'cart3');
  }
  await stop(backends[0]!);
  for (let i = 0; i < 3; i++) {
    t.is((await addTo(t, url, clientId(sessionOnFirst))).instance, 'cart2', "the session fails over inside its own group, to cart1's backup");
    t.is((await addTo(t, url, clientId(sessionOnSecond))).instance, 'cart3', 'the other session is untouched');
  }
  t.is(backends[3]!.served, 0, "the other group's backup was never needed");
});

test('sample 58: <member> load balancing forwards to the same path on each member, and fails over', async (t) => {
  const { backends, gw, stop } = await runSample(t, 58, 3);
  // members have no path of their own: the request's path (/services/Cart) is kept on each member host
  const url = `${gw.url}/services/Cart`;
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) seen.push((await addTo(t, url)).instance);
  t.deepEqual(new Set(seen), new Set(['cart1', 'cart2', 'cart3']));
  t.deepEqual(backends.map((b) => b.served), [2, 2, 2]);
  // failover="true": a member that cannot be reached is skipped, the client never sees it
  await stop(backends[1]!);
  for (let i = 0; i < 6; i++) t.not((await addTo(t, url)).instance, 'cart2');
});

test('sample 59: weighted round robin honours <property name="loadbalance.weight"> (1:2:3)', async (t) => {
  const { backends, gw } = await runSample(t, 59, 3);
  for (let i = 0; i < 12; i++) await addTo(t, `${gw.url}/services/LBService1`);
  t.deepEqual(backends.map((b) => b.served), [2, 4, 6]);
});
