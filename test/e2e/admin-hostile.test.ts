/**
 * The admin listener (`moor start --admin`) as an attacker sees it, over raw sockets as the traffic
 * port is probed in http-smuggling and http-edge-requests: smuggling shapes, two Host or Authorization
 * lines, CONNECT, oversized and slow heads, pipelined requests (in order; a flood let go), bodies to
 * POST /reload past maxBodyBytes, and the token missing, wrong or in another scheme. A real `moor start`
 * with an admin token, its limits set small on <moor:admin> (docs/hostile-input.md, "The admin listener").
 */
import test, { type ExecutionContext } from 'ava';
import { configDir, definitions } from '../helpers/gateway.ts';
import { type GatewayProcess, startMoor } from '../helpers/processes.ts';
import { openRaw } from '../helpers/raw-client.ts';
import { rawExchange } from '../helpers/raw-http.ts';

const TOKEN = 'admin-hostile-token-9d2e';
const MOOR = 'xmlns:moor="urn:moor:config"';

/** `moor start --admin` with MOOR_ADMIN_TOKEN, one endpoint `E` (to drain) and `<moor:admin limits>`. */
async function adminGateway(t: ExecutionContext, limits = ''): Promise<GatewayProcess> {
  const dir = await configDir({
    'a.xml': `<definitions xmlns="http://ws.apache.org/ns/synapse" ${MOOR}>${limits ? `<moor:admin ${limits}/>` : ''}
      <endpoint name="E"><address uri="http://127.0.0.1:9/x"/></endpoint><proxy name="P"><target endpoint="E"/></proxy></definitions>`,
  });
  const gw = await startMoor(dir, ['--admin', '127.0.0.1:0', '--log-level', 'info'], { MOOR_ADMIN_TOKEN: TOKEN });
  t.teardown(() => gw.kill());
  return gw;
}

const request = (head: string): string => `${head}\r\nHost: admin\r\nConnection: close\r\n\r\n`;
const AUTH = `Authorization: Bearer ${TOKEN}`;

/** E's state as GET /health tells it. */
async function endpointState(admin: string): Promise<string | undefined> {
  const r = await rawExchange(admin, request('GET /health HTTP/1.1'));
  return (JSON.parse(r.answers[0]!.body) as { endpoints: { id: string; state: string }[] }).endpoints.find((e) => e.id.startsWith('E@'))?.state;
}

test('smuggling shapes, two Host or Authorization lines, CONNECT, a head too large or not HTTP: each refused and the connection closed', async (t) => {
  const gw = await adminGateway(t);
  const admin = gw.adminUrl!;
  const refused = async (bytes: string): Promise<string> => {
    const r = await rawExchange(admin, bytes);
    t.true(r.closed, `closed after: ${JSON.stringify(bytes.slice(0, 60))}`);
    return r.answers.map((a) => `${a.status} ${a.body}`).join(' | ');
  };
  const drain = `POST /endpoints/E/drain HTTP/1.1\r\nHost: admin\r\n${AUTH}\r\n`;
  t.is(await refused(`${drain}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\n\r\n`), '400 ', 'Content-Length with Transfer-Encoding');
  t.is(await refused(`${drain}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`), '400 ', 'two Content-Lengths');
  t.is(await refused(`${drain}Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n`), '400 ', 'chunked not last');
  t.is(await refused(`${drain}Content-Length: 0\r\nHost: other\r\n\r\n`), '400 {"error":"the request has more than one Host header"}');
  // (Node keeps the first Authorization line: a proxy in front that checked the last would let this through)
  t.is(await refused(`${drain}Authorization: Bearer wrong\r\nContent-Length: 0\r\n\r\n`), '400 {"error":"the request has more than one Authorization header"}');
  t.is(await refused(`POST /endpoints/E/drain HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer wrong\r\n${AUTH}\r\nContent-Length: 0\r\n\r\n`), '400 {"error":"the request has more than one Authorization header"}');
  t.is(await endpointState(admin), 'active', 'none of them drained E');
  t.is(await refused('CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n'), '405 ', 'CONNECT: the bare 405 of the traffic port');
  t.is(await refused(request(`GET /health HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}`)), '431 ', 'a head over maxHeadBytes');
  t.is(await refused('GET /health HTTP/1.1\nHost: admin\n\n'), '400 ', 'bare LF line endings');
  t.is(await refused('NOT HTTP AT ALL\r\n\r\n'), '400 ');
  t.is(await refused(request('GET http://elsewhere/endpoints HTTP/1.1')), '400 {"error":"the request target is not a path"}');
  t.is(await refused(request('OPTIONS * HTTP/1.1')), '400 {"error":"the request target is not a path"}');
});

