/**
 * A plain node:http SOAP backend for protocol tests: it records what it received (headers and bytes,
 * or only the byte count for large bodies) and answers with a small SOAP envelope in the request's
 * SOAP version.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { listenOnFreePort } from './listen.ts';

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly bytes: number;
}

export interface EchoBackend {
  readonly url: string;
  readonly received: Received[];
  /** Requests that began but were cut off before their end (the gateway aborted them). */
  readonly aborted: () => number;
  close(): Promise<void>;
}

/** Starts the backend; `keepBodiesUpTo` bounds what it stores (bigger bodies are only counted). */
export async function startEchoBackend(options: { responseHeaders?: Record<string, string | string[]>; keepBodiesUpTo?: number } = {}): Promise<EchoBackend> {
  const received: Received[] = [];
  let aborted = 0;
  const keep = options.keepBodiesUpTo ?? 1024 * 1024;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    try {
      for await (const c of req as AsyncIterable<Buffer>) {
        bytes += c.length;
        if (bytes <= keep) chunks.push(c);
      }
    } catch {
      // the gateway cut the request off (a refused body): nothing to answer
      aborted++;
      return;
    }
    const body = bytes <= keep ? Buffer.concat(chunks) : Buffer.alloc(0);
    received.push({ headers: req.headers, body, bytes });
    const soap12 = (req.headers['content-type'] ?? '').includes('soap+xml');
    const ns = soap12 ? 'http://www.w3.org/2003/05/soap-envelope' : 'http://schemas.xmlsoap.org/soap/envelope/';
    const reply = `<s:Envelope xmlns:s="${ns}"><s:Body><r:Echoed xmlns:r="urn:echo"><r:bytes>${bytes}</r:bytes></r:Echoed></s:Body></s:Envelope>`;
    res.writeHead(200, { 'content-type': soap12 ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8', ...options.responseHeaders });
    res.end(reply);
  });
  const { port, close } = await listenOnFreePort(server);
  return { url: `http://127.0.0.1:${port}/services/Echo`, received, aborted: () => aborted, close };
}
