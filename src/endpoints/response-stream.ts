/**
 * One request/response exchange with a backend as undici's dispatch handler, its response body an
 * async iterator with backpressure. Outbound (outbound.ts) makes one per send.
 */
import type { AbortSource, RawResponse } from './outbound-request.ts';
import { sendFailure } from './send-failure.ts';

/** Response bytes queued before undici is asked to stop reading the socket, and resumed below half that. */
const HIGH_WATER = 64 * 1024;

/**
 * One request/response exchange as an undici dispatch handler. The response body is the handler itself,
 * an async iterator over the chunks with backpressure (undici pauses the socket while the consumer is
 * behind), which costs far less per message than undici's `request()` with its Readable per response.
 */
export class Exchange implements AsyncIterableIterator<Buffer> {
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
