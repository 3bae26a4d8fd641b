/**
 * Bounded body work, through a real gateway: a message a mediator would parse whole is refused with 413
 * at once when it is over maxParseBytes (before the rest of it is read), the depth limit holds in the
 * body as in the head, and the bytes held parsed across all requests stay within parseBudgetBytes:
 * the next message waits for its share, and once a budget's worth waits, more are refused with 503.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import test from 'ava';
import { request } from 'undici';
import { parseBudget } from '../../src/message/parse-budget.ts';
import { definitions, filler, post, soap11, startGateway, until, XML11 } from '../helpers/gateway.ts';
import { listenOnFreePort } from '../helpers/listen.ts';
import { startEchoBackend } from '../helpers/echo-backend.ts';

/** Proxies: Full logs the whole message (parses it), Head only routes on the head. */
function config(uri: string): Record<string, string> {
  return {
    'p.xml': definitions(
      `<proxy name="Full"><target><inSequence><log level="full"/></inSequence><endpoint name="b"><address uri="${uri}"/></endpoint></target></proxy>` +
        `<proxy name="Head"><target><endpoint name="b"><address uri="${uri}"/></endpoint></target></proxy>`,
    ),
  };
}

/** Sends the head of a request announcing `length` bytes and only `bytes` of it; resolves with the status line that came back. */
function partialRequest(url: string, path: string, length: number, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: text/xml\r\ncontent-length: ${length}\r\n\r\n${bytes}`);
    });
    let got = '';
    socket.on('data', (c) => {
      got += c.toString('latin1');
      if (got.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(got.slice(0, got.indexOf('\r\n')));
      }
    });
    socket.on('error', reject);
  });
}

test('a message over maxParseBytes on a route that parses it gets 413 at once, before the rest is sent; on a head-only route it streams', async (t) => {
  const echo = await startEchoBackend();
  const gw = await startGateway(config(echo.url), { limits: { maxParseBytes: 64 * 1024 } });
  t.teardown(async () => {
    await gw.close();
    await echo.close();
  });
  const head = soap11('\u0000').split('\u0000')[0]!;
  // 1 MB announced, 2 KB sent: the answer comes while the client still holds the rest
  t.is(await partialRequest(gw.url, '/services/Full', 1024 * 1024, head + filler(2000)), 'HTTP/1.1 413 Payload Too Large');
  // within the limit it passes; over it, on the head-only route, it streams to the backend
  t.is((await post(`${gw.url}/services/Full`, soap11(filler(30_000)), XML11)).status, 200);
  const big = await post(`${gw.url}/services/Head`, soap11(filler(200_000)), XML11);
  t.is(big.status, 200, big.text);
  t.true(echo.received.at(-1)!.bytes > 200_000);
  // sent chunked (no length announced), refused once it grows past the limit
  const chunked = await request(`${gw.url}/services/Full`, { method: 'POST', headers: XML11, body: Readable.from([Buffer.from(soap11(filler(200_000)))]) });
  const text = await chunked.body.text();
  t.is(chunked.statusCode, 413, text);
  t.regex(text, /maxParseBytes/);
});

test('the depth limit holds in the body as in the head, on a route that never parses the body', async (t) => {
  const echo = await startEchoBackend();
  const gw = await startGateway(config(echo.url));
  t.teardown(async () => {
    await gw.close();
    await echo.close();
  });
  const before = echo.received.length;
  const deep = await post(`${gw.url}/services/Head`, soap11('<a>'.repeat(10_000) + '</a>'.repeat(10_000)), XML11);
  t.is(deep.status, 413);
  t.is(deep.headers['x-moor-error'], 'MOOR_ERR_MESSAGE_TOO_LARGE');
  t.regex(deep.text, /nests deeper than 64/);
  const wide = await post(`${gw.url}/services/Head`, soap11(`<a ${Array.from({ length: 300 }, (_, i) => `a${i}="1"`).join(' ')}/>`), XML11);
  t.is(wide.status, 413);
  t.is(echo.received.length, before, 'neither reached the backend');
});

/** A backend that holds every request until `open()`; counts how many it held at once. */
async function gatedBackend(): Promise<{ url: string; held: () => number; most: () => number; open(): void; close(): Promise<void> }> {
  const waiting: [IncomingMessage, ServerResponse][] = [];
  let most = 0;
  let gate = false;
  const answer = (res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'text/xml' }).end(soap11('<ok/>'));
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (gate) return answer(res);
      waiting.push([req, res]);
      most = Math.max(most, waiting.length);
    });
  });
  const { port, close } = await listenOnFreePort(server);
  return {
    url: `http://127.0.0.1:${port}/services/Gate`,
    held: () => waiting.length,
    most: () => most,
    open() {
      gate = true;
      for (const [, res] of waiting.splice(0)) answer(res);
    },
    close,
  };
}

test.serial('parsed messages share the parse budget: the next waits for its share, and once a budget’s worth waits, more get 503', async (t) => {
  const backend = await gatedBackend();
  const gw = await startGateway(config(backend.url), { limits: { maxParseBytes: 100_000, parseBudgetBytes: 200_000 } });
  t.teardown(async () => {
    await gw.close();
    await backend.close();
  });
  const message = soap11(filler(85_000));
  const send = (): Promise<{ status: number; text: string }> => post(`${gw.url}/services/Full`, message, XML11);
  // two fit in the budget and reach the backend, which holds them (their trees stay alive meanwhile)
  const first = [send(), send()];
  await until(() => backend.held() === 2);
  // the next two wait for a share; they do not reach the backend
  const waiting = [send(), send()];
  await until(() => parseBudget.waiting === 2);
  // a budget's worth waits already: the next is refused at once, blaming nobody but the gateway's load
  const refused = await send();
  t.is(refused.status, 503, refused.text);
  t.regex(refused.text, /<faultcode>soapenv:Server<\/faultcode>/);
  t.regex(refused.text, /MOOR_ERR_BUSY/);
  t.is(backend.held(), 2);
  backend.open();
  for (const r of await Promise.all([...first, ...waiting])) t.is(r.status, 200, r.text);
  t.is(backend.most(), 2, 'the backend never held more than the budget let through');
  await until(() => parseBudget.inUse === 0);
  t.is(parseBudget.waiting, 0);
});
