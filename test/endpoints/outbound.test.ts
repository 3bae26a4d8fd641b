import { createServer } from 'node:http';
import test from 'ava';
import { Outbound } from '../../src/endpoints/outbound.ts';
import { type OutboundRequest } from '../../src/endpoints/outbound-request.ts';
import { EndpointError } from '../../src/endpoints/send-failure.ts';
import { MessageAbort } from '../../src/message/abort.ts';
import { listenOnFreePort } from '../helpers/listen.ts';

function request(url: string, body: string): OutboundRequest {
  const bytes = Buffer.from(body);
  return { url, headers: ['content-type', 'text/xml'], body: bytes, length: bytes.length, abort: new MessageAbort(), timeoutMs: 5000 };
}

async function bodyOf(body: AsyncIterable<Buffer> & { takeAll?(max: number): Buffer[] | undefined }): Promise<string> {
  const all = body.takeAll?.(1 << 20);
  if (all) return Buffer.concat(all).toString();
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(c);
  return Buffer.concat(parts).toString();
}

test('a send reaches the backend and brings its answer; the pool of a backend whose connections are gone is let go', async (t) => {
  const server = createServer((req, res) => {
    let got = '';
    req.on('data', (c: Buffer) => (got += c));
    req.on('end', () => {
      const body = `<echo>${got}</echo>`;
      res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': body.length, 'X-Seen': req.headers['content-type'] ?? '' }).end(body);
    });
  });
  const backend = await listenOnFreePort(server);
  const outbound = new Outbound();
  t.teardown(() => outbound.close());
  const res = await outbound.send('b', request(`http://127.0.0.1:${backend.port}/x`, '<a/>'));
  t.is(res.status, 200);
  // the header lines as they came (names in the backend's case), and the length they announce
  const lines = res.headers as readonly string[];
  t.is(lines[lines.indexOf('X-Seen') + 1], 'text/xml');
  t.is(res.length, '<echo><a/></echo>'.length);
  t.is(await bodyOf(res.body), '<echo><a/></echo>');
  t.is(outbound.origins, 1);
  // the backend goes away with its keep-alive connections: nothing is left to keep for it
  await backend.close();
  for (let i = 0; i < 50 && outbound.origins > 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.is(outbound.origins, 0);
});

test('an origin nobody listens on is unreachable, and leaves no pool behind', async (t) => {
  const server = createServer();
  const { port, close } = await listenOnFreePort(server);
  await close();
  const outbound = new Outbound();
  t.teardown(() => outbound.close());
  const e = await t.throwsAsync(outbound.send('gone', request(`http://127.0.0.1:${port}/`, '<a/>')), { instanceOf: EndpointError });
  t.is(e?.failure, 'unreachable');
  for (let i = 0; i < 50 && outbound.origins > 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.is(outbound.origins, 0);
});
