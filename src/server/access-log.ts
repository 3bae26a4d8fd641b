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
import { createHash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import sonicBoom from 'sonic-boom';

// (a CommonJS module: its class is read off the default export, which Node's ESM loader provides)
const { SonicBoom } = sonicBoom;
type SonicBoom = InstanceType<typeof SonicBoom>;

/**
 * Lines waiting for the disk (or a slow stdout reader) are kept up to this many bytes by default
 * (`moor start --access-log-buffer-bytes`); past it a line is dropped, not queued, so a stalled log cannot
 * take the gateway's memory. (About 60,000 lines.)
 */
export const ACCESS_LOG_BUFFER_BYTES = 16 * 1024 * 1024;

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
  return createHash('sha256').update(id).digest('base64url').slice(0, 12);
}

/**
 * The lines go to the file through sonic-boom (pino's writer): a line is appended to a string buffer, and
 * whatever gathered while the previous write was on its way leaves in the next one, so under load a
 * write carries many lines and at rest each line leaves at once. (winston, which moor's own log uses,
 * took about twice the CPU a line through its object-mode streams: 10.4 against 5.9 µs in process,
 * docs/benchmarks.md.) A batch is whole lines, written in append mode, so the lines of several
 * `--workers` appending to one file do not interleave.
 */
export class AccessLog {
  /** Lines dropped because the buffer was full (the disk or the reader of stdout could not keep up). */
  dropped = 0;
  /** Writes that failed (their lines are lost). */
  failed = 0;

  private warnedAt = -Infinity;

  private constructor(
    private readonly out: SonicBoom,
    private readonly warn: (message: string) => void,
    bufferBytes: number,
  ) {
    out.on('drop', () => {
      this.dropped++;
      this.warnThrottled(`access log: ${this.dropped} line(s) dropped so far: more than ${bufferBytes} bytes (--access-log-buffer-bytes) waited for the disk or the reader of stdout`);
    });
    // a failed write (a full disk, a closed stdout) loses its lines, not the process: the writer goes on
    // with the next ones
    out.on('error', (e: NodeJS.ErrnoException) => {
      this.failed++;
      this.warnThrottled(`access log: ${this.failed} write(s) failed so far, their lines lost (${e.code ?? e.message})`);
    });
  }

  /** Warns at most once a minute: a log that cannot keep up must not flood the other one. */
  private warnThrottled(message: string): void {
    if (performance.now() - this.warnedAt < 60_000) return;
    this.warnedAt = performance.now();
    this.warn(message);
  }

  /**
   * An access log writing to `target`: a file path (appended to), or `-` for stdout. Throws at once when
   * the file cannot be opened for appending (the writer would only report it later, asynchronously).
   */
  static open(target: string, warn: (message: string) => void = () => {}, bufferBytes = ACCESS_LOG_BUFFER_BYTES): AccessLog {
    if (target !== '-') closeSync(openSync(target, 'a'));
    return new AccessLog(new SonicBoom({ ...(target === '-' ? { fd: 1 } : { dest: target, append: true }), maxLength: bufferBytes }), warn, bufferBytes);
  }

  write(record: AccessRecord): void {
    this.out.write(JSON.stringify(record) + '\n');
  }

  /**
   * Resolves once every line written is out and the file closed (stdout is left open), or once a write
   * failed. (Not flush(): with no minimum batch it calls back at once, before a write on its way ended.)
   */
  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.out.once('close', () => resolve());
      // (a write that fails while closing ends the log: the writer would not close after it)
      this.out.once('error', () => resolve());
      this.out.end();
    });
  }
}
