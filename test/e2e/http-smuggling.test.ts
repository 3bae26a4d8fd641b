/**
 * Request smuggling and pipelining, as an attacker writes them on a raw socket, through a real gateway
 * in front of a backend that records every byte it receives. A request whose framing is ambiguous
 * (Content-Length with Transfer-Encoding, two lengths, an unknown coding, obs-fold, bare LF, a bad
 * chunk size) gets Node's bare 400 and the connection closes: the backend never sees it, nor the
 * request hidden in its body. Framings HTTP allows reach the backend as one request, framed anew by
 * the gateway. Pipelined requests are answered in order, each once, a bad one among them included.
 */
import { createServer } from 'node:http';
import test from 'ava';
import { type Gateway } from '../../src/server/gateway.ts';
import { definitions, post, soap11, startGateway, until } from '../helpers/gateway.ts';
import { listenOnFreePort } from '../helpers/listen.ts';
import { openRaw } from '../helpers/raw-client.ts';
import { rawExchange, rawPost, type RecordingBackend, startRecordingBackend } from '../helpers/raw-http.ts';

let gw: Gateway;
let backend: RecordingBackend;

test.before(async () => {
  // (the answer to "slow" is held back: a pipelined request after it is parsed while it is in flight)
  backend = await startRecordingBackend({ delayMs: (m) => (m === 'slow' ? 150 : 0) });
  gw = await startGateway({ 'p.xml': definitions(`<proxy name="P"><target><endpoint name="back"><address uri="${backend.url}"/></endpoint></target></proxy>`) });
});
test.after.always(async () => {
  await gw.close();
  await backend.close();
});

const envelope = (mark: string): string => soap11(`<m>${mark}</m>`);
const chunk = (s: string): string => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
const HEAD = 'POST /services/P HTTP/1.1\r\nHost: gateway\r\nContent-Type: text/xml\r\n';
/** The request an attacker hides in a body, hoping that the backend reads the bytes differently. */
const SMUGGLED = rawPost('/services/P', envelope('smuggled'));

const refusedShapes: Record<string, string> = {
  'Content-Length and Transfer-Encoding: chunked': `${HEAD}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(envelope('a'))}0\r\n\r\n${SMUGGLED}`,
  'Transfer-Encoding: chunked and Content-Length': `${HEAD}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n${chunk(envelope('a'))}0\r\n\r\n${SMUGGLED}`,
  'two different Content-Lengths': `${HEAD}Content-Length: ${Buffer.byteLength(envelope('a'))}\r\nContent-Length: ${Buffer.byteLength(envelope('a') + SMUGGLED)}\r\n\r\n${envelope('a')}${SMUGGLED}`,
  'two equal Content-Lengths': `${HEAD}Content-Length: ${Buffer.byteLength(envelope('a'))}\r\nContent-Length: ${Buffer.byteLength(envelope('a'))}\r\n\r\n${envelope('a')}`,
  'a Content-Length list': `${HEAD}Content-Length: ${Buffer.byteLength(envelope('a'))}, ${Buffer.byteLength(envelope('a'))}\r\n\r\n${envelope('a')}`,
  'a Content-Length in hex': `${HEAD}Content-Length: 0x10\r\n\r\n${envelope('a')}`,
  'a Content-Length with a plus sign': `${HEAD}Content-Length: +${Buffer.byteLength(envelope('a'))}\r\n\r\n${envelope('a')}`,
  'a negative Content-Length': `${HEAD}Content-Length: -1\r\n\r\n${envelope('a')}`,
  'Content-Length past 2^64': `${HEAD}Content-Length: 99999999999999999999999\r\n\r\n${envelope('a')}`,
  'Transfer-Encoding: chunked, identity': `${HEAD}Transfer-Encoding: chunked, identity\r\n\r\n${chunk(envelope('a'))}0\r\n\r\n${SMUGGLED}`,
  'Transfer-Encoding: xchunked': `${HEAD}Transfer-Encoding: xchunked\r\n\r\n${chunk(envelope('a'))}0\r\n\r\n${SMUGGLED}`,
  'Transfer-Encoding twice': `${HEAD}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(envelope('a'))}0\r\n\r\n`,
  'an obs-fold continuation line': `${HEAD}X-Folded: a\r\n b\r\nContent-Length: ${Buffer.byteLength(envelope('a'))}\r\n\r\n${envelope('a')}`,
  'Transfer-Encoding on an obs-fold line': `${HEAD}Transfer-Encoding:\r\n chunked\r\nContent-Length: ${Buffer.byteLength(envelope('a'))}\r\n\r\n${envelope('a')}`,
  'white space before the colon': `${HEAD}Content-Length : ${Buffer.byteLength(envelope('a'))}\r\n\r\n${envelope('a')}`,
  'bare LF line endings': `POST /services/P HTTP/1.1\nHost: gateway\nContent-Type: text/xml\nContent-Length: ${Buffer.byteLength(envelope('a'))}\n\n${envelope('a')}`,
  'bare LF in the chunk framing': `${HEAD}Transfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(envelope('a')).toString(16)}\n${envelope('a')}\n0\n\n${SMUGGLED}`,
  'a chunk size of 20 hex digits': `${HEAD}Transfer-Encoding: chunked\r\n\r\n${'f'.repeat(20)}\r\n${envelope('a')}\r\n0\r\n\r\n`,
  'a chunk size that is not hex': `${HEAD}Transfer-Encoding: chunked\r\n\r\nzz\r\n${envelope('a')}\r\n0\r\n\r\n`,
  'a NUL in the request target': `POST /services/P\0${SMUGGLED.slice(4)}`,
};

