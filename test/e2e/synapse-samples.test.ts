/**
 * Apache Synapse's samples run in a real gateway, the upstream files read from the corpus unchanged but
 * for their backend addresses. The load-balancing and session-affinity samples (52-55, 58, 59, 154):
 * their localhost:900N addresses pointed at real Cart backends (the `soap` package) on free ports. The
 * stateful Cart stands in for the samples' LBService1: it names the instance that answered and keeps a
 * cart per ClientID, so a session that stayed on one instance shows in the count. The XSLT samples (8,
 * 16, 158) against a real stock quote backend that checks what it received: 8 and 16 with moor's
 * stylesheets of the same mapping (test/fixtures/xslt/) where Synapse's sample resources would be,
 * since the corpus does not hold those; 158 with its own inline stylesheets. The WSDL endpoint sample (56)
 * with a WSDL of SimpleStockQuoteService where Synapse's sample resources would be, naming the backend. The task samples (300-302)
 * against a SimpleStockQuoteService stand-in: their first run, at start, is waited for. Sample 700
 * stores what main receives (the processors of 701-705 run every 10-20 s: e2e/message-stores runs
 * processors of the same kinds at 50-100 ms).
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { type CartBackend } from '../../demo/cart-backend.ts';
import { type Gateway } from '../../src/server/gateway.ts';
import { SAMPLES_DIR } from '../../scripts/compat-table.ts';
import { startBackends } from '../helpers/backends.ts';
import { addItem, configDir, elementText, post, soap11, startGateway, until } from '../helpers/gateway.ts';
import { capturingLogger } from '../helpers/log.ts';
import { type Received, startSoapBackend } from '../mediators/soap-backend.ts';

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

// ── the XSLT samples ──

/** SimpleStockQuoteService's getQuote, in the namespace the sample's stylesheets write. */
function stockQuote(r: Received) {
  const symbol = /<(?:m:)?symbol>([^<]*)<\/(?:m:)?symbol>/.exec(r.body)?.[1];
  if (!/<(m:)?getQuote xmlns(:m)?="http:\/\/services\.samples"/.test(r.body) || symbol === undefined) return { status: 500, body: `not a getQuote: ${r.body}` };
  return {
    body: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns:getQuoteResponse xmlns:ns="http://services.samples"><ns:return><ns:last>99.5</ns:last><ns:symbol>${symbol}</ns:symbol></ns:return></ns:getQuoteResponse></soapenv:Body></soapenv:Envelope>`,
  };
}

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/xslt/${name}`, import.meta.url), 'utf8');
const WSA = 'http://www.w3.org/2005/08/addressing';
const checkPriceTo = (to: string) => soap11(`<m0:CheckPriceRequest xmlns:m0="http://services.samples"><m0:Code>IBM</m0:Code></m0:CheckPriceRequest>`, `<wsa:To xmlns:wsa="${WSA}">${to}</wsa:To>`);

/** Sample `n` as it is, with the sample's transform resources where it names them (relative to the sample, and as its registry). */
async function xsltSample(t: ExecutionContext, n: number) {
  const backend = await startSoapBackend(stockQuote);
  const resources = 'repository/conf/sample/resources/transform';
  const top = await configDir({
    [`synapse_sample_${n}.xml`]: await readFile(path.join(SAMPLES_DIR, `synapse_sample_${n}.xml`), 'utf8'),
    [`${resources}/transform.xslt`]: fixture('check-price-request.xslt'),
    [`${resources}/transform_back.xslt`]: fixture('check-price-response.xslt'),
  });
  // (the sample's <registry> root is repository/conf/sample/resources/; moor's registry folder is --registry)
  const gw = await startGateway(path.join(top, `synapse_sample_${n}.xml`), { registry: path.join(top, 'repository/conf/sample/resources') });
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  return { backend, gw };
}

for (const n of [8, 16]) {
  test(`sample ${n}: main transforms CheckPriceRequest to getQuote before <send/>, and the response back to CheckPriceResponse`, async (t) => {
    const { backend, gw } = await xsltSample(t, n);
    const res = await post(`${gw.url}/services/StockQuote`, checkPriceTo(backend.url));
    t.is(backend.received.length, 1);
    t.regex(backend.received[0]!.body, /<soapenv:Body><m:getQuote xmlns:m="http:\/\/services\.samples"><m:request><m:symbol>IBM<\/m:symbol><\/m:request><\/m:getQuote><\/soapenv:Body>/);
    t.is(res.status, 200, res.text);
    t.regex(res.text, /<soapenv:Body><m:CheckPriceResponse xmlns:m="http:\/\/services\.samples\/xsd"><m:Code>IBM<\/m:Code><m:Price>99\.5<\/m:Price><\/m:CheckPriceResponse><\/soapenv:Body>/);
  });
}

test('sample 158: JSONProxy puts the request in the services.samples namespace (xsl:element namespace=) and takes the response out of it', async (t) => {
  const backend = await startSoapBackend(stockQuote);
  const text = (await readFile(path.join(SAMPLES_DIR, 'synapse_sample_158.xml'), 'utf8')).replace('http://localhost:9000/services/SimpleStockQuoteService', backend.url);
  const gw = await startGateway({ 'synapse_sample_158.xml': text });
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  const res = await post(`${gw.url}/services/JSONProxy`, soap11('<getQuote><request><symbol>IBM</symbol></request></getQuote>'));
  t.is(backend.received.length, 1);
  t.regex(backend.received[0]!.body, /<soapenv:Body><getQuote xmlns="http:\/\/services\.samples"><request><symbol>IBM<\/symbol><\/request><\/getQuote><\/soapenv:Body>/);
  t.is(res.status, 200, res.text);
  t.regex(res.text, /<soapenv:Body><getQuoteResponse><return><last>99\.5<\/last><symbol>IBM<\/symbol><\/return><\/getQuoteResponse><\/soapenv:Body>/);
});

