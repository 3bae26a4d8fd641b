/**
 * The access log (`moor start --access-log PATH|-`): one JSON line per request, appended to a file or
 * written to stdout.
 *
 *   {"time":"2026-12-02T08:00:00.000Z","proxy":"Cart","method":"POST","status":200,"durationMs":1.93,
 *    "bytesIn":412,"bytesOut":608,"endpoint":"cart1@http://…","session":"k3Jq9d0aT1xw"}
 *
 * `session` is a short hash of the session id (the first 12 characters of its SHA-256 in base64url), the
 * same on every gateway node and worker, so the lines of one session can be found together without
 * the log holding an id that would let its reader take the session over. `error` is the moor error
 * code when moor answered with a fault of its own. docs/operations.md describes every field.
 */
import { hash } from 'node:crypto';
import { openSync } from 'node:fs';
import sonicBoom from 'sonic-boom';
import { WarningThrottle } from './warning-throttle.ts';

// (a CommonJS module: its class is read off the default export, which Node's ESM loader provides)
const { SonicBoom } = sonicBoom;
type SonicBoom = InstanceType<typeof SonicBoom>;

/**
 * Lines waiting for the disk (or a slow stdout reader) are kept up to this many bytes by default
 * (`moor start --access-log-buffer-bytes`); past it a line is dropped, not queued, so a stalled log cannot
 * take the gateway's memory. (About 60,000 lines.)
 */
export const ACCESS_LOG_BUFFER_BYTES = 16 * 1024 * 1024;

/**
 * How long a line may wait in memory before it is written, by default (`moor start
 * --access-log-flush-ms`; 0 writes each line at once). Lines gather for up to this long, or until
 * BATCH_BYTES of them have, and leave in one write: a write per line cost ~6 µs of CPU a line against
 * ~1.4 batched, in process (docs/benchmarks.md), whatever the disk. Web servers' access logs do the same
 * (ASP.NET's W3C logger flushes every second). What a crash loses is at most this long of lines;
 * a stop, a SIGHUP and close() write them first.
 */
export const ACCESS_LOG_FLUSH_MS = 1000;

/** Lines gathered past this many bytes leave at once, without waiting for the flush time. */
const BATCH_BYTES = 64 * 1024;

/** One line of the access log. */
export interface AccessRecord {
  /** When the request arrived (ISO 8601). */
  readonly time: string;
  /** The proxy service, `main`, or `(none)` when no proxy and no main sequence took it. */
  readonly proxy: string;
  readonly method: string;
  readonly status: number;
  /** From the request's arrival to the end of its answer (ms, to the µs). */
  readonly durationMs: number;
  /** Bytes of the request body taken in. */
  readonly bytesIn: number;
  /** Bytes written to the client for this answer, status line and headers included. */
  readonly bytesOut: number;
  /** The address endpoint that answered, if one did. */
  readonly endpoint?: string;
  /** A short hash of the session id, if the request belonged to a session. */
  readonly session?: string;
  /** The moor error code of the fault moor answered with, if it did. */
  readonly error?: string;
}

/** The hash the access log shows for a session id. */
export function sessionHash(id: string): string {
  // (the one-shot hash: a Hash object per request took ~3 µs more in the gateway's profiles)
  return hash('sha256', id, 'base64url').slice(0, 12);
}

/**
 * Lines gather here for up to `flushMs` (ACCESS_LOG_FLUSH_MS) and go to the file as one write through
 * sonic-boom (pino's writer), which appends each batch to a string buffer, so that whatever gathered
 * while the previous write was on its way leaves in the next one. (Not sonic-boom's own minLength: it
 * measures its whole pending buffer's UTF-8 length again at every line. And not every line at once, as
 * before: a file write answers in microseconds, so under load nearly every line was a write of its own,
 * a thread-pool round trip each.) (winston, which moor's own log uses,
 * took about twice the CPU a line through its object-mode streams: 10.4 against 5.9 µs in process,
 * docs/benchmarks.md.) A batch is whole lines, written in append mode, so the lines of several
 * `--workers` appending to one file do not interleave.
 *
 * reopen() (SIGHUP, after a rotation renamed the file) opens the path anew and gives the new lines a
 * writer of their own, while the old writer finishes the lines it holds into the file it had open and
 * closes it: every line is in one file, the old or the new, none twice. (Not sonic-boom's own reopen():
 * it opens asynchronously, so a path that cannot be opened would surface later as an 'error' like a
 * failed write, and each failed attempt leaves a listener that closes the old descriptor again once an
 * open succeeds — possibly a descriptor since reused.)
 */
export class AccessLog {
  /** Lines dropped because the buffer was full (the disk or the reader of stdout could not keep up). */
  dropped = 0;
  /** Writes that failed (their lines are lost). */
  failed = 0;
  /**
   * Reopens that could not open the path (a rotation whose new file cannot be made): the lines go on to
   * the renamed file, which logrotate may then compress or delete under them. All three are metrics,
   * moor_access_log_*_total, since a warning in moor's log is easy to miss and this one recurs only at
   * the next SIGHUP.
   */
  failedReopens = 0;

