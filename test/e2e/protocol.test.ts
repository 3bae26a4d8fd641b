/**
 * SOAP over HTTP as clients and backends see it through the gateway: original bytes forwarded, headers
 * passed (hop-by-hop ones not), faults in the request's own version with the binding's HTTP status,
 * hostile input refused before parsing, large messages streamed, and the gateway still up after all.
 */
import { readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import test from 'ava';
import { request } from 'undici';
import { type Gateway } from '../../src/server/gateway.ts';
import { type EchoBackend, startEchoBackend } from '../helpers/echo-backend.ts';
import { CORPUS } from '../fixtures/corpus.ts';
import { definitions, post, soap11, soap12, startGateway, XML11, XML12 } from '../helpers/gateway.ts';

let gw: Gateway;
let echo: EchoBackend;
let url: string;

test.before(async () => {
  echo = await startEchoBackend({ responseHeaders: { 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'], 'x-backend': 'echo' } });
  gw = await startGateway(
    { 'p.xml': definitions(`<proxy name="Echo"><target><endpoint name="echo"><address uri="${echo.url}"/></endpoint></target></proxy>`) },
    { limits: { maxMessageBytes: 64 * 1024 * 1024 } },
  );
  url = `${gw.url}/services/Echo`;
});
test.after.always(async () => {
  await gw.close();
  await echo.close();
});

test.serial('the backend receives the original bytes, untouched, whatever their shape', async (t) => {
  const odd =
    '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- a comment first -->\n' +
    '<S:Envelope b="2" a="1" xmlns:S="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:default">' +
    '<S:Header><h:Trace xmlns:h="urn:h"><![CDATA[<not-xml>]]></h:Trace></S:Header>\n  ' +
    '<S:Body><op  x = "y"><v>é &amp; ü</v></op></S:Body></S:Envelope>';
  const sent = Buffer.from(odd);
  const r = await post(url, sent, XML11);
  t.is(r.status, 200, r.text);
  t.deepEqual(echo.received.at(-1)!.body, sent);
});

test.serial('request headers reach the backend, response headers reach the client, hop-by-hop ones do not', async (t) => {
  // (names in mixed case: the lines of a message nobody looked into go on as they came, and the
  // hop-by-hop rule must still know them)
  const r = await rawPost(url, soap11('<a/>'), { ...XML11, SOAPAction: '"urn:op"', cookie: 'JSESSIONID=abc', 'X-Client': 'mine', 'Keep-Alive': 'timeout=5', Connection: 'keep-alive, X-Hop', 'X-Hop': 'nope' });
  const got = echo.received.at(-1)!.headers;
  t.is(got.soapaction, '"urn:op"');
  t.is(got.cookie, 'JSESSIONID=abc');
  t.is(got['x-client'], 'mine');
  t.is(got['content-type'], 'text/xml; charset=utf-8');
  t.is(got['keep-alive'], undefined);
  t.is(got['x-hop'], undefined, 'headers named in Connection are hop-by-hop');
  t.deepEqual(r.headers['set-cookie'], ['a=1; Path=/', 'b=2; Path=/']);
  t.is(r.headers['x-backend'], 'echo');
});

/** node:http, which (unlike undici) lets a client send hop-by-hop headers. */
function rawPost(target: string, body: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(target, { method: 'POST', headers }, async (res) => {
      let text = '';
      for await (const c of res) text += String(c);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test.serial('faults follow the SOAP HTTP bindings, in the request own version', async (t) => {
  const doctype = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>';
  // SOAP 1.1: always 500, faultcode Client
  const f11 = await post(url, doctype, XML11);
  t.is(f11.status, 500);
  t.regex(f11.text, /<faultcode>soapenv:Client<\/faultcode>/);
  t.is(f11.headers['x-moor-error'], 'MOOR_ERR_DOCTYPE');
  // SOAP 1.2: Sender faults are 400
  const f12 = await post(url, doctype, XML12);
  t.is(f12.status, 400);
  t.regex(f12.text, /soapenv:Sender/);
  t.is(String(f12.headers['content-type']).split(';')[0], 'application/soap+xml');
  // malformed XML in the head (the body is forwarded unparsed: its well-formedness is the backend's to judge)
  const bad = await post(url, soap12('<a/>', '<h:x xmlns:h="urn:h"></h:y>'), XML12);
  t.is(bad.status, 400);
  t.is(bad.headers['x-moor-error'], 'MOOR_ERR_MALFORMED_XML');
  // wrong envelope namespace: VersionMismatch
  const vm = await post(url, '<e:Envelope xmlns:e="http://example.com/not-soap"><e:Body/></e:Envelope>', XML11);
  t.is(vm.status, 500);
  t.regex(vm.text, /<faultcode>soapenv:VersionMismatch<\/faultcode>/);
  // not SOAP at all: 415
  const json = await post(url, '{"a":1}', { 'content-type': 'application/json' });
  t.is(json.status, 415);
  t.is(json.headers['x-moor-error'], 'MOOR_ERR_NOT_SOAP');
  // an unknown proxy: 404 naming it
  const missing = await post(`${gw.url}/services/Nowhere`, soap11('<a/>'), XML11);
  t.is(missing.status, 404);
  t.regex(missing.text, /Nowhere/);
  // a name with a malformed %-escape names no proxy either (it is not a crash of the gateway)
  const garbled = await post(`${gw.url}/services/Cart%E0%A4`, soap11('<a/>'), XML11);
  t.is(garbled.status, 404);
  t.is(garbled.headers['x-moor-error'], 'MOOR_ERR_NO_SERVICE');
  t.regex(garbled.text, /Cart%E0%A4/);
});

test.serial('XML attack files are refused before parsing, and the gateway stays up', async (t) => {
  const attacks = [
    `${CORPUS}/defusedxml/xmltestdata/xmlbomb.xml`,
    `${CORPUS}/defusedxml/xmltestdata/quadratic.xml`,
    `${CORPUS}/defusedxml/xmltestdata/external.xml`,
    `${CORPUS}/payloadsallthethings/XXE Injection/Files/Classic XXE.xml`,
  ];
  for (const file of attacks) {
    const r = await post(url, await readFile(file), XML11);
    t.is(r.status, 500, file);
    t.is(r.headers['x-moor-error'], 'MOOR_ERR_DOCTYPE', file);
  }
  // a DOCTYPE hidden deep in the body, past the head, is refused too
  const hidden = await post(url, soap11(`<a>${'x'.repeat(100_000)}</a><!DOCTYPE y>`), XML11);
  t.is(hidden.headers['x-moor-error'], 'MOOR_ERR_DOCTYPE');
  const ok = await post(url, soap11('<still-up/>'), XML11);
  t.is(ok.status, 200);
});

test.serial('a message over the size limit gets 413', async (t) => {
  const small = await startGateway(
    { 'p.xml': definitions(`<proxy name="Echo"><target><endpoint><address uri="${echo.url}"/></endpoint></target></proxy>`) },
    { limits: { maxMessageBytes: 10_000 } },
  );
  t.teardown(() => small.close());
  const r = await post(`${small.url}/services/Echo`, soap11(`<a>${'x'.repeat(20_000)}</a>`), XML11);
  t.is(r.status, 413);
  t.is(r.headers['x-moor-error'], 'MOOR_ERR_MESSAGE_TOO_LARGE');
  // streamed without Content-Length: refused once the limit is crossed
  const streamed = await request(`${small.url}/services/Echo`, {
    method: 'POST',
    headers: XML11,
    body: Readable.from([Buffer.from(soap11('<a>').replace('</soapenv:Body></soapenv:Envelope>', '')), Buffer.alloc(30_000, 'x'), Buffer.from('</a></soapenv:Body></soapenv:Envelope>')]),
  });
  t.is(streamed.statusCode, 413);
  await streamed.body.text();
});

test.serial('a 50 MB envelope streams through to the backend', async (t) => {
  const size = 50 * 1024 * 1024;
  async function* big() {
    yield Buffer.from(soap11('<big>').replace('</soapenv:Body></soapenv:Envelope>', ''));
    const chunk = Buffer.alloc(64 * 1024, 'a');
    for (let sent = 0; sent < size; sent += chunk.length) yield chunk;
    yield Buffer.from('</big></soapenv:Body></soapenv:Envelope>');
  }
  const res = await request(url, { method: 'POST', headers: XML11, body: Readable.from(big()) });
  const text = await res.body.text();
  t.is(res.statusCode, 200, text);
  t.true(echo.received.at(-1)!.bytes > size, 'every byte reached the backend');
  t.regex(text, new RegExp(`<r:bytes>${echo.received.at(-1)!.bytes}</r:bytes>`));
});

test.serial('after a fault on a large request, the same keep-alive connection carries the next request', async (t) => {
  const { Pool } = await import('undici');
  const pool = new Pool(gw.url, { connections: 1, pipelining: 1 });
  t.teardown(() => pool.close());
  // refused on its first bytes (a DOCTYPE), with 2 MB of it still unread
  const hostile = `<!DOCTYPE x>${soap11(`<a>${'x'.repeat(2 * 1024 * 1024)}</a>`)}`;
  const refused = await pool.request({ path: '/services/Echo', method: 'POST', headers: XML11, body: hostile });
  t.is(refused.statusCode, 500);
  t.is(refused.headers['x-moor-error'], 'MOOR_ERR_DOCTYPE');
  await refused.body.text();
  const next = await pool.request({ path: '/services/Echo', method: 'POST', headers: XML11, body: soap11('<next/>'), headersTimeout: 10_000 });
  t.is(next.statusCode, 200);
  t.regex(await next.body.text(), /Echoed/);
});

test.serial('a client that hangs up cancels its call to the backend, and the gateway goes on serving', async (t) => {
  const { createServer } = await import('node:http');
  const { listenOnFreePort } = await import('../helpers/listen.ts');
  // a backend that reads the request and never answers, and tells when its caller went away
  let arrived!: () => void;
  const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
  let cancelled!: () => void;
  const callCancelled = new Promise<void>((resolve) => (cancelled = resolve));
  const slow = createServer((req, res) => {
    req.resume();
    req.on('end', () => arrived());
    res.on('close', () => cancelled());
  });
  const backend = await listenOnFreePort(slow);
  const hang = await startGateway({
    'p.xml': definitions(`<proxy name="Slow"><target><endpoint name="slow"><address uri="http://127.0.0.1:${backend.port}/"/></endpoint></target></proxy>`),
  }, { defaultTimeoutMs: 10_000 });
  t.teardown(async () => {
    await hang.close();
    await backend.close();
  });
  const client = httpRequest(`${hang.url}/services/Slow`, { method: 'POST', headers: XML11 });
  client.on('error', () => {});
  client.end(soap11('<wait/>'));
  await requestArrived;
  client.destroy();
  // the backend's connection is closed by the gateway, long before any timeout
  const timedOut = await Promise.race([callCancelled.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 5000))]);
  t.false(timedOut, 'the backend call was not cancelled');
  const after = await post(url, soap11('<after/>'), XML11);
  t.is(after.status, 200);
});

test.serial('a client that breaks off in the middle of its request body is let go; nothing reaches the backend and the next request is served', async (t) => {
  const { connect } = await import('node:net');
  const before = echo.received.length;
  const { port } = new URL(gw.url);
  for (const announced of [2000, 200_000]) {
    // a small body (collected whole) and a large one (streamed): half of it is sent, then the socket ends
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const half = soap11(`<a>${'x'.repeat(announced)}</a>`).slice(0, announced / 2);
    socket.write(`POST /services/Echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: ${announced + 100}\r\n\r\n${half}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  t.is(echo.received.length, before, 'no broken-off request reached the backend');
  const after = await post(url, soap11('<after/>'), XML11);
  t.is(after.status, 200);
});

test.serial('a backend answer without a body (204) reaches the client as it is, announcing no length', async (t) => {
  const { createServer } = await import('node:http');
  const { listenOnFreePort } = await import('../helpers/listen.ts');
  const empty = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204, { 'x-backend': 'empty' }).end());
  });
  const backend = await listenOnFreePort(empty);
  const gw204 = await startGateway({
    'p.xml': definitions(`<proxy name="Empty"><target><endpoint name="empty"><address uri="http://127.0.0.1:${backend.port}/"/></endpoint></target></proxy>`),
  });
  t.teardown(async () => {
    await gw204.close();
    await backend.close();
  });
  const res = await post(`${gw204.url}/services/Empty`, soap11('<ping/>'), XML11);
  t.is(res.status, 204);
  t.is(res.headers['x-backend'], 'empty');
  t.is(res.headers['content-length'], undefined, 'a 204 must not announce a length (RFC 9110 §8.6)');
  t.is(res.text, '');
});
