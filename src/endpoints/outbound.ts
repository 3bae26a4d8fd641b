/**
 * The outbound HTTP edge: the only importer of undici. One keep-alive pool per backend origin; each send
 * streams the request body and returns the response body as a stream, so neither direction is
 * buffered. Failures are classified into Synapse's codes (failure-codes.ts), with what routing needs:
 * whether the request may have reached the backend (then it is never retried elsewhere).
 */
import { createRequire } from 'node:module';
import type { Pool } from 'undici';
import { MoorError } from '../errors.ts';
import { classify, SYNAPSE_CODES } from './failure-codes.ts';

/**
 * undici, loaded when the first pool is made: commands that never send (`moor validate`, `moor test`,
 * in-process tests with mocks) do not pay for its ~110 modules.
 */
let undici: typeof import('undici') | undefined;
const loadUndici = (): typeof import('undici') => (undici ??= createRequire(import.meta.url)('undici') as typeof import('undici'));

/** Why a send failed. */
export type SendFailure = 'unreachable' | 'timeout';

/**
 * A send that failed before a response came. Its message, which faults show to clients, names the
 * endpoint by its configured name only; what failed (a socket error, the address) is `detail`, for the
 * log and for fault sequences (ERROR_DETAIL).
 */
export class EndpointError extends MoorError {
  /** Synapse's error code (101503 connection failed, 101504 timed out…; src/endpoints/failure-codes.ts). */
  readonly synapseCode: number;
  /** The failure without the endpoint's name (ERROR_DETAIL). */
  readonly detail: string;
  /** `<responseAction>discard</responseAction>`: no fault handler runs; the client gets the fault. */
  readonly discarded: boolean;
  constructor(
    readonly failure: SendFailure,
    /** The endpoint's label (its configured name). */
    readonly endpoint: string,
    detail: string,
    /** `summary`: a state to name instead of the failure (`suspended`), safe to show. */
    options?: { cause?: unknown; code?: number; discarded?: boolean; summary?: string },
    /** True when no byte reached the backend, so another endpoint may safely be tried. */
    readonly retryable = failure === 'unreachable',
  ) {
    super(
      failure === 'timeout' ? 'MOOR_ERR_ENDPOINT_TIMEOUT' : 'MOOR_ERR_ENDPOINT_UNREACHABLE',
      options?.summary ? `endpoint ${endpoint} is ${options.summary}` : failure === 'timeout' ? `endpoint ${endpoint} timed out` : `endpoint ${endpoint} is unreachable`,
      options,
    );
    this.detail = detail;
    this.synapseCode = options?.code ?? (failure === 'timeout' ? SYNAPSE_CODES.CONNECTION_TIMEOUT : retryable ? SYNAPSE_CODES.CONNECTION_FAILED : SYNAPSE_CODES.CONNECTION_CLOSED);
    this.discarded = options?.discarded ?? false;
  }
}

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

/**
 * What a failed exchange tells routing, classified into Synapse's codes (failure-codes.ts): a timeout,
 * or an unreachable backend that is safe to try elsewhere only when no request byte left. Errors of
 * moor's own (an aborted message's reason) pass as they are.
 */
function sendFailure(e: unknown, name: string, timeoutMs: number, aborted: boolean, bodyStarted: boolean): unknown {
  if (e instanceof MoorError) return e;
  // a request undici will not make (a header value it refuses, set by a user's class mediator): no byte
  // left, and the backend is not to blame (it must not be suspended for it)
  if ((e as { code?: unknown }).code === 'UND_ERR_INVALID_ARG') return new MoorError('MOOR_ERR_MEDIATION', `the request to ${name} cannot be sent: ${(e as Error).message}`, { cause: e });
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof MoorError) return cause;
  const c = classify(e, bodyStarted, false, timeoutMs);
  // the client went away or the message's time ran out: not the backend's failure
  if (aborted && c.sent) return e;
  const failure = c.code === SYNAPSE_CODES.CONNECTION_TIMEOUT ? 'timeout' : 'unreachable';
  return new EndpointError(failure, name, c.message, { cause: e, code: c.code }, !c.sent);
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

