/**
 * `moor start --workers N`: N worker processes (node:cluster) serve one port; the primary process
 * forks them, relays signals and drain calls, and holds the memory store's binding table.
 *
 * - The primary loads the configuration first, so that its problems are printed once, not N times.
 * - Sessions: with the memory store the table lives in the primary and every worker uses it over IPC
 *   (src/session/ipc-store.ts), so the workers agree on every binding; with Redis each worker connects
 *   to Redis itself. Insert-mode cookies need no table at all.
 * - `moor listening on <url> (N workers)` is printed once, when every worker listens.
 * - SIGTERM or SIGINT to the primary: every worker finishes its requests in flight and exits, then the
 *   primary exits 0. SIGHUP to the primary: every worker does what SIGHUP does to a single process
 *   (reopens its access log, reads the HTTPS certificate of --https-port again, which every worker
 *   listens on as on the HTTP port, and reloads the configuration).
 * - Scheduled tasks (`<task>`) run in worker 1 only, so that the gateway runs each task once, not once per
 *   worker; a worker 1 that dies is replaced by one that runs them (their counts start again).
 * - `--admin HOST:PORT`: every worker listens there too (node:cluster shares the port), so an admin
 *   call is answered by one of them; it hands metrics, endpoints, sessions, reload and traffic calls
 *   to the primary, which asks every worker and answers for the whole gateway (src/ops/cluster-operations.ts). A drain/undrain call answered by any worker is applied by all of
 *   them, and by workers started later (a worker that dies is replaced).
 */
import cluster, { type Worker } from 'node:cluster';
import { type Logger } from '../logging.ts';
import { type AdminAddress } from '../server/admin/address.ts';
import { adminTokenOf, refuseUnprotected } from '../server/admin/listener.ts';
import { answerPrimary, ClusterOperations } from '../ops/cluster-operations.ts';
import { type LocalOperations } from '../ops/local-operations.ts';
import { type Gateway } from '../server/gateway.ts';
import { loadRuntime } from '../server/runtime.ts';
import { type IpcChannel, serveStore } from '../session/ipc-store.ts';
import { MemoryStore } from '../session/memory-store.ts';
import { type StoreTarget } from '../session/store-url.ts';
import { describeStore } from './store-option.ts';

/** worker → primary */
type FromWorker = { moor: 'ready'; url: string; httpsUrl?: string | undefined; adminUrl?: string | undefined } | { moor: 'failed'; message: string } | DrainMessage;
/** primary → worker */
type ToWorker = { moor: 'stop' } | { moor: 'hangup' } | DrainMessage;
type DrainMessage = { moor: 'drain'; name: string; draining: boolean };

/** True in a process forked by `moor start --workers`. */
export const isWorker = cluster.isWorker;

/** Set (to 1) in the environment of the worker that runs the scheduled tasks. */
const TASKS_ENV = 'MOOR_RUNS_TASKS';

/** Whether this process runs the configuration's scheduled tasks: a single process does, of N workers worker 1. */
export function runsTasks(): boolean {
  return !isWorker || process.env[TASKS_ENV] === '1';
}

/**
 * Runs the primary of `moor start --workers N`. Resolves to 0 once every worker listens (the process
 * then lives until a signal), or to 1 when a worker could not start.
 */
