/**
 * The traffic port's limits, set small in `<moor:limits>` so that each shows in a fraction of a second:
 * slow and silent connections are closed, a body that stalls or trickles too long gets a 408 fault, a body over the limit a
 * 413 at once (never read to its end, even chunked and endless), the connection cap holds, a client
 * that hangs up cancels its backend request, and an overlong session id is refused and never stored.
 * Clients are raw sockets, so that the gateway sees exactly the slow bytes a hostile client sends.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import test from 'ava';
import { MemoryStore } from '../../src/session/memory-store.ts';
import { definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { listenOnFreePort } from '../helpers/listen.ts';
import { openRaw, type RawClient } from '../helpers/raw-client.ts';
import { runMoor, startMoor } from '../helpers/processes.ts';

const MOOR_NS = 'xmlns:moor="urn:moor:config"';

/** A SOAP backend that counts what it saw: requests begun, bodies read to their end, requests cut off. */
async function countingBackend(options: { hold?: boolean } = {}) {
  const seen = { begun: 0, complete: 0, cut: 0 };
  let cutListeners: (() => void)[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.begun++;
    let answered = false;
    req.on('close', () => {
      if (answered) return;
      seen.cut++;
      for (const l of cutListeners) l();
      cutListeners = [];
    });
    req.resume();
    req.on('end', () => {
      seen.complete++;
      if (options.hold) return;
      answered = true;
      const body = soap11('<ok/>');
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
    });
  });
  const { port, close } = await listenOnFreePort(server);
  return {
    url: `http://127.0.0.1:${port}/services/Back`,
    seen,
    /** Resolves when a request is cut off (at once if one already was). */
    cut: () => new Promise<void>((resolve) => (seen.cut > 0 ? resolve() : cutListeners.push(resolve))),
    close,
  };
}

