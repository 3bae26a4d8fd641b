/**
 * The <throttle> mediator through a real gateway and backend, its counters in a memory store on a
 * clock the test moves: a caller's requests past MaximumCount within UnitTime are refused (a 429 SOAP
 * fault in the request's own version, or the onReject sequence), and pass again once the window ends;
 * MaximumConcurrentAccess; configuration errors and warnings at their file:line:col.
 */
import test from 'ava';
import { loadConfig } from '../../src/server/runtime.ts';
import { silentLogger } from '../../src/logging.ts';
import { GatewayMetrics } from '../../src/metrics/gateway-metrics.ts';
import { ManualClock } from '../../src/session/clock.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';
import { RedisStore } from '../../src/session/redis-store.ts';
import { parseStoreUrl, type RedisTarget } from '../../src/session/store-url.ts';
import { parseSamples, sampleValue } from '../metrics/prometheus-text.ts';
import { freePort } from '../helpers/redis.ts';
import { configDir, definitions, elementText, post, soap11, soap12, startGateway, XML11, XML12 } from '../helpers/gateway.ts';
import { configErrorsOf, proxy, type SoapBackend, startSoapBackend } from './soap-backend.ts';

const T = 'xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy" xmlns:throttle="http://www.wso2.org/products/wso2commons/throttle"';

/** A policy with one entry per caller: `other` (every address not listed) may send `max` per `unitMs`. */
function perCaller(max: number, unitMs: number, prohibitMs?: number, id = 'other'): string {
  const prohibit = prohibitMs === undefined ? '' : `<throttle:ProhibitTimePeriod wsp:Optional="true">${prohibitMs}</throttle:ProhibitTimePeriod>`;
  return (
    `<policy><wsp:Policy ${T}><throttle:MediatorThrottleAssertion><wsp:Policy>` +
    `<throttle:ID throttle:type="IP">${id}</throttle:ID>` +
    `<wsp:Policy><throttle:Control><wsp:Policy><throttle:MaximumCount>${max}</throttle:MaximumCount><throttle:UnitTime>${unitMs}</throttle:UnitTime>${prohibit}</wsp:Policy></throttle:Control></wsp:Policy>` +
    `</wsp:Policy></throttle:MediatorThrottleAssertion></wsp:Policy></policy>`
  );
}

const quote = soap11('<m:getQuote xmlns:m="urn:m"><m:symbol>IBM</m:symbol></m:getQuote>');

async function gatewayWith(t: import('ava').ExecutionContext, inSequence: (b: SoapBackend) => string, extra = '') {
  const clock = new ManualClock(1_000_000);
  const backend = await startSoapBackend();
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: inSequence(backend), out: '<throttle id="A"/><send/>' }) + extra) }, { store: new MemoryStore(clock) });
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  const send = (body = quote, headers?: Record<string, string>) => post(`${gw.url}/services/P`, body, headers);
  return { clock, backend, send };
}

const sendTo = (b: SoapBackend) => `<send><endpoint><address uri="${b.url}"/></endpoint></send>`;

test('past MaximumCount within UnitTime a caller gets a 429 fault in its own SOAP version; after UnitTime it passes again', async (t) => {
  const { clock, backend, send } = await gatewayWith(t, (b) => `<throttle id="A">${perCaller(2, 60_000)}</throttle>${sendTo(b)}`);
  t.deepEqual([(await send()).status, (await send()).status], [200, 200]);
  const refused = await send();
  t.is(refused.status, 429);
  t.is(refused.headers['x-moor-error'], 'MOOR_ERR_THROTTLED');
  t.is(elementText(refused.text, 'faultcode'), 'soapenv:Client');
  t.regex(elementText(refused.text, 'faultstring') ?? '', /throttle "A": the caller 127\.0\.0\.1 has made 2 requests in 60000 ms; try again in 60 s/);
  const refused12 = await send(soap12('<m:getQuote xmlns:m="urn:m"/>'), XML12);
  t.is(refused12.status, 429);
  t.regex(refused12.text, /xmlns:soapenv="http:\/\/www\.w3\.org\/2003\/05\/soap-envelope".*<soapenv:Value>soapenv:Sender<\/soapenv:Value>/);
  t.is(backend.received.length, 2, 'refused requests never reach the backend');
  clock.advance(59_999);
  t.is((await send()).status, 429, 'the window lasts UnitTime from the first request');
  clock.advance(1);
  t.deepEqual([(await send()).status, (await send()).status, (await send()).status], [200, 200, 429], 'a new window, with MaximumCount again');
});