for (const [shape, bytes] of Object.entries(refusedShapes)) {
  test.serial(`smuggling: ${shape} gets a bare 400 and the connection closes; the backend receives nothing`, async (t) => {
    const before = backend.requestLines().length;
    const r = await rawExchange(gw.url, bytes);
    t.deepEqual(r.answers.map((a) => a.status), [400], r.rest);
    t.is(r.answers[0]!.headers.connection, 'close');
    t.true(r.closed, 'the connection is closed');
    t.is(r.rest, '', 'nothing after the 400');
    t.is(backend.requestLines().length, before, `the backend received nothing: ${backend.requestLines().slice(before).join(' | ')}`);
  });
}

const acceptedShapes: Record<string, string> = {
  'chunk extensions': `${HEAD}Transfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(envelope('ext')).toString(16)};name=value;q="x y"\r\n${envelope('ext')}\r\n0;last\r\n\r\n`,
  'leading zeros in a chunk size': `${HEAD}Transfer-Encoding: chunked\r\n\r\n${'0'.repeat(30)}${chunk(envelope('zeros'))}0\r\n\r\n`,
  'Transfer-Encoding: identity, chunked': `${HEAD}Transfer-Encoding: identity, chunked\r\n\r\n${chunk(envelope('both'))}0\r\n\r\n`,
  'a trailer field': `${HEAD}Transfer-Encoding: chunked\r\n\r\n${chunk(envelope('trailer'))}0\r\nX-Trailer: smuggled\r\n\r\n`,
};

for (const [shape, bytes] of Object.entries(acceptedShapes)) {
  test.serial(`framing HTTP allows (${shape}) reaches the backend as one request, framed anew`, async (t) => {
    const before = backend.requests.length;
    const linesBefore = backend.requestLines().length;
    const rawBefore = backend.raw().length;
    const r = await rawExchange(gw.url, bytes, { answers: 1 });
    t.deepEqual(r.answers.map((a) => a.status), [200]);
    t.false(r.closed, 'the connection stays open');
    t.is(backend.requests.length, before + 1);
    t.is(backend.requestLines().length, linesBefore + 1, 'one request on the wire to the backend');
    const got = backend.requests.at(-1)!;
    t.is(got.body, /<m>\w+<\/m>/.exec(bytes) ? envelope(/<m>(\w+)<\/m>/.exec(bytes)![1]!) : '');
    const wire = backend.raw().slice(rawBefore);
    t.notRegex(wire, /name=value|identity|x-trailer|smuggled/i, "the client's framing stays with the client");
  });
}