/** A gateway with the given limits, proxy `P` sending to `uri` (`read` makes it read the body: $body XPath). */
function config(uri: string, limits: string, read = false): Record<string, string> {
  const inSeq = `${read ? '<property name="first" expression="local-name($body/*[1])"/>' : ''}<send><endpoint><address uri="${uri}"/></endpoint></send>`;
  return {
    'p.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse" ${MOOR_NS}><moor:limits ${limits}/>
      <proxy name="P"><target><inSequence>${inSeq}</inSequence><outSequence><send/></outSequence></target></proxy>
      <endpoint name="Sticky"><session type="simpleClientSession"/><loadbalance><endpoint name="b1"><address uri="${uri}"/></endpoint></loadbalance></endpoint>
      <proxy name="S"><target><inSequence><send><endpoint key="Sticky"/></send></inSequence><outSequence><send/></outSequence></target></proxy></definitions>`,
  };
}


const HEAD = (length: string): string => `POST /services/P HTTP/1.1\r\nhost: x\r\ncontent-type: text/xml; charset=utf-8\r\n${length}\r\n`;
const ENVELOPE_START = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><big>';

/** Two bodies begun and left unfinished: a small announced one (collected whole) and a chunked one (streamed to the backend as it comes). */
function unfinishedBodies(url: string, announced: number): [small: RawClient, chunked: RawClient] {
  const small = openRaw(url);
  small.socket.write(`${HEAD(`content-length: ${announced}`)}\r\n${ENVELOPE_START}`);
  const chunked = openRaw(url);
  chunked.socket.write(`${HEAD('transfer-encoding: chunked')}\r\n${ENVELOPE_START.length.toString(16)}\r\n${ENVELOPE_START}\r\n`);
  return [small, chunked];
}

test('slowloris heads and silent connections are closed (head within headTimeoutMs); idle keep-alive connections close', async (t) => {
  const backend = await countingBackend();
  t.teardown(() => backend.close());
  const gw = await startGateway(config(backend.url, 'headTimeoutMs="300" idleTimeoutMs="300"'));
  t.teardown(() => gw.close());
  const slow = Array.from({ length: 20 }, () => openRaw(gw.url));
  const silent = Array.from({ length: 20 }, () => openRaw(gw.url));
  // each slow client sends a header line every 100 ms, for ever: its head never completes
  const trickle = setInterval(() => {
    for (const c of slow) if (!c.isClosed()) c.socket.write(`x-slow: ${'a'.repeat(10)}\r\n`);
  }, 100);
  for (const c of slow) c.socket.write('POST /services/P HTTP/1.1\r\nhost: x\r\n');
  await Promise.all([...slow, ...silent].map((c) => c.closed));
  clearInterval(trickle);
  // (a client still writing when the server closes may get a reset that drops the 408 it was sent)
  t.true(slow.some((c) => /^HTTP\/1\.1 408 /.test(c.text())), 'slow heads are answered 408');
  t.true(
    slow.every((c) => c.text() === '' || /^HTTP\/1\.1 408 /.test(c.text())),
    `each slow head is answered 408 and closed: ${JSON.stringify(slow.map((c) => c.text().slice(0, 40)))}`,
  );
  t.is(backend.seen.begun, 0, 'nothing reached the backend');

  // a keep-alive connection that carried a request and then says nothing is closed
  const idle = openRaw(gw.url);
  const body = soap11('<ping/>');
  idle.socket.write(`${HEAD(`content-length: ${Buffer.byteLength(body)}`)}\r\n${body}`);
  await idle.closed;
  t.regex(idle.text(), /^HTTP\/1\.1 200 /, 'the request was answered, then the idle connection closed');
  t.is(backend.seen.complete, 1);
});

test('a body that stalls gets a 408 fault and the connection closes; the backend request it started is cut off', async (t) => {
  const backend = await countingBackend();
  t.teardown(() => backend.close());
  const gw = await startGateway(config(backend.url, 'bodyStallMs="300"'));
  t.teardown(() => gw.close());
  const [small, chunked] = unfinishedBodies(gw.url, 1000);
  await Promise.all([small.closed, chunked.closed]);
  for (const c of [small, chunked]) {
    t.regex(c.text(), /^HTTP\/1\.1 408 /);
    t.regex(c.text(), /MOOR_ERR_REQUEST_TIMEOUT/);
    t.regex(c.text(), /the request body sent nothing for 300 ms \(bodyStallMs\)/);
  }
  await backend.cut();
  t.is(backend.seen.complete, 0, 'the backend never received a complete request');
  t.is(backend.seen.cut, 1, 'the streamed request was cut off at the backend');
  t.is((await post(`${gw.url}/services/P`, soap11('<ping/>'))).status, 200, 'the endpoint was not blamed: it still serves');
});

test('a body that trickles just inside bodyStallMs is cut at bodyTimeoutMs in all: 408, and the backend request it feeds is cut off', async (t) => {
  const backend = await countingBackend();
  t.teardown(() => backend.close());
  const gw = await startGateway(config(backend.url, 'bodyStallMs="1000" bodyTimeoutMs="600"'));
  t.teardown(() => gw.close());
  const [small, chunked] = unfinishedBodies(gw.url, 100000);
  // one byte every 100 ms: never a stall, never an end (a slowloris body)
  const drip = setInterval(() => {
    if (!small.isClosed()) small.socket.write(' ');
    if (!chunked.isClosed()) chunked.socket.write('1\r\n \r\n');
  }, 100);
  t.teardown(() => clearInterval(drip));
  await Promise.all([small.closed, chunked.closed]);
  for (const c of [small, chunked]) {
    t.regex(c.text(), /^HTTP\/1\.1 408 /);
    t.regex(c.text(), /MOOR_ERR_REQUEST_TIMEOUT/);
    t.regex(c.text(), /the request body took longer than 600 ms to arrive \(bodyTimeoutMs\)/);
  }
  await backend.cut();
  t.is(backend.seen.complete, 0, 'the backend never received a complete request');
  t.is((await post(`${gw.url}/services/P`, soap11('<ping/>'))).status, 200, 'the endpoint was not blamed: it still serves');
});

test('a body over maxMessageBytes gets 413 at once and the connection closes, chunked and endless too, head-only and body-reading routes', async (t) => {
  const backend = await countingBackend();
  t.teardown(() => backend.close());
  for (const read of [false, true]) {
    const gw = await startGateway(config(backend.url, 'maxMessageBytes="65536"', read));
    t.teardown(() => gw.close());
    const client = openRaw(gw.url);
    client.socket.write(`${HEAD('transfer-encoding: chunked')}\r\n`);
    const chunk = `<x>${'a'.repeat(4000)}</x>`;
    client.socket.write(`${ENVELOPE_START.length.toString(16)}\r\n${ENVELOPE_START}\r\n`);
    // an endless body: the client writes as long as the connection is open, like `cat /dev/zero`
    let sent = 0;
    while (!client.isClosed() && sent < 64 * 1024 * 1024) {
      const ok = client.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      sent += chunk.length;
      if (!ok) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await client.closed;
    t.regex(client.text(), /^HTTP\/1\.1 413 /, read ? 'body-reading route' : 'head-only route');
    t.regex(client.text(), /MOOR_ERR_MESSAGE_TOO_LARGE/);
    t.regex(client.text(), /connection: close/i);
    t.true(sent < 64 * 1024 * 1024, 'the gateway closed the connection rather than reading the endless body');
  }
  t.is(backend.seen.complete, 0, 'no backend received the oversized message whole');
  // an announced length over the limit: refused before any byte of the body
  const small = await startGateway(config(backend.url, 'maxMessageBytes="65536"'));
  t.teardown(() => small.close());
  const announced = openRaw(small.url);
  announced.socket.write(`${HEAD('content-length: 70000')}\r\n`);
  await announced.closed;
  t.regex(announced.text(), /^HTTP\/1\.1 413 /);
});

test('an early answer (drop) leaves the rest of the body unread: no further than maxMessageBytes, and not while it stalls', async (t) => {
  const gw = await startGateway({ 'd.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse" ${MOOR_NS}><moor:limits maxMessageBytes="65536" bodyStallMs="300"/><proxy name="P"><target><inSequence><drop/></inSequence></target></proxy></definitions>` });
  t.teardown(() => gw.close());
  const first = `${ENVELOPE_START}</big></soapenv:Body>`;
  const start = `${HEAD('transfer-encoding: chunked')}\r\n${first.length.toString(16)}\r\n${first}\r\n`;
  // endless: answered 202, then closed once the message limit is passed
  const endless = openRaw(gw.url);
  endless.socket.write(start);
  while (!/^HTTP\/1\.1 202 /.test(endless.text())) await new Promise((resolve) => setTimeout(resolve, 5));
  let sent = 0;
  const chunk = 'x'.repeat(4000);
  while (!endless.isClosed() && sent < 64 * 1024 * 1024) {
    if (!endless.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)) await new Promise((resolve) => setTimeout(resolve, 1));
    sent += chunk.length;
  }
  await endless.closed;
  t.true(sent < 64 * 1024 * 1024, 'the endless rest was not read for ever');
  // stalled: answered 202, then closed after bodyStallMs
  const stalled = openRaw(gw.url);
  stalled.socket.write(start);
  await stalled.closed;
  t.regex(stalled.text(), /^HTTP\/1\.1 202 /);
});