test('moor:key counts by an expression\'s value (a session id the client sends): each key has its own MaximumCount; an empty key counts under the caller\'s address', async (t) => {
  const { clock, backend, send } = await gatewayWith(t, (b) => `<throttle xmlns:moor="urn:moor:config" id="A" moor:key="$trp:X-Session">${perCaller(2, 60_000)}</throttle>${sendTo(b)}`);
  const as = (s: string) => ({ ...XML11, 'x-session': s });
  t.deepEqual([(await send(quote, as('s-1'))).status, (await send(quote, as('s-1'))).status], [200, 200]);
  const refused = await send(quote, as('s-1'));
  t.is(refused.status, 429);
  t.regex(elementText(refused.text, 'faultstring') ?? '', /throttle "A": the key "s-1" has made 2 requests in 60000 ms/);
  t.deepEqual([(await send(quote, as('s-2'))).status, (await send(quote, as('s-2'))).status, (await send(quote, as('s-2'))).status], [200, 200, 429], 'another session from the same address has its own count');
  t.deepEqual([(await send()).status, (await send()).status, (await send()).status], [200, 200, 429], 'no key: counted by the address, apart from the keys');
  t.is(backend.received.length, 6);
  clock.advance(60_000);
  t.is((await send(quote, as('s-1'))).status, 200, 'a new window for the key');
});

test('ProhibitTimePeriod: a refused caller waits that long from its first refusal, then a new window opens', async (t) => {
  const { clock, send } = await gatewayWith(t, (b) => `<throttle id="A">${perCaller(1, 60_000, 5000)}</throttle>${sendTo(b)}`);
  t.is((await send()).status, 200);
  clock.advance(1000);
  t.is((await send()).status, 429);
  clock.advance(4999);
  t.is((await send()).status, 429);
  clock.advance(1);
  t.is((await send()).status, 200, 'well inside the first window, but the prohibition is over');
});

test('onReject and onAccept: inline mediators, or the sequences the attributes name', async (t) => {
  const clock = new ManualClock(1_000_000);
  const backend = await startSoapBackend();
  const reject = '<makefault version="soap11" response="true"><code xmlns:tns="http://schemas.xmlsoap.org/soap/envelope/" value="tns:Server"/><reason value="**Access Denied**"/></makefault><respond/>';
  const accepted = `<sequence name="accepted"><property name="X-Accepted" scope="transport" value="yes"/>${sendTo(backend)}</sequence>`;
  const gw = await startGateway(
    { 'p.xml': definitions(proxy('P', { in: `<throttle id="A" onAccept="accepted">${perCaller(1, 60_000)}<onReject>${reject}</onReject></throttle><drop/>` }) + accepted) },
    { store: new MemoryStore(clock) },
  );
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  const first = await post(`${gw.url}/services/P`, quote);
  t.is(first.status, 200, 'onAccept sent it, and the <drop/> after the throttle never ran');
  t.is(backend.received[0]?.headers['x-accepted'], 'yes');
  const second = await post(`${gw.url}/services/P`, quote);
  t.is(second.status, 500);
  t.is(elementText(second.text, 'faultstring'), '**Access Denied**', 'the inline onReject answered');
  t.is(backend.received.length, 1);
});

