/**
 * A backend that breaks the way real ones do: it answers every request with fixed bytes, which may be
 * a malformed envelope, or cuts its reply off after some bytes (with a Content-Length or chunked).
 */
import { createServer } from 'node:http';
import { listenOnFreePort } from './listen.ts';

export interface BrokenBackend {
  readonly url: string;
  /** Requests it received. */
  readonly requests: () => number;
  close(): Promise<void>;
}

export interface BrokenReply {
  readonly contentType?: string;
  /** Chunked transfer encoding instead of a Content-Length. */
  readonly chunked?: boolean;
  /** Sends only this many bytes of the reply, then destroys the connection. */
  readonly cutAfter?: number;
}

export async function startBrokenBackend(reply: string | Buffer, options: BrokenReply = {}): Promise<BrokenBackend> {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      const bytes = Buffer.isBuffer(reply) ? reply : Buffer.from(reply);
      const headers: Record<string, string | number> = { 'content-type': options.contentType ?? 'text/xml; charset=utf-8' };
      if (!options.chunked) headers['content-length'] = bytes.length;
      res.writeHead(200, headers);
      if (options.cutAfter !== undefined) {
        res.write(bytes.subarray(0, options.cutAfter), () => res.destroy());
        return;
      }
      res.end(bytes);
    });
  });
  const { port, close } = await listenOnFreePort(server);
  return { url: `http://127.0.0.1:${port}/services/Broken`, requests: () => requests, close };
}
