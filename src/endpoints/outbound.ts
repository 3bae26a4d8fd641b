/**
 * The outbound HTTP edge: each send streams the request body and returns the response body as a
 * stream, so neither direction is buffered, on the backend origin's keep-alive pool (origin-pools.ts,
 * with undici). The exchange itself is response-stream.ts; its failures become EndpointErrors in
 * send-failure.ts; what goes out and comes back is outbound-request.ts.
 */
import { parsedOnce } from '../parsed-once.ts';
import { OriginPools } from './origin-pools.ts';
import { type OutboundRequest, type ProbeRequest, type RawResponse } from './outbound-request.ts';
import { Exchange } from './response-stream.ts';

export class Outbound {
  private readonly pools: OriginPools;

  constructor(options: { connectTimeoutMs?: number; connections?: number } = {}) {
    this.pools = new OriginPools(options);
  }

  /** How many backend origins hold a pool now (tests, metrics). */
  get origins(): number {
    return this.pools.size;
  }

  /**
   * Sends `req` to its URL; `name` names the endpoint in errors (its label: never the URL). (Not async: the exchange's own promise
   * is handed back, already failing with the error routing needs, so no frame is added per message.)
   */
  send(name: string, req: OutboundRequest): Promise<RawResponse> {
    // a buffer's length undici announces itself (it writes content-length from the bytes, and takes an
    // explicit one only to check it against them): the header list is copied, and the number printed
    // and parsed back, only for a stream of known length
    const headers = req.length !== undefined && !Buffer.isBuffer(req.body) ? [...req.headers, 'content-length', String(req.length)] : req.headers;
    const url = target(req.url);
    const exchange = new Exchange(req.abort, name, req.timeoutMs);
    try {
      this.pools.of(url.origin).dispatch(
        {
          path: url.path,
          method: (req.method ?? 'POST') as 'POST',
          headers,
          // a body already in memory leaves in one write with the headers; undici streams an async
          // iterable with backpressure (its typings list only Readable)
          body: req.body as unknown as Uint8Array,
          headersTimeout: req.timeoutMs,
          bodyTimeout: req.timeoutMs,
        },
        exchange,
      );
    } catch (e) {
      exchange.onError(e as Error);
    }
    return exchange.response;
  }

  /**
   * One health-check request (health-check.ts) on the backend's own pool: the answer's status, or in
   * words why none came within `timeoutMs`. Never throws.
   */
  async probe(href: string, init: ProbeRequest): Promise<{ status: number } | { error: string }> {
    const url = target(href);
    try {
      const r = await this.pools.of(url.origin).request({
        path: url.path,
        method: init.method,
        headers: init.headers,
        body: init.body ?? null,
        headersTimeout: init.timeoutMs,
        bodyTimeout: init.timeoutMs,
        signal: AbortSignal.timeout(init.timeoutMs),
      });
      await r.body.dump();
      return { status: r.statusCode };
    } catch (e) {
      const err = e as Error & { code?: string };
      if (err.name === 'TimeoutError' || err.name === 'AbortError') return { error: `no answer within ${init.timeoutMs} ms` };
      return { error: err.code ?? err.message };
    }
  }

  /** Closes idle connections. */
  async close(): Promise<void> {
    await this.pools.close();
  }
}

/** Origin and path of a backend URL, parsed once: endpoints send to a few fixed URLs. */
const target = parsedOnce((href): { origin: string; path: string } => {
  const u = new URL(href);
  return { origin: u.origin, path: u.pathname + u.search };
});