test('an IP entry for the caller wins over other; Deny refuses at once; a range matches', async (t) => {
  const policy =
    `<policy><wsp:Policy ${T}><throttle:ThrottleAssertion>` +
    `<wsp:All><throttle:ID throttle:type="IP">other</throttle:ID><wsp:ExactlyOne><throttle:Deny/></wsp:ExactlyOne></wsp:All>` +
    `<wsp:All><throttle:ID throttle:type="IP">127.0.0.0-127.0.0.255</throttle:ID><wsp:ExactlyOne><wsp:All><throttle:MaximumCount>1</throttle:MaximumCount><throttle:UnitTime>1000</throttle:UnitTime></wsp:All></wsp:ExactlyOne></wsp:All>` +
    `</throttle:ThrottleAssertion></wsp:Policy></policy>`;
  const { send } = await gatewayWith(t, (b) => `<throttle id="A">${policy}</throttle>${sendTo(b)}`);
  t.deepEqual([(await send()).status, (await send()).status], [200, 429], 'the range entry (1 per second) applies to 127.0.0.1, not other (Deny)');
});

test('MaximumConcurrentAccess: requests in flight past it are refused; a slot comes back with the response', async (t) => {
  let hold: (() => void)[] = [];
  const backend = await startSoapBackend(() => new Promise((resolve) => hold.push(() => resolve({ status: 200, body: quote }))));
  const concurrency = `<policy><wsp:Policy ${T}><throttle:ThrottleAssertion><throttle:MaximumConcurrentAccess>2</throttle:MaximumConcurrentAccess></throttle:ThrottleAssertion></wsp:Policy></policy>`;
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: `<throttle id="C">${concurrency}</throttle>${sendTo(backend)}`, out: '<throttle id="C"/><send/>' })) });
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  const send = () => post(`${gw.url}/services/P`, quote);
  const first = [send(), send()];
  while (hold.length < 2) await new Promise((r) => setTimeout(r, 5));
  t.is((await send()).status, 429, 'a third while two are in flight');
  for (const h of hold) h();
  hold = [];
  t.deepEqual((await Promise.all(first)).map((r) => r.status), [200, 200]);
  const again = send();
  while (hold.length < 1) await new Promise((r) => setTimeout(r, 5));
  hold[0]!();
  t.is((await again).status, 200, 'the slots were given back');
});

test('bad policies are configuration errors at their element', async (t) => {
  const policy = (inner: string) => `<throttle id="A">\n<policy><wsp:Policy ${T}><throttle:ThrottleAssertion>\n${inner}</throttle:ThrottleAssertion></wsp:Policy></policy></throttle>`;
  t.regex(await configErrorsOf(policy('<wsp:All><throttle:ID throttle:type="IP">other</throttle:ID><throttle:MaximumCount>4</throttle:MaximumCount></wsp:All>')), /p\.xml:3:\d+ MOOR_ERR_MISSING_ATTRIBUTE the throttle:ID "other" entry needs MaximumCount and a UnitTime above 0/);
  t.regex(await configErrorsOf(policy('<wsp:All><throttle:ID throttle:type="IP">10.0.0.300</throttle:ID><throttle:Deny/></wsp:All>')), /p\.xml:3:\d+ MOOR_ERR_BAD_VALUE throttle:ID "10\.0\.0\.300" is not an IP address/);
  t.regex(await configErrorsOf(policy('<wsp:All><throttle:ID throttle:type="ROLE">admin</throttle:ID><throttle:Deny/></wsp:All>')), /p\.xml:3:\d+ MOOR_ERR_BAD_VALUE throttle:type must be one of IP, DOMAIN, not "ROLE"/);
  t.regex(await configErrorsOf(policy('<throttle:MaximumConcurrentAccess>x</throttle:MaximumConcurrentAccess>')), /p\.xml:3:\d+ MOOR_ERR_BAD_VALUE MaximumConcurrentAccess must be a whole number/);
  t.regex(await configErrorsOf(policy('<throttle:MaxCount>3</throttle:MaxCount>')), /p\.xml:3:\d+ MOOR_ERR_UNKNOWN_ELEMENT <MaxCount> is not allowed/);
  t.regex(await configErrorsOf('<throttle id="A"><policy key="nowhere"/></throttle>'), /MOOR_ERR_UNRESOLVED_KEY .*nowhere/);
  t.regex(await configErrorsOf('<throttle><policy/></throttle>'), /MOOR_ERR_MISSING_ATTRIBUTE <throttle> needs the attribute id/);
  t.regex(await configErrorsOf('<throttle id="A" onReject="nowhere"/>'), /MOOR_ERR_UNRESOLVED_KEY no sequence named "nowhere"/);
});

