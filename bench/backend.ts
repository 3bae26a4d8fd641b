/**
 * A fast demo-style SOAP backend, run as its own process: a plain node:http server that reads each
 * request body as it streams in (never holding it) and answers the canned ~1 KB envelope. The demo's
 * `soap`-package Cart service parses every envelope into objects and is far slower than either proxy,
 * so with it the benchmark would measure the backend, not the gateway.
 *
 * `POST /big-request` answers the canned envelope with `x-request-bytes` (what arrived), so a streamed
 * upload can be checked; `POST /big-response?bytes=N` answers an N-byte envelope generated on the fly,
 * with backpressure.
 *
 *   node --import tsx bench/backend.ts          prints `listening on http://127.0.0.1:PORT`
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bigEnvelope, RESPONSE_ENVELOPE } from './envelopes.ts';

const RESPONSE_HEADERS = { 'content-type': 'text/xml; charset=utf-8', 'content-length': String(RESPONSE_ENVELOPE.length) };

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  let received = 0;
  req.on('data', (c: Buffer) => (received += c.length));
  req.on('end', () => {
    const big = req.url?.startsWith('/big-response') ? /[?&]bytes=(\d+)/.exec(req.url) : null;
    if (!big) {
      const headers = req.url?.startsWith('/big-request') ? { ...RESPONSE_HEADERS, 'x-request-bytes': String(received) } : RESPONSE_HEADERS;
      res.writeHead(200, headers).end(RESPONSE_ENVELOPE);
      return;
    }
    const total = Number(big[1]);
    res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'content-length': String(total) });
    void (async () => {
      for await (const chunk of bigEnvelope(total)) {
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
    })();
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
