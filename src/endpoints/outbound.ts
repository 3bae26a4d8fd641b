/**
 * The outbound HTTP edge: the only importer of undici. One keep-alive pool per backend origin; each send
 * streams the request body and returns the response body as a stream, so neither direction is
 * buffered. The exchange itself is response-stream.ts; its failures become EndpointErrors in
 * send-failure.ts.
 */
import type { Pool } from 'undici';
import { parsedOnce } from '../parsed-once.ts';
import { loadOnFirstUse } from '../commonjs.ts';
import { Exchange } from './response-stream.ts';

/**
 * undici, loaded when the first pool is made: commands that never send (`moor validate`, `moor test`,
 * in-process tests with mocks) do not pay for its ~110 modules.
 */
const loadUndici = loadOnFirstUse<typeof import('undici')>('undici');

/** What a backend answered. */
export interface RawResponse {
  readonly status: number;
  /** As a map with lower-case names, or as the lines came: names (in their own case) and values in turn. */
  readonly headers: Map<string, string | string[]> | readonly string[];
  /** The body as it streams in; `takeAll` hands it over at once when it has already all arrived. */
  readonly body: AsyncIterable<Buffer> & { takeAll?(maxBytes: number): Buffer[] | undefined };
  readonly length: number | undefined;
}

/** One outbound request. */
export interface OutboundRequest {
  readonly url: string;
  /** The HTTP method: POST when not given (SOAP); a REST API's as the message says (rest-request.ts). */
  readonly method?: string;
  /** Header names and values in turn (content-length excluded: it comes from `length`). */
  readonly headers: string[];
  /**
   * The bytes to send: one buffer when they are all in memory (then sent in one write with the
   * headers), else a stream of chunks.
   */
  readonly body: Buffer | AsyncIterable<Buffer>;
  readonly length: number | undefined;
  /** Ends the exchange when the message is aborted. */
  readonly abort: AbortSource;
  readonly timeoutMs: number;
}

/** What an exchange listens to for an abort (the message's MessageAbort; kept structural here). */
export interface AbortSource {
  readonly aborted: boolean;
  readonly reason: Error | undefined;
  subscribe(listener: { onAbort(reason: Error): void }): void;
  unsubscribe(listener: { onAbort(reason: Error): void }): void;
}

export class Outbound {
  /**
   * One keep-alive pool per backend origin: what an undici Agent keeps, without the Agent's layer on
   * every send (its dispatch wrapper, and the drain/connect events it re-emits with a new array each).
   */
  private readonly pools = new Map<string, Pool>();
  private readonly poolOptions: Pool.Options;
  constructor(options: { connectTimeoutMs?: number; connections?: number } = {}) {
    this.poolOptions = {
      connect: { timeout: options.connectTimeoutMs ?? 5000 },
      keepAliveTimeout: 4000,
      connections: options.connections ?? 256,
      pipelining: 1,
    };
  }

  private poolOf(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      const created = new (loadUndici().Pool)(origin, this.poolOptions);
      // as an Agent does: a pool left with no connection and no work is closed and forgotten, so that
      // origins seen once (a WS-Addressing To, a backend gone from the configuration) do not pile up
      const release = (): void => {
        const s = created.stats;
        if (s.connected > 0 || s.pending > 0 || s.running > 0 || this.pools.get(origin) !== created) return;
        this.pools.delete(origin);
        void created.close();
      };
      created.on('disconnect', release).on('connectionError', release);
      this.pools.set(origin, (pool = created));
    }
    return pool;
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
    const headers = req.length !== undefined ? [...req.headers, 'content-length', String(req.length)] : req.headers;
    const url = target(req.url);
    const exchange = new Exchange(req.abort, name, req.timeoutMs);
    try {
      this.poolOf(url.origin).dispatch(
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
      const r = await this.poolOf(url.origin).request({
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
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}

/** What a health check sends. */
export interface ProbeRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly timeoutMs: number;
}

/** Origin and path of a backend URL, parsed once: endpoints send to a few fixed URLs. */
const target = parsedOnce((href): { origin: string; path: string } => {
  const u = new URL(href);
  return { origin: u.origin, path: u.pathname + u.search };
});