const targets = new Map<string, { origin: string; path: string }>();

/** Origin and path of a backend URL, parsed once: endpoints send to a few fixed URLs. */
function target(href: string): { origin: string; path: string } {
  let t = targets.get(href);
  if (!t) {
    if (targets.size >= 512) targets.clear();
    const u = new URL(href);
    t = { origin: u.origin, path: u.pathname + u.search };
    targets.set(href, t);
  }
  return t;
}

/** Response bytes queued before undici is asked to stop reading the socket, and resumed below half that. */
const HIGH_WATER = 64 * 1024;

/**
 * One request/response exchange as an undici dispatch handler. The response body is the handler itself,
 * an async iterator over the chunks with backpressure (undici pauses the socket while the consumer is
 * behind), which costs far less per message than undici's `request()` with its Readable per response.
 */
class Exchange implements AsyncIterableIterator<Buffer> {
  /** Set once undici wrote request bytes: a later reset may have reached the backend. */
  bodyStarted = false;
  readonly response: Promise<RawResponse>;
  private settle!: { resolve: (r: RawResponse) => void; reject: (e: unknown) => void };
  private abortRequest: ((reason: Error) => void) | undefined;
  private resume: (() => void) | undefined;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private paused = false;
  private ended = false;
  private started = false;
  private failure: unknown;
  private waiting: { resolve: (r: IteratorResult<Buffer>) => void; reject: (e: unknown) => void } | undefined;

  constructor(
    private readonly signal: AbortSource,
    /** The endpoint, named in errors. */
    private readonly name: string,
    private readonly timeoutMs: number,
  ) {
    this.response = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // the handler object itself listens: no closure per exchange
    if (!signal.aborted) signal.subscribe(this);
  }

  /** The message was aborted: the client went away or time ran out. */
  onAbort(reason: Error): void {
    this.abort(reason);
  }

  // --- undici's dispatch handler ---

  onConnect(abort: (reason: Error) => void): void {
    this.abortRequest = abort;
    if (this.signal.aborted) abort(this.signal.reason ?? new Error('aborted'));
  }

  onBodySent(): void {
    this.bodyStarted = true;
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    if (status < 200) return true;
    // the lines as they came (a map is made only if something reads them), and the announced length
    const headers: string[] = [];
    let length: number | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const k = raw[i]!.toString('latin1');
      const v = raw[i + 1]!.toString('latin1');
      if (k.length === 14 && k.toLowerCase() === 'content-length') length = Number(v);
      headers.push(k, v);
    }
    this.started = true;
    this.resume = resume;
    this.settle.resolve({ status, headers, body: this, length });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w.resolve({ value: chunk, done: false });
      return true;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queued < HIGH_WATER) return true;
    this.paused = true;
    return false;
  }

  onComplete(): void {
    this.ended = true;
    this.finish();
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w.resolve({ value: undefined, done: true });
    }
  }

  onError(err: Error): void {
    this.failure = err;
    this.finish();
    if (!this.started) this.settle.reject(sendFailure(err, this.name, this.timeoutMs, this.signal.aborted, this.bodyStarted));
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w.reject(err);
    }
  }

  // --- the response body ---

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.queue.shift();
    if (chunk) {
      this.queued -= chunk.length;
      if (this.paused && this.queued < HIGH_WATER / 2) {
        this.paused = false;
        this.resume?.();
      }
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** The whole response body, when it has all arrived (a small one comes with its headers). */
  takeAll(maxBytes: number): Buffer[] | undefined {
    if (!this.ended || this.failure !== undefined || this.queued > maxBytes) return undefined;
    const all = this.queue.splice(0);
    this.queued = 0;
    return all;
  }

  /** The consumer stops early: the rest of the response is not wanted, and the connection is let go. */
  return(): Promise<IteratorResult<Buffer>> {
    if (!this.ended && this.failure === undefined) this.abort(new Error('the response body was not read to its end'));
    this.queue.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  private abort(reason: Error): void {
    if (this.abortRequest) this.abortRequest(reason);
  }

  private finish(): void {
    this.signal.unsubscribe(this);
  }
}