test('the token: missing, wrong, a prefix, another scheme or in the query are 401 with WWW-Authenticate; Bearer and the token drain', async (t) => {
  const gw = await adminGateway(t);
  const admin = gw.adminUrl!;
  for (const auth of ['', 'Authorization: Bearer wrong\r\n', `Authorization: Bearer ${TOKEN.slice(0, -1)}\r\n`, `Authorization: Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}\r\n`, `Authorization: ${TOKEN}\r\n`, 'Authorization: Bearer \r\n']) {
    const r = await rawExchange(admin, `POST /endpoints/E/drain HTTP/1.1\r\nHost: admin\r\n${auth}Content-Length: 0\r\nConnection: close\r\n\r\n`);
    t.is(r.answers[0]?.status, 401, auth);
    t.is(r.answers[0]?.headers['www-authenticate'], 'Bearer realm="moor admin"');
  }
  t.is((await rawExchange(admin, request(`POST /endpoints/E/drain?token=${TOKEN} HTTP/1.1`))).answers[0]?.status, 401, 'a token in the query is no token');
  t.is(await endpointState(admin), 'active');
  const ok = await rawExchange(admin, request(`POST /endpoints/E/drain HTTP/1.1\r\nauthorization: bearer ${TOKEN}`));
  t.is(ok.answers[0]?.status, 200, 'the scheme is case-insensitive (RFC 9110 §11.1)');
  t.is(await endpointState(admin), 'draining');
});

test('pipelined requests are answered in order; a flood on one connection is let go, and the listener goes on serving', async (t) => {
  const gw = await adminGateway(t, 'maxPipelinedRequests="8"');
  const admin = gw.adminUrl!;
  const three = await rawExchange(admin, `GET /health HTTP/1.1\r\nHost: a\r\n\r\nGET /endpoints HTTP/1.1\r\nHost: a\r\n\r\nGET /endpoints HTTP/1.1\r\nHost: a\r\n${AUTH}\r\nConnection: close\r\n\r\n`);
  t.deepEqual(three.answers.map((a) => a.status), [200, 401, 200]);
  t.regex(three.answers[2]!.body, /"endpoints"/);
  t.true(three.closed);

  // eight waiting is within the bound
  const eight = await rawExchange(admin, 'GET /health HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(7) + request('GET /health HTTP/1.1'));
  t.is(eight.answers.length, 8);

  // 5,000 GET /metrics written at once (each would gather the whole exposition): the connection is closed
  const started = performance.now();
  const flood = await rawExchange(admin, 'GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(5000), { waitMs: 10_000 });
  t.true(flood.closed, 'the flooding connection was closed');
  t.true(flood.answers.length <= 8, `at most the bound was answered (${flood.answers.length})`);
  t.true(performance.now() - started < 3000, `let go at once (${Math.round(performance.now() - started)} ms)`);
  const after = performance.now();
  t.is((await rawExchange(admin, request('GET /health HTTP/1.1'))).answers[0]?.status, 200);
  t.true(performance.now() - after < 1000, 'another client is served at once');
});

test('a slow head is answered 408 within headTimeoutMs, not at Node\'s 30 s check', async (t) => {
  const gw = await adminGateway(t, 'headTimeoutMs="600"');
  const slow = openRaw(gw.adminUrl!);
  const started = performance.now();
  slow.socket.write('GET /health HTTP/1.1\r\nHost: admin\r\n');
  const drip = setInterval(() => slow.isClosed() || slow.socket.write('x-drip: 1\r\n'), 100);
  t.teardown(() => clearInterval(drip));
  await slow.closed;
  const took = performance.now() - started;
  t.regex(slow.text(), /^HTTP\/1\.1 408 /);
  t.true(took >= 550 && took < 2500, `closed after ${Math.round(took)} ms`);
});

test('a body to POST /reload: past maxBodyBytes by its Content-Length, 413 at once and no reload; a chunked stream past it, the connection closed', async (t) => {
  const gw = await adminGateway(t, 'maxBodyBytes="4096"');
  const admin = gw.adminUrl!;
  // 10 MB announced, 1 KiB sent: answered before the rest would come
  const big = await rawExchange(admin, `POST /reload HTTP/1.1\r\nHost: admin\r\n${AUTH}\r\nContent-Length: 10000000\r\n\r\n${'x'.repeat(1024)}`);
  t.is(big.answers[0]?.status, 413);
  t.is(big.answers[0]?.body, '{"error":"the request body is larger than 4096 bytes (<moor:admin maxBodyBytes>); no admin route reads one"}');
  t.true(big.closed);
  await new Promise((r) => setTimeout(r, 200));
  t.notRegex(gw.output(), /configuration reloaded/, 'the refused request reloaded nothing');

  // without the token, chunked: answered 401, then let go once more than 4096 bytes came
  const chunk = `400\r\n${'y'.repeat(1024)}\r\n`;
  const stream = await rawExchange(admin, ['POST /reload HTTP/1.1\r\nHost: admin\r\nTransfer-Encoding: chunked\r\n\r\n', ...Array<string>(40).fill(chunk)], { gapMs: 20, waitMs: 5000 });
  t.is(stream.answers[0]?.status, 401);
  t.true(stream.closed, 'the endless body did not hold the connection');

  // a small body within the bound is thrown away: the reload is done and the connection goes on
  const small = await rawExchange(admin, [`POST /reload HTTP/1.1\r\nHost: admin\r\n${AUTH}\r\nContent-Length: 2\r\n\r\n{}`, request('GET /health HTTP/1.1')], { gapMs: 300, waitMs: 10_000 });
  t.deepEqual(small.answers.map((a) => a.status), [200, 200]);
  t.regex(small.answers[0]!.body, /"reloaded":true/);
  t.regex(gw.output(), /configuration reloaded/);
});