test.serial('chunk extensions over 16 KiB: Node’s bare 413, closed, nothing reaches the backend', async (t) => {
  const before = backend.requestLines().length;
  const r = await rawExchange(gw.url, `${HEAD}Transfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(envelope('a')).toString(16)};x=${'y'.repeat(20_000)}\r\n${envelope('a')}\r\n0\r\n\r\n`);
  t.deepEqual(r.answers.map((a) => a.status), [413]);
  t.true(r.closed);
  t.is(backend.requestLines().length, before);
});

test.serial('HTTP/1.0 with Transfer-Encoding: chunked is read as chunked, answered, and the connection closes (RFC 9112 §6.1)', async (t) => {
  const before = backend.requests.length;
  const r = await rawExchange(gw.url, `POST /services/P HTTP/1.0\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(envelope('ten'))}0\r\n\r\n${SMUGGLED}`);
  t.deepEqual(r.answers.map((a) => [a.status, a.headers.connection]), [[200, 'close']]);
  t.true(r.closed);
  t.deepEqual(backend.requests.slice(before).map((q) => q.body), [envelope('ten')], 'one request; the bytes after it are never read');
});

test.serial('pipelining: requests written at once are each answered once, in order, however long each takes at the backend', async (t) => {
  const before = backend.requests.length;
  const r = await rawExchange(gw.url, ['slow', 'b', 'c'].map((m) => rawPost('/services/P', envelope(m))).join(''), { answers: 3 });
  t.deepEqual(r.answers.map((a) => [a.status, /m="(\w+)"/.exec(a.body)?.[1]]), [[200, 'slow'], [200, 'b'], [200, 'c']]);
  t.is(r.rest, '');
  t.is(backend.requests.length, before + 3);
});

test.serial('pipelining: a request refused by its envelope in the middle gets its fault; those around it are answered and reach the backend', async (t) => {
  const before = backend.requests.length;
  const bad = `<!DOCTYPE x [<!ENTITY e "e">]>${envelope('bad')}`;
  const r = await rawExchange(gw.url, [rawPost('/services/P', envelope('slow')), rawPost('/services/P', bad), rawPost('/services/P', envelope('c'))].join(''), { answers: 3 });
  t.deepEqual(r.answers.map((a) => a.status), [200, 500, 200]);
  t.regex(r.answers[0]!.body, /m="slow"/);
  t.is(r.answers[1]!.headers['x-moor-error'], 'MOOR_ERR_DOCTYPE');
  t.regex(r.answers[2]!.body, /m="c"/);
  t.false(r.closed);
  t.deepEqual(backend.requests.slice(before).map((q) => /<m>(\w+)<\/m>/.exec(q.body)?.[1]), ['slow', 'c']);
});

for (const [what, bad] of [
  ['a request with two Content-Lengths', `${HEAD}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabc`],
  ['a request with Transfer-Encoding: xchunked', `${HEAD}Transfer-Encoding: xchunked\r\n\r\n${envelope('bad')}`],
  ['a request whose chunk size is not hex', `${HEAD}Transfer-Encoding: chunked\r\n\r\nzz\r\n${envelope('bad')}\r\n0\r\n\r\n`],
] as const) {
  test.serial(`pipelining: after ${what}, the good request before it is answered first, then the bare 400, and the connection closes`, async (t) => {
    const before = backend.requests.length;
    // (Node alone wrote its 400 at once, read by the client as the answer to "slow", which the backend still served)
    const r = await rawExchange(gw.url, [rawPost('/services/P', envelope('slow')), bad, rawPost('/services/P', envelope('after'))].join(''));
    t.deepEqual(r.answers.map((a) => a.status), [200, 400], r.rest);
    t.regex(r.answers[0]!.body, /m="slow"/);
    t.is(r.answers[1]!.headers.connection, 'close');
    t.true(r.closed);
    t.is(r.rest, '', 'nothing is answered twice');
    t.deepEqual(backend.requests.slice(before).map((q) => /<m>(\w+)<\/m>/.exec(q.body)?.[1]), ['slow'], 'the good request reached the backend; nothing after the bad one did');
  });
}

