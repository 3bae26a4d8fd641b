/**
 * `moor start`: runs the gateway until SIGTERM or SIGINT (finish requests in flight, exit 0). SIGHUP, or
 * a changed file under --watch, reloads the configuration without downtime; an invalid new one is
 * logged and the running one keeps serving. SIGHUP also reopens the --access-log file (after a
 * rotation), whether or not the reload succeeds.
 *
 * --store picks where session bindings live (src/cli/store-option.ts); --workers N runs N processes
 * on one port (src/cli/workers.ts). docs/sessions.md describes both. --https-port with --tls-cert and
 * --tls-key opens an HTTPS listener too (src/server/tls.ts); SIGHUP also reads those files again.
 */
import { closeSync, openSync } from 'node:fs';
import { MoorError } from '../errors.ts';
import { createLogger } from '../logging.ts';
import { ACCESS_LOG_BUFFER_BYTES, ACCESS_LOG_FLUSH_MS, AccessLog } from '../server/access-log.ts';
import { type AdminAddress, parseAdminAddress } from '../server/admin/address.ts';
import { Gateway } from '../server/gateway.ts';
import { readTlsPair, type TlsFiles } from '../server/tls.ts';
import { RUNTIME_DEFAULTS } from '../server/runtime.ts';
import { LIMIT_NAMES, type MessageLimits } from '../message/limits.ts';
import { DEFAULT_SESSION_COUNT_LIMIT } from '../metrics/gateway-metrics.ts';
import { intFlag, parse } from './args.ts';
import { OperatorSurface } from './operators.ts';
import { reloader } from './reloader.ts';
import { describeStore, openStore, storeTarget } from './store-option.ts';
import { listenFailure } from './listen-error.ts';
import { watchConfig } from './watch-config.ts';
import { isWorker, joinPrimary, relayDrain, reportStartFailure, runPrimary, runsTasks } from './workers.ts';

export async function startCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    config: { type: 'string', short: 'c' },
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    'https-port': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    watch: { type: 'boolean' },
    'log-level': { type: 'string' },
    'timeout-ms': { type: 'string' },
    store: { type: 'string' },
    workers: { type: 'string', short: 'w' },
    'access-log': { type: 'string' },
    'access-log-buffer-bytes': { type: 'string' },
    'access-log-flush-ms': { type: 'string' },
    admin: { type: 'string' },
    limit: { type: 'string', multiple: true },
    'session-count-limit': { type: 'string' },
    registry: { type: 'string' },
  });
  if (!values.config) throw new MoorError('MOOR_ERR_CLI_USAGE', 'start needs --config <dir>');
  // every flag is checked here, before a store is connected or a worker forked: a bad value is one
  // usage message and exit 2, not a message from each worker after the gateway began to start
  const port = intFlag(values.port, '--port', 8280);
  if (port > 65535) throw new MoorError('MOOR_ERR_CLI_USAGE', `--port ${port} is not a TCP port`);
  const https = httpsFlags(values['https-port'], values['tls-cert'], values['tls-key']);
  const log = createLogger(logLevel(values['log-level']));
  const workers = intFlag(values.workers, '--workers', 1);
  if (workers < 1) throw new MoorError('MOOR_ERR_CLI_USAGE', '--workers takes 1 or more');
  const admin = values.admin === undefined ? undefined : adminFlag(values.admin);
  const limits = limitFlags(values.limit ?? []);
  const defaultTimeoutMs = intFlag(values['timeout-ms'], '--timeout-ms', RUNTIME_DEFAULTS.defaultTimeoutMs);
  const accessLogBufferBytes = intFlag(values['access-log-buffer-bytes'], '--access-log-buffer-bytes', ACCESS_LOG_BUFFER_BYTES);
  const accessLogFlushMs = intFlag(values['access-log-flush-ms'], '--access-log-flush-ms', ACCESS_LOG_FLUSH_MS);
  const sessionCountLimit = intFlag(values['session-count-limit'], '--session-count-limit', DEFAULT_SESSION_COUNT_LIMIT);
  const target = await storeTarget(values.store, values.config);
  // (checked here, so that a wrong file is said once, by the primary of --workers too)
  if (https) readTlsPair(https);
  if (workers > 1 && !isWorker) {
    // (each worker opens the file for itself; a path it cannot open is refused here, once)
    if (values['access-log'] !== undefined) checkAccessLog(values['access-log']);
    return runPrimary({ workers, config: values.config, target, log, admin, registry: values.registry });
  }
  const accessLog = values['access-log'] === undefined ? undefined : openAccessLog(values['access-log'], (m) => log.warn(m, { component: 'server' }), accessLogBufferBytes, accessLogFlushMs);
  const store = await openStore(target, log, isWorker);
  if (!isWorker) log.info(`session store: ${describeStore(target)}`, { component: 'session' });
  const operators = new OperatorSurface(admin !== undefined, isWorker, sessionCountLimit);
  const host = values.host ?? '127.0.0.1';
  let gw: Gateway;
  try {
    gw = await Gateway.start({
      metrics: operators.metrics,
      adminRoutes: operators.routes,
      store,
      ...(isWorker ? { onDrain: relayDrain } : {}),
      config: values.config,
      port,
      host,
      https,
      logger: log,
      defaultTimeoutMs,
      accessLog,
      admin,
      limits,
      registry: values.registry,
      runTasks: runsTasks(),
    });
  } catch (e) {
    await store.close();
    const at = (e as { adminAddress?: AdminAddress }).adminAddress ?? (e as { httpsAddress?: AdminAddress }).httpsAddress;
    const failure = at ? listenFailure(e, at.host, at.port) : listenFailure(e, host, port);
    if (failure && isWorker) return reportStartFailure(failure.message);
    throw failure ?? e;
  }
  // (one write: a reader of the first line finds the second beside it)
  if (!isWorker) process.stdout.write(`moor listening on ${gw.url}\n${gw.httpsUrl !== undefined ? `moor https on ${gw.httpsUrl}\n` : ''}${gw.adminUrl !== undefined ? `moor admin on ${gw.adminUrl}\n` : ''}`);

  const reload = reloader(gw, log);
  const local = operators.attach(gw, () => reload('admin API'));
  // the reopen comes first and does not wait for the reload: a rejected configuration must not keep the
  // lines going to a file that logrotate has moved away
  const hangup = (why: string): void => {
    if (accessLog?.reopen()) log.info(`access log reopened (${why})`, { component: 'server' });
    gw.reloadCertificate(why);
    void reload(why);
  };
  process.on('SIGHUP', () => hangup('SIGHUP'));
  if (values.watch) {
    // a watch that fails (its folder was removed) must not take the gateway down with it
    watchConfig(
      values.config,
      () => void reload('file change'),
      (e) => log.error(`--watch: ${e.message}; SIGHUP still reloads`, { component: 'config' }),
    );
  }
  let stopping = false;
  const stop = (signal: string): void => {
    // a signal again (SIGINT to a terminal's process group and SIGTERM from a wrapper that relays it,
    // or a supervisor that signals every process) does not cut the requests in flight short
    if (stopping) return void log.info(`${signal}: still finishing requests in flight (SIGKILL stops at once)`, { component: 'server' });
    stopping = true;
    log.info(`${signal}: finishing requests in flight`, { component: 'server' });
    void gw.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (isWorker) joinPrimary(gw, { stop, hangup }, local);
  return 0;
}

