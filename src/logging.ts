/** winston loggers: one root logger per process, and children that name the message they speak of. */
// (the types by a namespace import: the declarations then compile for users without esModuleInterop)
import type * as Winston from 'winston';
import { loadOnFirstUse } from './commonjs.ts';

/** winston, loaded at the first logger: a bundled chunk that holds this module must not load it for nothing. */
export const winston = loadOnFirstUse<typeof Winston>('winston');

export type Logger = Winston.Logger;

/** Creates the process logger. Lines go to stdout as `time level [component] message key=value…`. */
export function createLogger(level = process.env.MOOR_LOG_LEVEL ?? 'info', transports?: Winston.transport[]): Logger {
  return winston().createLogger({
    level,
    format: winston().format.combine(
      winston().format.timestamp(),
      winston().format.printf((info) => {
        // fatal: a <log category="FATAL"> line, logged at error level (winston has no fatal) but shown as FATAL
        const { timestamp, level: lvl, message, component, fatal, ...rest } = info as Record<string, unknown>;
        const extra = Object.entries(rest)
          .filter(([k]) => typeof k === 'string' && k !== 'splat')
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
        return `${String(timestamp)} ${fatal === true ? 'FATAL' : String(lvl).toUpperCase()} [${String(component ?? 'moor')}] ${String(message)}${extra ? ' ' + extra : ''}`;
      }),
    ),
    transports: transports ?? [new (winston().transports.Console)()],
  });
}

/** A logger that writes nothing (tests, benchmarks). */
export function silentLogger(): Logger {
  return winston().createLogger({ silent: true, transports: [new (winston().transports.Console)({ silent: true })] });
}