export async function runPrimary(options: {
  workers: number;
  config: string;
  target: StoreTarget;
  log: Logger;
  admin: AdminAddress | undefined;
  registry: string | undefined;
}): Promise<number> {
  const { log } = options;
  // throws ConfigErrors (printed once by main) before any worker is forked
  const check = new MemoryStore(undefined, 0);
  const runtime = await loadRuntime(options.config, { store: check, defaultTimeoutMs: 1, defaultSuspendMs: 1, registry: options.registry });
  await runtime.endpoints.close();
  await check.close();
  // (refused here, once, rather than by each worker as it starts)
  if (options.admin) refuseUnprotected(options.admin, adminTokenOf(runtime.compiled.config.settings?.admin?.token));

  const table = options.target.kind === 'memory' ? new MemoryStore() : undefined;
  // the admin API of the whole gateway: a worker's admin listener hands each call here
  const ops = options.admin ? new ClusterOperations(() => live) : undefined;
  const drains = new Map<string, boolean>();
  const live = new Set<Worker>();
  let stopping = false;
  let started = false;
  /** The worker that runs the scheduled tasks (worker 1, or the one that replaced it). */
  let taskWorker: Worker | undefined;

  const send = (w: Worker, m: ToWorker): void => {
    if (w.isConnected()) w.send(m);
  };
  const fork = (): Worker => {
    const runsThem = taskWorker === undefined;
    const w = cluster.fork(runsThem ? { [TASKS_ENV]: '1' } : {});
    if (runsThem) taskWorker = w;
    live.add(w);
    const unserve = table ? serveStore(w, table) : undefined;
    const unserveOps = ops?.serve(w);
    w.on('message', (m: FromWorker) => {
      if (m?.moor === 'drain') {
        drains.set(m.name, m.draining);
        for (const other of live) if (other !== w) send(other, m);
      } else if (m?.moor === 'ready') {
        // a replacement worker starts from the configuration: give it the drain calls made since
        for (const [name, draining] of drains) send(w, { moor: 'drain', name, draining });
      }
    });
    w.on('exit', (code, signal) => {
      live.delete(w);
      if (taskWorker === w) taskWorker = undefined;
      unserve?.();
      unserveOps?.();
      if (stopping || !started) return;
      log.error(`worker ${w.process.pid} exited (${signal ?? code}); starting another`, { component: 'server' });
      setTimeout(() => {
        if (!stopping) fork();
      }, 500).unref();
    });
    return w;
  };

  const workers = Array.from({ length: options.workers }, fork);
  const outcome = await new Promise<{ url: string; httpsUrl?: string | undefined; adminUrl?: string | undefined } | { failed: string }>((resolve) => {
    let ready = 0;
    for (const w of workers) {
      w.on('message', (m: FromWorker) => {
        if (m?.moor === 'ready' && ++ready === workers.length) resolve({ url: m.url, httpsUrl: m.httpsUrl, adminUrl: m.adminUrl });
        // (a worker that could not listen said why: printed once here, not once per worker)
        else if (m?.moor === 'failed') resolve({ failed: m.message });
      });
      w.once('exit', (code, signal) => resolve({ failed: `a worker exited while starting (${signal ?? code})` }));
    }
  });
  if ('failed' in outcome) {
    stopping = true;
    for (const w of live) w.process.kill('SIGTERM');
    process.stderr.write(`moor: ${outcome.failed}\n`);
    await table?.close();
    return 1;
  }
  started = true;
  ops?.history.start();
  const sessions =
    options.target.kind === 'memory'
      ? 'session bindings in the primary process, shared by the workers over IPC (use --store redis://… to share them between machines)'
      : `session bindings in ${describeStore(options.target)}`;
  log.info(`${options.workers} workers; ${sessions}`, { component: 'server' });
  if (runtime.compiled.tasks.length) log.info(`scheduled tasks run in worker 1 (pid ${taskWorker?.process.pid ?? '?'}) only`, { component: 'task' });
  const admin = outcome.adminUrl !== undefined ? `moor admin on ${outcome.adminUrl}\n` : '';
  const https = outcome.httpsUrl !== undefined ? `moor https on ${outcome.httpsUrl} (${options.workers} workers)\n` : '';
  process.stdout.write(`moor listening on ${outcome.url} (${options.workers} workers)\n${https}${admin}`);

  const stop = (signal: string): void => {
    // (a signal again is not the default action, which would end the primary before its workers finished)
    if (stopping) return void log.info(`${signal}: the workers are still finishing their requests in flight (SIGKILL stops at once)`, { component: 'server' });
    stopping = true;
    log.info(`${signal}: every worker finishes its requests in flight`, { component: 'server' });
    const exits = [...live].map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
    for (const w of live) send(w, { moor: 'stop' });
    void Promise.all(exits)
      .then(() => table?.close())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    for (const w of live) send(w, { moor: 'hangup' });
  });
  return 0;
}

/**
 * In a worker: tells the primary that `gw` listens, and follows the primary's stop, hangup (SIGHUP) and
 * drain messages. `stop` and `hangup` are the worker's own handlers (the same as for SIGTERM and SIGHUP).
 */
export function joinPrimary(gw: Gateway, handlers: { stop(why: string): void; hangup(why: string): void }, ops: LocalOperations | undefined): void {
  // (the primary asks every worker when an admin call wants the whole gateway's answer)
  if (ops) answerPrimary(process as IpcChannel, ops);
  process.on('message', (m: ToWorker) => {
    if (m?.moor === 'stop') handlers.stop('stop from the primary');
    else if (m?.moor === 'hangup') handlers.hangup('SIGHUP to the primary');
    else if (m?.moor === 'drain') gw.setDraining(m.name, m.draining);
  });
  // the primary is gone (killed): nothing will reach this worker any more
  process.on('disconnect', () => handlers.stop('the primary process is gone'));
  process.send?.({ moor: 'ready', url: gw.url, httpsUrl: gw.httpsUrl, adminUrl: gw.adminUrl } satisfies FromWorker);
}

/** In a worker that could not start: tells the primary why (it prints it, once); resolves to the exit code. */
export async function reportStartFailure(message: string): Promise<number> {
  await new Promise<void>((resolve) => (process.send ? process.send({ moor: 'failed', message } satisfies FromWorker, () => resolve()) : resolve()));
  return 1;
}

/** In a worker: the Gateway's onDrain, relaying an admin drain call to the other workers. */
export function relayDrain(name: string, draining: boolean): void {
  process.send?.({ moor: 'drain', name, draining } satisfies FromWorker);
}
