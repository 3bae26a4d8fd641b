/**
 * A plain node:http REST backend: it records each request (method, path with query, headers, body) and
 * answers with what `reply` returns for it (JSON by default: the request as it saw it).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { listenOnFreePort } from './listen.ts';

export interface RestCall {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface RestReply {
  readonly status?: number;
  readonly contentType?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

export interface RestBackend {
  readonly url: string;
  readonly calls: RestCall[];
  close(): Promise<void>;
}

/** Starts the backend; `name` is echoed in each default reply (to tell instances apart). */
export async function startRestBackend(name = 'rest', reply?: (call: RestCall) => RestReply): Promise<RestBackend> {
  const calls: RestCall[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const call: RestCall = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    calls.push(call);
    const r = reply?.(call) ?? { contentType: 'application/json', body: JSON.stringify({ backend: name, method: call.method, url: call.url, body: call.body }) };
    const body = r.body ?? '';
    res.writeHead(r.status ?? 200, { ...(r.contentType ? { 'content-type': r.contentType } : {}), 'content-length': Buffer.byteLength(body), ...r.headers });
    res.end(body);
  });
  const { port, close } = await listenOnFreePort(server);
  return { url: `http://127.0.0.1:${port}`, calls, close };
}