test.serial('pipelining: 64 requests written at once are all answered, in order', async (t) => {
  const marks = Array.from({ length: 64 }, (_, i) => `p${i}`);
  const r = await rawExchange(gw.url, marks.map((m) => rawPost('/services/P', envelope(m))).join(''), { answers: 64 });
  t.deepEqual(r.answers.map((a) => /m="(\w+)"/.exec(a.body)?.[1]), marks);
  t.false(r.closed);
});

/** A gateway whose proxy H sends to a backend that never answers, counting the requests begun and those the gateway cancelled. */
async function heldBackend(t: import('ava').ExecutionContext): Promise<{ g: Gateway; seen: { begun: number; cancelled: number } }> {
  const seen = { begun: 0, cancelled: 0 };
  const held = createServer((req, res) => {
    seen.begun++;
    req.resume();
    res.on('close', () => seen.cancelled++);
  });
  const backend = await listenOnFreePort(held);
  const g = await startGateway({ 'h.xml': definitions(`<proxy name="H"><target><endpoint name="held"><address uri="http://127.0.0.1:${backend.port}/"/></endpoint></target></proxy>`) }, { defaultTimeoutMs: 60_000 });
  t.teardown(async () => {
    await g.close();
    await backend.close();
  });
  return { g, seen };
}

test.serial('pipelining: a client that hangs up cancels every backend request of its connection, not only the first', async (t) => {
  const { g, seen } = await heldBackend(t);
  const client = openRaw(g.url);
  client.socket.write(['a', 'b', 'c'].map((m) => rawPost('/services/H', envelope(m))).join(''));
  await until(() => seen.begun === 3);
  client.socket.destroy();
  // (before, only the first was: the two queued behind it got no 'close' and waited out their timeout)
  await until(() => seen.cancelled === 3);
  t.is(seen.cancelled, 3);
});

test.serial('pipelining: a connection with more than 64 requests waiting is let go, its backend requests cancelled, while others are served', async (t) => {
  const { g, seen } = await heldBackend(t);
  // (before, all 5,000 were parsed and held, each waiting for its turn at the backend: memory for as many as a client sends)
  const r = await rawExchange(g.url, rawPost('/services/H', envelope('flood')).repeat(5000), { waitMs: 5000 });
  t.true(r.closed, 'the connection was let go');
  t.deepEqual(r.answers, []);
  await until(() => seen.cancelled === seen.begun);
  t.true(seen.begun <= 256, `the backend saw ${seen.begun} requests`);
  t.is((await post(`${gw.url}/services/P`, envelope('other'))).status, 200, 'another client is served');
});

test.serial('pipelining: <moor:limits maxPipelinedRequests> sets the bound: at it all are answered, past it the connection is let go', async (t) => {
  const g = await startGateway({
    'p.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config"><moor:limits maxPipelinedRequests="4"/>
      <proxy name="P"><target><endpoint name="back"><address uri="${backend.url}"/></endpoint></target></proxy></definitions>`,
  });
  t.teardown(() => g.close());
  // ("slow" first: the others wait behind its answer, so all of them are waiting at once)
  const pipelined = (n: number): string => ['slow', ...Array.from({ length: n - 1 }, (_, i) => `q${i}`)].map((m) => rawPost('/services/P', envelope(m))).join('');
  const atBound = await rawExchange(g.url, pipelined(4), { answers: 4 });
  t.deepEqual(atBound.answers.map((a) => a.status), [200, 200, 200, 200]);
  t.false(atBound.closed);
  const past = await rawExchange(g.url, pipelined(6), { waitMs: 2000 });
  t.true(past.closed, 'the connection was let go');
  t.true(past.answers.length < 6, `${past.answers.length} answers`);
});

test.serial('after every refusal the gateway serves on', async (t) => {
  const r = await rawExchange(gw.url, rawPost('/services/P', envelope('last')), { answers: 1 });
  t.is(r.answers[0]?.status, 200);
});
