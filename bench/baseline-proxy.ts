/**
 * The baseline: a reverse proxy that parses nothing, as fast as a plain Node proxy gets. It is the limit
 * moor is measured against, not a strawman, so it uses the cheapest means Node and undici offer:
 *
 * - node:http in, one keep-alive undici Pool per backend out, round robin;
 * - a small request (Content-Length up to 64 KB) is collected with plain 'data'/'end' listeners and
 *   sent as one buffer (headers and body leave in one write); a larger or unannounced one is handed to
 *   undici as the IncomingMessage stream;
 * - the response goes through undici's low-level dispatch() with a handler that writes each chunk
 *   straight into the ServerResponse, with backpressure (no Writable or Readable per response);
 * - only hop-by-hop headers are dropped; a client that goes away aborts the backend call.
 *
 * (It replaced a `pool.stream()` proxy that streamed every request body: measured side by side, this
 * one used about 20 % less CPU per ~1 KB message; see docs/benchmarks.md.)
 *
 *   node --import tsx bench/baseline-proxy.ts http://127.0.0.1:A,http://127.0.0.1:B,…
 *   prints `listening on http://127.0.0.1:PORT`
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { DROP_IN, DROP_OUT } from './hop-headers.ts';

const targets = (process.argv[2] ?? '').split(',').filter(Boolean);
if (targets.length === 0) throw new Error('usage: baseline-proxy.ts <backend-url>[,<backend-url>…]');
const pools = targets.map((t) => new Pool(t, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 }));

/** Bodies announced up to this size are collected and sent in one write. */
const SMALL = 64 * 1024;

/** Writes the backend's answer straight into the client's response. */
class Forward {
  private abort: ((reason: Error) => void) | undefined;
  private resume: (() => void) | undefined;
  constructor(private readonly res: ServerResponse) {
    res.on('close', () => {
      if (!res.writableFinished) this.abort?.(new Error('client went away'));
    });
  }
  onConnect(abort: (reason: Error) => void): void {
    this.abort = abort;
  }
  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    if (status < 200) return true;
    const out: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const k = raw[i]!.toString('latin1');
      if (!DROP_OUT.has(k.toLowerCase())) out.push(k, raw[i + 1]!.toString('latin1'));
    }
    this.res.writeHead(status, out);
    this.resume = resume;
    return true;
  }
  onData(chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true;
    // (a listener only when the client is behind: most answers fit the socket at once)
    this.res.once('drain', this.resume!);
    return false;
  }
  onComplete(): void {
    this.res.end();
  }
  onError(err: Error): void {
    if (!this.res.headersSent) this.res.writeHead(502, { 'content-type': 'text/plain' }).end(`bad gateway: ${err.message}\n`);
    else this.res.destroy(err);
  }
}

/**
 * Sends `body` on to the backend. (A function of its own, not a named closure per request: tsx keeps
 * function names, and naming a closure costs a defineProperty on every request.)
 */
function send(pool: Pool, req: IncomingMessage, res: ServerResponse, headers: string[], body: Buffer | IncomingMessage): void {
  pool.dispatch({ path: req.url ?? '/', method: (req.method ?? 'POST') as 'POST', headers, body }, new Forward(res));
}

let next = 0;
const server = createServer({ keepAliveTimeout: 60_000 }, (req: IncomingMessage, res: ServerResponse) => {
  // the raw lines, read once: the headers to pass on, and the announced length (Node's header object
  // is never built)
  const raw = req.rawHeaders;
  const headers: string[] = [];
  let length = NaN;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === 'content-length') length = Number(raw[i + 1]);
    if (!DROP_IN.has(name)) headers.push(raw[i]!, raw[i + 1]!);
  }
  const pool = pools[next++ % pools.length]!;
  if (next === 1e9) next = 0;
  if (!(length <= SMALL)) {
    send(pool, req, res, headers, req);
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => send(pool, req, res, headers, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
  req.on('error', () => res.destroy());
});
server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