test('maxConnections: connections past the cap are closed as they come; the gateway serves again once some close', async (t) => {
  const backend = await countingBackend();
  t.teardown(() => backend.close());
  const gw = await startGateway(config(backend.url, 'maxConnections="10" headTimeoutMs="60000"'));
  t.teardown(() => gw.close());
  const held = Array.from({ length: 10 }, () => openRaw(gw.url));
  // a request on each shows that the server accepted it (it counts toward the cap from then on)
  const body = soap11('<ping/>');
  for (const c of held) c.socket.write(`${HEAD(`content-length: ${Buffer.byteLength(body)}`)}\r\n${body}`);
  await Promise.all(held.map((c) => new Promise<void>((resolve) => c.socket.on('data', () => resolve()))));
  const extra = Array.from({ length: 5 }, () => openRaw(gw.url));
  await Promise.all(extra.map((c) => c.closed));
  t.true(extra.every((c) => c.text() === ''), 'connections past the cap are closed unanswered');
  t.is(held.filter((c) => c.isClosed()).length, 0, 'the ten within the cap stay open');
  for (const c of held) c.socket.destroy();
  await Promise.all(held.map((c) => c.closed));
  let status = 0;
  // (the server counts a closed connection once its close event ran: the next connect may still race it)
  for (let i = 0; i < 50 && status !== 200; i++) status = await post(`${gw.url}/services/P`, body).then((r) => r.status, () => 0);
  t.is(status, 200);
});

