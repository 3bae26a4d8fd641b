/**
 * `<session type="xpath">` end to end: the string value of an XPath over the message is the session
 * key. With `$header/acme:Ctx/acme:Sid` the messages of one Sid stay on one backend, new Sids spread,
 * and the body is never parsed: the gateway routes and starts forwarding before the client has even
 * finished sending it.
 */
import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { Expression } from '../../src/expr/expression.ts';
import { memberEndpoints, startBackends } from '../helpers/backends.ts';
import { addItem, definitions, elementText, post, soap11, startGateway } from '../helpers/gateway.ts';

const ACME = new Map([['acme', 'urn:acme']]);
const SESSION = '<session type="xpath" expression="$header/acme:Ctx/acme:Sid" xmlns:acme="urn:acme"/>';
const HEADERS = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
const ctx = (sid: string): string => `<acme:Ctx xmlns:acme="urn:acme"><acme:Sid>${sid}</acme:Sid><acme:Trace>${Math.random()}</acme:Trace></acme:Ctx>`;

/** A gateway with proxy `Cart` balancing over `members` (endpoint XML) with the xpath session. */
function gatewayOver(members: string) {
  return startGateway({
    'xpath.xml': definitions(`
      <endpoint name="Nodes">${SESSION}<loadbalance>${members}</loadbalance></endpoint>
      <proxy name="Cart"><target><inSequence><send><endpoint key="Nodes"/></send></inSequence></target></proxy>`),
  });
}

test('the expression reads the head only: needsBody is false for $header paths, true for $body', (t) => {
  t.false(new Expression('$header/acme:Ctx/acme:Sid', ACME).needsBody);
  t.false(new Expression("concat($header/acme:Ctx/acme:Sid, '-', $trp:X-Tenant)", ACME).needsBody);
  t.true(new Expression('$body/acme:Order/acme:Id', ACME).needsBody, 'the control: a body path does need it');
});

test('messages with one Sid land on one backend; new Sids spread', async (t) => {
  const backends = await startBackends(3);
  const gw = await gatewayOver(memberEndpoints(backends));
  t.teardown(async () => {
    await gw.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const url = `${gw.url}/services/Cart`;
  const homes = new Set<string>();
  for (let s = 0; s < 6; s++) {
    const sid = `sid-${s}`;
    let home: string | undefined;
    for (let i = 1; i <= 5; i++) {
      // the rest of the Ctx block changes with every message: only the Sid is the key
      const r = await post(url, soap11(addItem(`item${i}`), ctx(sid)), HEADERS);
      t.is(r.status, 200, r.text);
      home ??= elementText(r.text, 'instance');
      t.is(elementText(r.text, 'instance'), home, `${sid}, message ${i}: same backend`);
      t.is(elementText(r.text, 'count'), String(i), `${sid}'s cart holds all ${i} items`);
    }
    homes.add(home!);
  }
  t.is(homes.size, 3, 'six new sessions were spread over all three backends');
});

/** A backend that tells when a request's headers arrive (before its body has), and answers with its name. */
async function announcingBackend(name: string): Promise<{ url: string; server: Server; arrivals: string[] }> {
  const arrivals: string[] = [];
  const server = createServer((req, res) => {
    arrivals.push(name);
    server.emit('arrival', name);
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      const body = soap11(`<r:Done xmlns:r="urn:test"><r:instance>${name}</r:instance><r:bytes>${bytes}</r:bytes></r:Done>`);
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/svc`, server, arrivals };
}

test('the body is not parsed: the backend gets the request while the client is still sending the body', async (t) => {
  const backends = await Promise.all(['b1', 'b2', 'b3'].map(announcingBackend));
  const gw = await gatewayOver(backends.map((b, i) => `<endpoint name="b${i + 1}"><address uri="${b.url}"/></endpoint>`).join(''));
  t.teardown(async () => {
    await gw.close();
    for (const b of backends) {
      b.server.closeAllConnections();
      b.server.close();
    }
  });
  const filler = Buffer.alloc(256 * 1024, 'x');
  const streamed = async (sid: string): Promise<{ arrivedEarly: boolean; instance: string | undefined; bytes: number; sent: number }> => {
    const arrival = Promise.race(backends.map((b) => once(b.server, 'arrival').then(() => true)));
    const req = httpRequest(`${gw.url}/services/Cart`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' } });
    const response = once(req, 'response');
    const head = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header>${ctx(sid)}</soapenv:Header><soapenv:Body><big>`;
    req.write(head);
    req.write(filler);
    // hold the rest of the body back: a gateway that waited for it would never reach a backend
    const arrivedEarly = await Promise.race([arrival, new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
    for (let i = 0; i < 8; i++) req.write(filler);
    const tail = '</big></soapenv:Body></soapenv:Envelope>';
    req.end(tail);
    const sent = Buffer.byteLength(head) + 9 * filler.length + Buffer.byteLength(tail);
    const [res] = (await response) as [import('node:http').IncomingMessage];
    let text = '';
    for await (const c of res) text += String(c);
    t.is(res.statusCode, 200, text);
    return { arrivedEarly, instance: elementText(text, 'instance'), bytes: Number(elementText(text, 'bytes')), sent };
  };
  const first = await streamed('big-1');
  t.true(first.arrivedEarly, 'the message was routed on its head alone');
  t.is(first.bytes, first.sent, 'and every byte of it reached the backend');
  for (let i = 0; i < 3; i++) {
    const again = await streamed('big-1');
    t.true(again.arrivedEarly);
    t.is(again.instance, first.instance, 'a streamed session sticks like any other');
  }
});
