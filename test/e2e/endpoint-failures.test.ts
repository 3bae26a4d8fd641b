/**
 * Endpoint error handling as WSO2 users configure it, against real loopback backends that refuse,
 * hang or answer: Synapse's codes in the fault sequence, suspension and its end, a timeout that is
 * never sent to a second member, responseAction discard.
 */
import { createServer, type Server } from 'node:http';
import { type Socket } from 'node:net';
import test from 'ava';
import { listenOnFreePort } from '../helpers/listen.ts';
import { startCartBackend } from '../../demo/cart-backend.ts';
import { ADMIN, addItem, definitions, elementText, post, soap11, startGateway } from '../helpers/gateway.ts';
import { deadUrl, startSoapBackend } from '../mediators/soap-backend.ts';

const ping = soap11('<s:Ping xmlns:s="urn:s"/>');
/** A fault sequence that answers with what Synapse's properties hold. */
const reportError = `<faultSequence><makefault><code value="s:Server" xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/><reason expression="concat(get-property('ERROR_CODE'), ' | ', get-property('ERROR_MESSAGE'))"/><detail expression="get-property('ERROR_DETAIL')"/></makefault><send/></faultSequence>`;

/** A backend that accepts connections and reads requests, and never answers; counts what it got. */
async function startHangingBackend(): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let requests = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req) => {
    requests++;
    req.resume();
  });
  server.on('connection', (s) => sockets.add(s));
  const { port, close } = await listenOnFreePort(server);
  return {
    url: `http://127.0.0.1:${port}/services/Hang`,
    requests: () => requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await close();
    },
  };
}

/** Polls `probe` until it returns true (generous: the machine is shared). */
async function until(probe: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the condition did not come true in time');
}

test("Integration Studio's endpoint (initialDuration -1) loads; a refusal is 101503 in the fault sequence, then 303001 while suspended", async (t) => {
  const dead = await deadUrl();
  const gw = await startGateway({
    'p.xml': definitions(`
      <endpoint name="Orders"><address uri="${dead}">
        <suspendOnFailure><initialDuration>-1</initialDuration><progressionFactor>1</progressionFactor></suspendOnFailure>
        <markForSuspension><retriesBeforeSuspension>0</retriesBeforeSuspension></markForSuspension>
      </address></endpoint>
      <proxy name="P"><target><inSequence><send><endpoint key="Orders"/></send></inSequence>${reportError}</target></proxy>`),
  }, { ...ADMIN, defaultSuspendMs: 600_000 }); // -1 is the gateway's default: long enough that no machine is slower
  t.teardown(() => gw.close());
  const first = await post(`${gw.url}/services/P`, ping);
  t.is(first.status, 500);
  // the message names the endpoint only; the address and the socket error are in ERROR_DETAIL
  t.is(elementText(first.text, 'faultstring'), '101503 | endpoint Orders is unreachable');
  t.is(elementText(first.text, 'detail'), 'ECONNREFUSED', 'ERROR_DETAIL holds the failure itself');
  const second = await post(`${gw.url}/services/P`, ping);
  t.is(elementText(second.text, 'faultstring'), '303001 | endpoint Orders is suspended');
  t.regex(elementText(second.text, 'detail') ?? '', /^suspended \(101503 ECONNREFUSED; suspended for 600000 ms\)/);
  const health = JSON.parse((await (await fetch(`${gw.adminUrl!}/health`)).text())) as { endpoints: { id: string; state: string; code?: number; until?: string }[] };
  const orders = health.endpoints.find((e) => e.id.startsWith('Orders@'))!;
  t.is(orders.state, 'suspended');
  t.is(orders.code, 101503);
  t.truthy(orders.until, 'health says until when');
});

