/**
 * The baseline: a reverse proxy that parses nothing, as fast as a plain Node proxy gets. node:http in,
 * one keep-alive undici Pool per backend out, round robin; the request body is handed to undici as the
 * IncomingMessage stream and the response is streamed straight into the ServerResponse with
 * `pool.stream` (no intermediate Readable). Only hop-by-hop headers are dropped. It is the limit moor
 * is measured against, not a strawman.
 *
 *   node --import tsx bench/baseline-proxy.ts http://127.0.0.1:A,http://127.0.0.1:B,…
 *   prints `listening on http://127.0.0.1:PORT`
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const targets = (process.argv[2] ?? '').split(',').filter(Boolean);
if (targets.length === 0) throw new Error('usage: baseline-proxy.ts <backend-url>[,<backend-url>…]');
const pools = targets.map((t) => new Pool(t, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 }));

// request headers undici refuses or that belong to one hop only
const DROP_IN = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect', 'proxy-connection', 'te', 'trailer']);
const DROP_OUT = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'te', 'trailer', 'upgrade']);

let next = 0;
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const raw = req.rawHeaders;
  const headers: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!DROP_IN.has(raw[i]!.toLowerCase())) headers.push(raw[i]!, raw[i + 1]!);
  }
  const pool = pools[next++ % pools.length]!;
  if (next === 1e9) next = 0;
  pool.stream(
    { path: req.url ?? '/', method: (req.method ?? 'POST') as 'POST', headers, body: req, opaque: res },
    ({ statusCode, headers: h, opaque }) => {
      const out: Record<string, string | string[]> = {};
      for (const k in h) if (!DROP_OUT.has(k)) out[k] = h[k]!;
      return (opaque as ServerResponse).writeHead(statusCode, out);
    },
    (err) => {
      if (!err) return;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`bad gateway: ${err.message}\n`);
      else res.destroy(err);
    },
  );
});
server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
