/**
 * Captures what mediation logs, per run: a winston logger whose only transport keeps each line in
 * memory, routed to its run by a field the run's child logger adds. Nothing is printed.
 */
import { Writable } from 'node:stream';
import type * as Winston from 'winston';
import { type Logger, winston } from '../logging.ts';

/** One captured log line. */
export interface LogLine {
  readonly level: string;
  /** The `component` field (`log` for the log mediator, `endpoint`, `session`…). */
  readonly component: string;
  readonly message: string;
  /** Other fields of the line (e.g. `msg`, the message id). */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The line as `moor start` prints it, without the timestamp: `INFO [log] message key=value`. */
  readonly text: string;
}

const RUN = 'moorTestRun';

/** A transport that hands each line (winston's info object) to `sink`. */
function captureTransport(sink: (info: Record<string, unknown>) => void): Winston.transport {
  const stream = new Writable({
    objectMode: true,
    write(info: Record<string, unknown>, _enc, done) {
      sink(info);
      done();
    },
  });
  return new (winston().transports.Stream)({ stream, level: 'silly' });
}

/** A logger per harness; `forRun` gives each run a child whose lines land in that run's list. */
export class LogCapture {
  private readonly runs = new Map<string, LogLine[]>();
  readonly logger: Logger;

  constructor(level = 'silly') {
    this.logger = winston().createLogger({ level, transports: [captureTransport((info) => this.keep(info))] });
  }

  /** A logger for run `id` and the list its lines go to (until {@link end}). */
  forRun(id: string): { logger: Logger; lines: LogLine[] } {
    const lines: LogLine[] = [];
    this.runs.set(id, lines);
    return { logger: this.logger.child({ [RUN]: id }), lines };
  }

  /** Stops collecting for run `id`, once lines written during the run have arrived. */
  async end(id: string): Promise<void> {
    // winston hands lines to transports through a stream; let those in flight arrive
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.runs.delete(id);
  }

  private keep(info: Record<string, unknown>): void {
    const { level, message, component, [RUN]: run, ...rest } = info;
    const lines = this.runs.get(String(run));
    if (!lines) return;
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rest)) if (k !== 'splat') fields[k] = v;
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    const comp = String(component ?? 'moor');
    lines.push({ level: String(level), component: comp, message: String(message), fields, text: `${String(level).toUpperCase()} [${comp}] ${String(message)}${extra ? ` ${extra}` : ''}` });
  }
}