test('a suspended address takes traffic again when its suspension ends; a failed try suspends it anew, an answer makes it active', async (t) => {
  let backend = await startCartBackend({ name: 'b', port: 0 });
  const port = backend.port;
  t.teardown(() => backend.close());
  const gw = await startGateway({
    'p.xml': definitions(`
      <proxy name="P"><target><inSequence><send><endpoint name="B"><address uri="${backend.url}">
        <suspendOnFailure><initialDuration>200</initialDuration><progressionFactor>2</progressionFactor></suspendOnFailure></address></endpoint></send></inSequence>${reportError}</target></proxy>`),
  }, ADMIN);
  t.teardown(() => gw.close());
  const send = () => post(`${gw.url}/services/P`, soap11(addItem('x')), { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' });
  const health = async () => ((await (await fetch(`${gw.adminUrl!}/health`)).json()) as { endpoints: { state: string; reason: string }[] }).endpoints[0]!;
  t.is((await send()).status, 200);
  await backend.close();
  t.regex(elementText((await send()).text, 'faultstring') ?? '', /^101503/);
  t.regex((await health()).reason, /suspended for 200 ms/);
  // once the suspension ends the next message tries the backend (still gone): suspended again, for longer
  await until(async () => /^101503/.test(elementText((await send()).text, 'faultstring') ?? ''));
  t.regex((await health()).reason, /suspended for 400 ms/);
  backend = await startCartBackend({ name: 'b', port });
  await until(async () => (await send()).status === 200);
  const h = await health();
  t.is(h.state, 'active');
  t.is(h.reason, 'it answered again');
});

test('a request that timed out is never sent to a second member; the fault sequence sees 101504', async (t) => {
  const hang = await startHangingBackend();
  const other = await startSoapBackend();
  t.teardown(() => Promise.all([hang.close(), other.close()]).then(() => undefined));
  const gw = await startGateway({
    'p.xml': definitions(`
      <endpoint name="Pair"><failover>
        <endpoint name="first"><address uri="${hang.url}"><timeout><duration>300</duration><responseAction>fault</responseAction></timeout></address></endpoint>
        <endpoint name="second"><address uri="${other.url}"/></endpoint>
      </failover></endpoint>
      <proxy name="P"><target><inSequence><send><endpoint key="Pair"/></send></inSequence>${reportError}</target></proxy>`),
  });
  t.teardown(() => gw.close());
  const res = await post(`${gw.url}/services/P`, ping);
  t.is(res.status, 500);
  t.is(elementText(res.text, 'faultstring'), '101504 | endpoint first timed out');
  t.is(hang.requests(), 1);
  t.is(other.received.length, 0, 'the backend may have acted on it: the second member never sees it');
  // the timed-out member is suspended now (default markForSuspension: no retries), so the next message fails over
  const next = await post(`${gw.url}/services/P`, ping);
  t.is(next.status, 200);
  t.is(other.received.length, 1);
});

test('responseAction discard: no fault sequence runs, the client gets the timeout fault at once', async (t) => {
  const hang = await startHangingBackend();
  t.teardown(() => hang.close());
  const gw = await startGateway({
    'p.xml': definitions(`
      <proxy name="P"><target><inSequence><send><endpoint name="H"><address uri="${hang.url}"><timeout><duration>300</duration><responseAction>discard</responseAction></timeout></address></endpoint></send></inSequence>${reportError}</target></proxy>`),
  });
  t.teardown(() => gw.close());
  const res = await post(`${gw.url}/services/P`, ping);
  t.is(res.status, 500);
  t.is(res.headers['x-moor-error'], 'MOOR_ERR_ENDPOINT_TIMEOUT', 'the gateway fault, not the fault sequence');
  t.false(res.text.includes('101504 |'));
});

test('a refused member is retried on the next one; <retryConfig><disabledErrorCodes>101503 stops that', async (t) => {
  const dead = await deadUrl();
  const other = await startSoapBackend();
  t.teardown(() => other.close());
  const group = (retry: string) => `<failover>
      <endpoint name="first"><address uri="${dead}">${retry}</address></endpoint>
      <endpoint name="second"><address uri="${other.url}"/></endpoint></failover>`;
  const gw = await startGateway({
    'p.xml': definitions(`
      <proxy name="Free"><target><inSequence><send><endpoint>${group('')}</endpoint></send></inSequence>${reportError}</target></proxy>
      <proxy name="NoRetry"><target><inSequence><send><endpoint>${group('<retryConfig><disabledErrorCodes>101503</disabledErrorCodes></retryConfig>')}</endpoint></send></inSequence>${reportError}</target></proxy>`),
  });
  t.teardown(() => gw.close());
  t.is((await post(`${gw.url}/services/Free`, ping)).status, 200);
  t.is(other.received.length, 1, 'nothing reached the dead member: safe to send to the next');
  const res = await post(`${gw.url}/services/NoRetry`, ping);
  t.is(elementText(res.text, 'faultstring'), '101503 | endpoint first is unreachable');
  t.regex(elementText(res.text, 'detail') ?? '', /not retried: &lt;retryConfig&gt;/);
  t.is(other.received.length, 1, 'the second member was not tried');
});

test('failover: back to the primary once it answers again; dynamic="false" stays on the member it failed over to', async (t) => {
  let primary = await startCartBackend({ name: 'primary', port: 0 });
  const secondary = await startCartBackend({ name: 'secondary', port: 0 });
  const port = primary.port;
  t.teardown(() => Promise.all([primary.close(), secondary.close()]).then(() => undefined));
  const group = (attr: string) => `<failover${attr}>
      <endpoint name="primary"><address uri="${primary.url}"><suspendOnFailure><initialDuration>100</initialDuration></suspendOnFailure></address></endpoint>
      <endpoint name="secondary"><address uri="${secondary.url}"/></endpoint></failover>`;
  const gw = await startGateway({
    'p.xml': definitions(`
      <proxy name="Dynamic"><target><inSequence><send><endpoint>${group('')}</endpoint></send></inSequence></target></proxy>
      <proxy name="Static"><target><inSequence><send><endpoint>${group(' dynamic="false"')}</endpoint></send></inSequence></target></proxy>`),
  });
  t.teardown(() => gw.close());
  const served = async (proxy: string) =>
    elementText((await post(`${gw.url}/services/${proxy}`, soap11(addItem('x')), { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' })).text, 'instance');
  t.is(await served('Dynamic'), 'primary');
  t.is(await served('Static'), 'primary');
  await primary.close();
  t.is(await served('Dynamic'), 'secondary');
  t.is(await served('Static'), 'secondary');
  primary = await startCartBackend({ name: 'primary', port });
  await until(async () => (await served('Dynamic')) === 'primary');
  for (let i = 0; i < 3; i++) t.is(await served('Static'), 'secondary', 'dynamic="false" sticks with the member it failed over to');
});

test('a backend that resets the connection after reading the request: 101505, and the request is not sent to a second member', async (t) => {
  let got = 0;
  const resetting = createServer((req) => {
    got++;
    req.resume();
    req.on('end', () => req.socket.destroy());
  });
  const { port, close } = await listenOnFreePort(resetting);
  const other = await startSoapBackend();
  t.teardown(() => Promise.all([close(), other.close()]).then(() => undefined));
  const gw = await startGateway({
    'p.xml': definitions(`
      <proxy name="P"><target><inSequence><send><endpoint><failover>
        <endpoint name="reset"><address uri="http://127.0.0.1:${port}/x"/></endpoint>
        <endpoint name="second"><address uri="${other.url}"/></endpoint>
      </failover></endpoint></send></inSequence>${reportError}</target></proxy>`),
  });
  t.teardown(() => gw.close());
  const res = await post(`${gw.url}/services/P`, ping);
  t.is(elementText(res.text, 'faultstring'), '101505 | endpoint reset is unreachable');
  t.regex(elementText(res.text, 'detail') ?? '', /closed after the request was sent/);
  t.is(got, 1);
  t.is(other.received.length, 0);
});

test('a slow backend that answers within the timeout is answered, and stays active', async (t) => {
  const slow = await startSoapBackend((r) => new Promise((resolve) => setTimeout(() => resolve({ body: r.body }), 300)));
  t.teardown(() => slow.close());
  const gw = await startGateway({
    'p.xml': definitions(`<proxy name="P"><target><inSequence><send><endpoint name="S"><address uri="${slow.url}"><timeout><duration>10000</duration></timeout></address></endpoint></send></inSequence>${reportError}</target></proxy>`),
  }, ADMIN);
  t.teardown(() => gw.close());
  t.is((await post(`${gw.url}/services/P`, ping)).status, 200);
  const h = (await (await fetch(`${gw.adminUrl!}/health`)).json()) as { endpoints: { state: string; inFlight: number }[] };
  t.deepEqual(h.endpoints.map((e) => [e.state, e.inFlight]), [['active', 0]]);
});