  /** The writer new lines go to. */
  private out: SonicBoom;
  /** Writers that reopen() replaced, until they have written out their lines and closed their file. */
  private readonly retiring = new Set<Promise<void>>();
  // (one throttle each: a burst of drops must not keep the first failed write unsaid, nor the reverse)
  private readonly dropWarning = new WarningThrottle();
  private readonly failWarning = new WarningThrottle();
  private closed = false;
  /** Lines gathered for the next write (flushMs > 0), and their bytes. */
  private pending = '';
  private pendingBytes = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  /** A batch leaves once it holds this many bytes (never more than the buffer bound, or it could never be taken). */
  private readonly batchBytes: number;

  private constructor(
    private readonly target: string,
    fd: number,
    private readonly warn: (message: string) => void,
    private readonly bufferBytes: number,
    private readonly flushMs: number,
  ) {
    this.out = this.writer(fd);
    this.batchBytes = Math.min(BATCH_BYTES, bufferBytes);
  }

  /** A writer to `fd`, counting what it loses. */
  private writer(fd: number): SonicBoom {
    const out = new SonicBoom({ fd, maxLength: this.bufferBytes });
    out.on('drop', (data: string) => {
      // (a batch of lines is dropped whole)
      this.dropped += lineCount(data);
      if (this.dropWarning.allow()) this.warn(`access log: ${this.dropped} line(s) dropped so far: more than ${this.bufferBytes} bytes (--access-log-buffer-bytes) waited for the disk or the reader of stdout`);
    });
    // a failed write (a full disk, a closed stdout) loses its lines, not the process: the writer goes on
    // with the next ones
    out.on('error', (e: NodeJS.ErrnoException) => {
      this.failed++;
      if (this.failWarning.allow()) this.warn(`access log: ${this.failed} write(s) failed so far, their lines lost (${e.code ?? e.message})`);
    });
    return out;
  }

  /**
   * An access log writing to `target`: a file path (appended to), or `-` for stdout. Throws at once when
   * the file cannot be opened for appending.
   */
  static open(target: string, warn: (message: string) => void = () => {}, bufferBytes = ACCESS_LOG_BUFFER_BYTES, flushMs = ACCESS_LOG_FLUSH_MS): AccessLog {
    return new AccessLog(target, target === '-' ? 1 : openSync(target, 'a'), warn, bufferBytes, flushMs);
  }

  write(record: AccessRecord): void {
    // (a line after close() has no writer left: counted as dropped, never a throw from a timer)
    if (this.closed) {
      this.dropped++;
      return;
    }
    const line = JSON.stringify(record) + '\n';
    if (this.flushMs === 0) {
      this.out.write(line);
      return;
    }
    const bytes = Buffer.byteLength(line);
    if (this.pendingBytes > 0 && this.pendingBytes + bytes > this.batchBytes) this.flush();
    this.pending += line;
    this.pendingBytes += bytes;
    if (this.pendingBytes >= this.batchBytes) this.flush();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(this.flushLater, this.flushMs);
      // (lines waiting do not keep a stopping process alive: close() writes them)
      this.flushTimer.unref();
    }
  }

  /** Hands the gathered lines to the writer, as one write. */
  private flush(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.pendingBytes === 0) return;
    const batch = this.pending;
    this.pending = '';
    this.pendingBytes = 0;
    this.out.write(batch);
  }

  private readonly flushLater = (): void => {
    this.flushTimer = undefined;
    this.flush();
  };

  /**
   * Opens the file's path anew (a rotation moved the file away): lines written from now on go to the
   * new file, those written before to the old one. Opened synchronously, so the next line already goes
   * to the new file. When the path cannot be opened (its folder is gone), one warning says so and the
   * lines go on to the file open before; a later reopen tries again. False then, for stdout (nothing to
   * reopen), and once closed.
   */
  reopen(): boolean {
    if (this.target === '-' || this.closed) return false;
    let fd: number;
    try {
      fd = openSync(this.target, 'a');
    } catch (e) {
      this.failedReopens++;
      this.warn(`access log: cannot reopen ${this.target} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); its lines go on to the file open before, and the next SIGHUP tries again`);
      return false;
    }
    // (the lines written before the signal go to the file open then)
    this.flush();
    const old = this.out;
    this.out = this.writer(fd);
    const done: Promise<void> = finish(old).then(() => void this.retiring.delete(done));
    this.retiring.add(done);
    return true;
  }

  /**
   * Resolves once every line written is out and the files closed (stdout is left open), those of writers
   * that reopen() replaced too; a write that fails now loses the lines still held. (Not flush(): with no
   * minimum batch it calls back at once, before a write on its way ended.)
   */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    await Promise.all([finish(this.out), ...this.retiring]);
  }
}

/** How many lines `data` holds (each ends with a newline). */
function lineCount(data: string): number {
  let n = 0;
  for (let i = data.indexOf('\n'); i >= 0; i = data.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Ends `out`: resolves once the lines it holds are written and its file is closed (stdout is left open).
 * A write that fails while ending would leave the writer short of closing (it keeps its lines to try
 * again), so its file is closed then and those lines are lost (the failure is counted already).
 */
function finish(out: SonicBoom): Promise<void> {
  return new Promise<void>((resolve) => {
    let closing = false;
    out.once('close', () => resolve());
    out.on('error', () => {
      // (and should closing fail too, nothing more can be done for this file)
      if (closing) return resolve();
      closing = true;
      out.destroy();
    });
    out.end();
  });
}