test('a DOMAIN entry loads with a warning at its place: moor does not resolve host names', async (t) => {
  const dir = await configDir({
    'p.xml': definitions(proxy('P', { in: `<throttle id="A">\n<policy><wsp:Policy ${T}><throttle:ThrottleAssertion><wsp:All>\n<throttle:ID throttle:type="DOMAIN">*.example.com</throttle:ID><throttle:Deny/></wsp:All></throttle:ThrottleAssertion></wsp:Policy></policy></throttle>` })),
  });
  const { errors, warnings } = await loadConfig(dir);
  t.deepEqual(errors.map(String), []);
  t.regex(warnings.map(String).join('\n'), /p\.xml:3:1 MOOR_WARN_NO_EFFECT throttle:type="DOMAIN" entries match no caller/);
});

test('moor_throttle_total counts each decision, and says when a degraded Redis store left the counting to this node', async (t) => {
  const backend = await startSoapBackend();
  t.teardown(() => backend.close());
  const inSequence = `<throttle id="A">${perCaller(2, 60_000)}</throttle>${sendTo(backend)}`;
  const run = async (store: import('../../src/session/store.ts').SessionStore, requests: number) => {
    const metrics = new GatewayMetrics({ processMetrics: false });
    const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: inSequence })) }, { store, metrics });
    try {
      for (let i = 0; i < requests; i++) await post(`${gw.url}/services/P`, quote);
    } finally {
      await gw.close();
    }
    return parseSamples(await metrics.registry.metrics());
  };
  const shared = await run(new MemoryStore(), 3);
  t.is(sampleValue(shared, 'moor_throttle_total', { throttle: 'A', outcome: 'accepted', counts: 'store' }), 2);
  t.is(sampleValue(shared, 'moor_throttle_total', { throttle: 'A', outcome: 'refused', counts: 'store' }), 1);
  // a Redis that is not there: the store starts degraded, and this node counts alone
  const redis = await RedisStore.connect(parseStoreUrl(`redis://127.0.0.1:${await freePort()}/0?timeoutMs=100`) as RedisTarget, { log: silentLogger(), connectWaitMs: 50 });
  const local = await run(redis, 3);
  t.is(sampleValue(local, 'moor_throttle_total', { throttle: 'A', outcome: 'accepted', counts: 'local' }), 2);
  t.is(sampleValue(local, 'moor_throttle_total', { throttle: 'A', outcome: 'refused', counts: 'local' }), 1);
});

test('<policy key>: the policy is a local entry; an entry that is no policy is an error in its own file', async (t) => {
  const { clock, send } = await gatewayWith(
    t,
    (b) => `<throttle id="A"><policy key="twoPerMinute"/></throttle>${sendTo(b)}`,
    `<localEntry key="twoPerMinute">${perCaller(2, 60_000).replace(/^<policy>|<\/policy>$/g, '')}</localEntry>`,
  );
  t.deepEqual([(await send()).status, (await send()).status, (await send()).status], [200, 200, 429]);
  clock.advance(60_000);
  t.is((await send()).status, 200);
  const text = await startGateway({ 'p.xml': definitions(proxy('P', { in: '<throttle id="A"><policy key="k"/></throttle>' }) + '<localEntry key="k">just text</localEntry>') }).then(
    async (gw) => (await gw.close(), ''),
    (e: unknown) => String((e as { errors?: unknown[] }).errors?.join('\n')),
  );
  t.regex(text, /p\.xml:1:\d+ MOOR_ERR_BAD_VALUE the entry "k" is text, not a <wsp:Policy>/);
  const wrong = await startGateway({ 'p.xml': definitions(proxy('P', { in: '<throttle id="A"><policy key="k"/></throttle>' })), 'entries.xml': definitions('\n<localEntry key="k"><notAPolicy/></localEntry>') }).then(
    async (gw) => (await gw.close(), ''),
    (e: unknown) => String((e as { errors?: unknown[] }).errors?.join('\n')),
  );
  t.regex(wrong, /entries\.xml:2:\d+ MOOR_ERR_BAD_VALUE a throttle policy is a <wsp:Policy>, not <notAPolicy>/);
});