/** A WSDL of SimpleStockQuoteService as sample 56 names it, its SOAP 1.1 port at `address` (the corpus lacks Synapse's sample_proxy_1.wsdl). */
const stockQuoteWsdl = (address: string): string => `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:ns="http://services.samples" targetNamespace="http://services.samples">
  <wsdl:portType name="SimpleStockQuoteServicePortType"/>
  <wsdl:binding name="SimpleStockQuoteServiceSoap11Binding" type="ns:SimpleStockQuoteServicePortType"><soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/></wsdl:binding>
  <wsdl:binding name="SimpleStockQuoteServiceSoap12Binding" type="ns:SimpleStockQuoteServicePortType"><soap12:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/></wsdl:binding>
  <wsdl:service name="SimpleStockQuoteService">
    <wsdl:port name="SimpleStockQuoteServiceHttpSoap11Endpoint" binding="ns:SimpleStockQuoteServiceSoap11Binding"><soap:address location="${address}"/></wsdl:port>
    <wsdl:port name="SimpleStockQuoteServiceHttpSoap12Endpoint" binding="ns:SimpleStockQuoteServiceSoap12Binding"><soap12:address location="http://127.0.0.1:9/unused"/></wsdl:port>
  </wsdl:service>
</wsdl:definitions>`;

test('sample 56: main sends to the address its <wsdl> endpoint reads from the WSDL\'s SOAP 1.1 port, and the answer back', async (t) => {
  const backend = await startSoapBackend(stockQuote);
  const top = await configDir({
    'synapse_sample_56.xml': await readFile(path.join(SAMPLES_DIR, 'synapse_sample_56.xml'), 'utf8'),
    'repository/conf/sample/resources/proxy/sample_proxy_1.wsdl': stockQuoteWsdl(backend.url),
  });
  const gw = await startGateway(path.join(top, 'synapse_sample_56.xml'));
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  const res = await post(`${gw.url}/services/anything`, soap11('<m:getQuote xmlns:m="http://services.samples"><m:request><m:symbol>IBM</m:symbol></m:request></m:getQuote>'));
  t.is(backend.received.length, 1, 'the backend the WSDL names received it');
  t.regex(backend.received[0]!.body, /<m:symbol>IBM<\/m:symbol>/);
  t.is(res.status, 200, res.text);
  t.regex(res.text, /<ns:last>99\.5<\/ns:last>/);
});

/** A SimpleStockQuoteService stand-in: answers each getQuote with a getQuoteResponse for IBM. */
const QUOTE_REPLY = soap11(
  '<ns:getQuoteResponse xmlns:ns="http://services.samples"><ns:return><ns:last>91.5</ns:last><ns:lastTradeTimestamp>Thu Dec 03 2026</ns:lastTradeTimestamp><ns:name>IBM Company</ns:name></ns:return></ns:getQuoteResponse>',
);

for (const [sample, what] of [
  [300, 'a task with a simple trigger sends to its to address through main, whose <out> logs the quote'],
  [301, 'a task injects into a named sequence, whose send receive= sequence logs the quote'],
  [302, 'a task injects into a proxy, whose outSequence logs the quote'],
] as const) {
  test(`sample ${sample}: ${what}`, async (t) => {
    const backend = await startSoapBackend(() => ({ body: QUOTE_REPLY }));
    const { log, lines } = capturingLogger();
    const text = await readFile(path.join(SAMPLES_DIR, `synapse_sample_${sample}.xml`), 'utf8');
    const xml = text.replace(/http:\/\/localhost:9000\/services\/SimpleStockQuoteService/g, backend.url);
    t.not(xml, text);
    const gw = await startGateway({ [`synapse_sample_${sample}.xml`]: xml }, { logger: log });
    try {
      // the trigger's first run is at start (its next, 5 s later, is not waited for)
      await until(() => lines.some((l) => l.includes('Last_Value')));
      t.is(backend.received.length, 1);
      t.is(backend.received[0]!.headers['soapaction'], '"urn:getQuote"');
      t.regex(backend.received[0]!.body, /<m0:symbol>IBM<\/m0:symbol>/);
      t.regex(lines.join(''), /For_the_organization = IBM Company.*Last_Value = 91\.5/s);
    } finally {
      await gw.close();
      await backend.close();
    }
  });
}

test('sample 700: main stores the message in MyStore after its onStoreSequence, and the client gets 202', async (t) => {
  const { log, lines } = capturingLogger();
  const xml = await readFile(path.join(SAMPLES_DIR, 'synapse_sample_700.xml'), 'utf8');
  const gw = await startGateway({ 'synapse_sample_700.xml': xml }, { logger: log });
  try {
    const r = await post(`${gw.url}/services/StockQuoteProxy`, soap11('<m0:getQuote xmlns:m0="http://services.samples"><m0:request><m0:symbol>IBM</m0:symbol></m0:request></m0:getQuote>'), { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:getQuote"' });
    t.is(r.status, 202);
    const stored = gw.current.stores.get('MyStore')!;
    t.is(await stored.count(), 1);
    const first = (await stored.peek())!;
    t.regex(first.envelope.toString(), /<m0:symbol>IBM<\/m0:symbol>/);
    t.is(first.headers.get('soapaction'), '"urn:getQuote"');
    t.regex(lines.join(''), /On-Store = Storing message/);
  } finally {
    await gw.close();
  }
});
