/** A logger that keeps its lines, to assert what an operator would read. */
import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '../../src/logging.ts';

export function capturingLogger(level = 'info'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: createLogger(level, [new winston.transports.Stream({ stream })]), lines };
}