test('a client that hangs up (FIN or RST) while its backend works cancels the backend request', async (t) => {
  for (const how of ['end', 'destroy'] as const) {
    const backend = await countingBackend({ hold: true });
    t.teardown(() => backend.close());
    const gw = await startGateway(config(backend.url, ''));
    t.teardown(() => gw.close());
    const client = openRaw(gw.url);
    const body = soap11('<ping/>');
    client.socket.write(`${HEAD(`content-length: ${Buffer.byteLength(body)}`)}\r\n${body}`);
    while (backend.seen.complete === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    if (how === 'end') client.socket.end();
    else client.socket.destroy();
    await backend.cut();
    t.is(backend.seen.cut, 1, `socket.${how}(): the backend request is cancelled`);
  }
});

test('a session id over maxSessionIdBytes gets a fault and is never stored; one at the limit is bound', async (t) => {
  const backend = await countingBackend();
  t.teardown(() => backend.close());
  const store = new MemoryStore();
  const gw = await startGateway(config(backend.url, 'maxSessionIdBytes="64"'), { store });
  t.teardown(() => gw.close());
  const clientId = (id: string): string => soap11('<ping/>', `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`);
  const long = await post(`${gw.url}/services/S`, clientId('x'.repeat(65)));
  t.is(long.status, 400);
  t.regex(long.text, /MOOR_ERR_SESSION_ID_TOO_LONG/);
  t.regex(long.text, /longer than 64 bytes/);
  // 22 three-byte characters: 66 bytes in 22 characters, refused by its bytes
  t.is((await post(`${gw.url}/services/S`, clientId('€'.repeat(22)))).status, 400);
  t.is((await store.list({}, 100)).bindings.length, 0, 'nothing was stored');
  t.is(backend.seen.begun, 0);
  t.is((await post(`${gw.url}/services/S`, clientId('y'.repeat(64)))).status, 200);
  t.is((await store.list({}, 100)).bindings.length, 1, 'the id at the limit is bound');
});

test('moor start --limit wins over <moor:limits>; a bad --limit or attribute is a one-line error', async (t) => {
  const backend = await countingBackend();
  t.teardown(() => backend.close());
  const { configDir } = await import('../helpers/gateway.ts');
  const dir = await configDir(config(backend.url, 'maxMessageBytes="100000"'));
  const gw = await startMoor(dir, ['--limit', 'maxMessageBytes=1000']);
  t.teardown(() => gw.kill());
  const r = await post(`${gw.url}/services/P`, soap11(`<x>${'a'.repeat(2000)}</x>`));
  t.is(r.status, 413, 'the flag set 1000 bytes');
  const bad = await runMoor(['start', '--config', dir, '--limit', 'maxFoo=3']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /^moor: --limit takes NAME=N with N above 0 and NAME one of maxMessageBytes, .*; not "maxFoo=3"\n/);
  const badConfig = await configDir({ 'l.xml': definitions('').replace('<definitions ', `<definitions ${MOOR_NS} `).replace('></definitions>', '>\n  <moor:limits headTimeoutMs="soon" maxConnections="0"/></definitions>') });
  const v = await runMoor(['validate', '--config', badConfig]);
  t.is(v.code, 1);
  t.regex(v.stdout + v.stderr, /l\.xml:2:3 MOOR_ERR_BAD_VALUE <moor:limits headTimeoutMs> must be a whole number, not "soon"/);
  t.regex(v.stdout + v.stderr, /l\.xml:2:3 MOOR_ERR_BAD_VALUE <moor:limits maxConnections> must be above 0/);
});