/** `--limit NAME=N`, repeated: limits that win over `<moor:limits>`. */
function limitFlags(flags: readonly string[]): Partial<MessageLimits> {
  const limits: Partial<Record<keyof MessageLimits, number>> = {};
  for (const flag of flags) {
    const m = /^(\w+)=(\d+)$/.exec(flag);
    const name = m?.[1] as keyof MessageLimits | undefined;
    if (!m || !name || !LIMIT_NAMES.includes(name) || Number(m[2]) === 0) {
      throw new MoorError('MOOR_ERR_CLI_USAGE', `--limit takes NAME=N with N above 0 and NAME one of ${LIMIT_NAMES.join(', ')}; not "${flag}"`);
    }
    limits[name] = Number(m[2]);
  }
  return limits;
}

/** `--https-port N --tls-cert F --tls-key F`: all three or none (a usage error otherwise). */
function httpsFlags(port: string | undefined, certFile: string | undefined, keyFile: string | undefined): (TlsFiles & { port: number }) | undefined {
  if (port === undefined && certFile === undefined && keyFile === undefined) return undefined;
  const missing = [port === undefined && '--https-port', certFile === undefined && '--tls-cert', keyFile === undefined && '--tls-key'].filter((f) => f !== false);
  if (port === undefined || certFile === undefined || keyFile === undefined) {
    throw new MoorError('MOOR_ERR_CLI_USAGE', `--https-port, --tls-cert and --tls-key go together: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing`);
  }
  const n = intFlag(port, '--https-port', 0);
  if (n > 65535) throw new MoorError('MOOR_ERR_CLI_USAGE', `--https-port ${n} is not a TCP port`);
  if (certFile === '' || keyFile === '') throw new MoorError('MOOR_ERR_CLI_USAGE', '--tls-cert and --tls-key take a PEM file path');
  return { port: n, certFile, keyFile };
}

/** `--admin HOST:PORT`; anything else is a usage error. */
function adminFlag(text: string): AdminAddress {
  const address = parseAdminAddress(text);
  if (!address) throw new MoorError('MOOR_ERR_CLI_USAGE', `--admin takes HOST:PORT (e.g. 127.0.0.1:9164), not "${text}"`);
  return address;
}

/** winston's levels (npm's), most severe first: `--log-level L` prints L and those before it. */
const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];

/** The level of `--log-level`, else of MOOR_LOG_LEVEL, else info; another word is a usage error (winston would print nothing). */
function logLevel(flag: string | undefined): string {
  const [level, from] = flag !== undefined ? [flag, '--log-level'] : [process.env.MOOR_LOG_LEVEL || 'info', 'MOOR_LOG_LEVEL'];
  if (!LOG_LEVELS.includes(level)) throw new MoorError('MOOR_ERR_CLI_USAGE', `${from} takes one of ${LOG_LEVELS.join(', ')}; not "${level}"`);
  return level;
}

/** The access log of `--access-log <target>`; a file that cannot be written is a usage error, on one line. */
function openAccessLog(target: string, warn: (message: string) => void, bufferBytes: number, flushMs: number): AccessLog {
  if (target === '') throw accessLogUsage();
  try {
    return AccessLog.open(target, warn, bufferBytes, flushMs);
  } catch (e) {
    throw accessLogUsage(target, e);
  }
}

/** Refuses, as openAccessLog does, a `--access-log` target that cannot be opened for appending (opened and closed again). */
function checkAccessLog(target: string): void {
  if (target === '') throw accessLogUsage();
  if (target === '-') return;
  try {
    closeSync(openSync(target, 'a'));
  } catch (e) {
    throw accessLogUsage(target, e);
  }
}

function accessLogUsage(target?: string, e?: unknown): MoorError {
  if (target === undefined) return new MoorError('MOOR_ERR_CLI_USAGE', '--access-log takes a file path, or - for stdout');
  return new MoorError('MOOR_ERR_CLI_USAGE', `--access-log ${target}: cannot write there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
}
