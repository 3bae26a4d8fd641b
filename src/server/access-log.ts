/**
 * The access log (`moor start --access-log PATH|-`): one JSON line per request, written by winston to a
 * file (appended) or to stdout.
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
import type * as Winston from 'winston';
import { winston } from '../logging.ts';

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

export class AccessLog {
  private constructor(
    private readonly logger: Winston.Logger,
    private readonly transport: Winston.transport,
  ) {}

  /**
   * An access log writing to `target`: a file path (appended to), or `-` for stdout. Throws at once when
   * the file cannot be opened for appending (winston would only report it later, asynchronously).
   */
  static open(target: string): AccessLog {
    if (target !== '-') closeSync(openSync(target, 'a'));
    const transport = target === '-' ? new (winston().transports.Console)() : new (winston().transports.File)({ filename: target });
    const logger = winston().createLogger({
      level: 'info',
      format: winston().format.printf((info) => JSON.stringify((info as unknown as { record: AccessRecord }).record)),
      transports: [transport],
    });
    return new AccessLog(logger, transport);
  }

  write(record: AccessRecord): void {
    this.logger.log({ level: 'info', message: '', record });
  }

  /** Flushes what is written and closes the file. */
  close(): Promise<void> {
    // (the transport's finish, not the logger's: the logger finishes before the file is flushed)
    const flushed = new Promise<void>((resolve) => this.transport.once('finish', () => resolve()));
    this.logger.end();
    return flushed;
  }
}
