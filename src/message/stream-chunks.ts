/**
 * A readable stream's chunks as an async iterator, with backpressure: the stream is paused whenever a
 * chunk waits unread. It is lighter per message than the stream's own iterator (no generator, no
 * finished() watcher), and `discard()` can let the rest of the stream flow away unread, which a paused
 * stream with a reader attached would otherwise never do (a keep-alive connection would stall on it).
 */
import type { Readable } from 'node:stream';

/** Watches the stream while a chunk is waited for, and fails it when nothing comes for too long. */
export interface StallGuard {
  readonly watch: { watch(w: StallEntry): void; unwatch(w: StallEntry): void };
  /** The error the stream fails with after `ms` without a byte (`stall`), or `ms` of waiting in all (`total`). */
  stalled(ms: number, limit: 'stall' | 'total'): Error;
}

interface StallEntry {
  since: number;
  onStall(ms: number, limit: 'stall' | 'total'): void;
}

export class StreamChunks implements AsyncIterableIterator<Buffer> {
  private readonly queue: Buffer[] = [];
  private ended = false;
  private failure: Error | undefined;
  private waiting: { resolve: (r: IteratorResult<Buffer>) => void; reject: (e: unknown) => void } | undefined;
  private readonly onData: (c: Buffer | string) => void;
  /** Watched for stalls while a chunk is waited for (when a guard is given). */
  private readonly entry: StallEntry | undefined;

  constructor(
    private readonly stream: Readable,
    private readonly guard?: StallGuard,
  ) {
    if (guard) this.entry = { since: 0, onStall: (ms, limit) => this.error(guard.stalled(ms, limit)) };
    // listeners made here rather than as arrow-function fields, which tsx would name one by one per instance
    this.onData = (c) => this.data(c);
    stream.on('data', this.onData);
    stream.once('end', () => this.end());
    stream.on('error', (e: Error) => this.error(e));
    stream.once('close', () => this.close());
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.queue.shift();
    if (chunk) return Promise.resolve({ value: chunk, done: false });
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    const p = new Promise<IteratorResult<Buffer>>((resolve, reject) => (this.waiting = { resolve, reject }));
    if (this.entry) this.guard!.watch.watch(this.entry);
    this.stream.resume();
    return p;
  }

  /** The reader stops here: whatever is left of the stream is read and dropped. */
  discard(): void {
    if (this.entry) this.guard!.watch.unwatch(this.entry);
    this.queue.length = 0;
    this.stream.off('data', this.onData);
    if (!this.stream.readableEnded) this.stream.resume();
  }

  private data(c: Buffer | string): void {
    const chunk = typeof c === 'string' ? Buffer.from(c) : c;
    const w = this.waiting;
    if (w) {
      this.waiting = undefined;
      if (this.entry) this.guard!.watch.unwatch(this.entry);
      w.resolve({ value: chunk, done: false });
    } else this.queue.push(chunk);
    // one chunk at a time: the stream stays paused until the next one is asked for
    this.stream.pause();
  }

  private end(): void {
    this.ended = true;
    this.settle();
  }

  private error(e: Error): void {
    this.failure ??= e;
    this.settle();
  }

  private close(): void {
    if (!this.ended) this.failure ??= new Error('the stream closed before it ended');
    this.settle();
  }

  private settle(): void {
    if (this.entry) this.guard!.watch.unwatch(this.entry);
    const w = this.waiting;
    if (!w) return;
    this.waiting = undefined;
    if (this.failure && !this.queue.length) w.reject(this.failure);
    else w.resolve({ value: undefined, done: true });
  }
}
