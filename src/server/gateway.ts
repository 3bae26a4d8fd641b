/**
 * The inbound HTTP listener of the traffic port, and its HTTPS twin (`https`: the same handler, limits
 * and draining; its certificate read by tls.ts, rotated by reloadCertificate; transports.ts).
 * Each request is admitted (admission.ts) and mediated by the socket-free exchange (exchange.ts), the
 * code moor/testing runs too; what is left here is the connection's: its limits, the body as it
 * arrives, what becomes of the unread rest, `?wsdl` and /_moor/health, metrics and the access log,
 * and the answers to bytes that are not HTTP (Node's bare ones, after the requests before them).
 * Reload swaps the runtime atomically; shutdown stops accepting and lets requests in flight finish.
 * The runtime's scheduled tasks and message processors run here too (tasks.ts, processors.ts): started
 * with it, replaced on reload, stopped on shutdown.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ConfigError } from '../errors.ts';
import { createLogger, type Logger } from '../logging.ts';
import { MessageAbort } from '../message/abort.ts';
import { type MessageContext } from '../message/context.ts';
import { type MessageLimits } from '../message/limits.ts';
import { parseBudget } from '../message/parse-budget.ts';
import { MemoryStore } from '../session/memory-store.ts';
import { type SessionStore } from '../session/store.ts';
import { admit, proxyLabel, type RequestHead } from './admission.ts';
import { exchange, type RequestIO } from './exchange.ts';
import { HttpAnswers, writeFault } from './reply.ts';
import { requestBody, type RequestBody } from './request-body.ts';
import { StallWatch } from './stall-watch.ts';
import { loadRuntime, type Runtime, type RuntimeEnv } from './runtime.ts';
import { ProcessorSet } from './processors.ts';
import { TaskScheduler } from './tasks.ts';
import { type AdminAddress } from './admin/address.ts';
import { AdminListener, adminTokenOf } from './admin/listener.ts';
import { type AdminAnswer, type AdminRoute, sendAnswer } from './admin/router.ts';
import { applyDraining, gatewayRoutes, publicHealth } from './admin/routes.ts';
import { type AccessLog, type AccessRecord, sessionHash } from './access-log.ts';
import { HTTPS_ONLY_WARNINGS } from '../config/https-only.ts';
import { type GatewayMetrics, type MetricsSource } from '../metrics/gateway-metrics.ts';
import { publishWsdl } from '../wsdl/publish.ts';
import { readTlsPair, type TlsFiles, type TlsPair } from './tls.ts';
import { transportRefusal } from './transports.ts';
import { bareRefusal, ConnectionAnswers } from './connection-answers.ts';
import { applyConnectionLimits, checkingInterval, listen, shareConnectionCap, urlOf } from './listeners.ts';
import { linesNamed } from './header-lines.ts';

export interface GatewayOptions {
  /** Configuration folder (or one XML file). */
  readonly config: string;
  readonly port?: number;
  readonly host?: string;
  /**
   * Opens an HTTPS listener too, on `host` at `port` (`--https-port`, `--tls-cert`, `--tls-key`), serving
   * what the HTTP one serves; `reloadCertificate()` reads the files again (SIGHUP).
   */
  readonly https?: (TlsFiles & { readonly port: number }) | undefined;
  /** Limits that win over the configuration's `<moor:limits>` (whose own unset ones keep their defaults). */
  readonly limits?: Partial<MessageLimits>;
  /** Session bindings; an in-memory table when not given. */
  readonly store?: SessionStore;
  readonly logger?: Logger;
  /** Backend timeout when an address has none (ms). */
  readonly defaultTimeoutMs?: number;
  /** How long a failed address is skipped (ms). */
  readonly defaultSuspendMs?: number;
  /**
   * Opens the admin listener there (off when not given). Its token: `<moor:admin token>`, else
   * `token` here, else MOOR_ADMIN_TOKEN; without one it listens only on a loopback address.
   */
  readonly admin?: (AdminAddress & { readonly token?: string | undefined }) | undefined;
  /** Routes the admin listener answers besides the gateway's own (health, drain). */
  readonly adminRoutes?: readonly AdminRoute[];
  /** Told of every drain change made through the admin listener (worker processes relay it). */
  readonly onDrain?: (name: string, draining: boolean) => void;
  /** Counts every request, backend exchange and session binding (served at the admin listener's /metrics). */
  readonly metrics?: GatewayMetrics | undefined;
  /** Writes a line per request (`--access-log`). */
  readonly accessLog?: AccessLog | undefined;
  /** The registry folder of `conf:/…` and `gov:/…` keys (`--registry`; src/config/registry-folder.ts). */
  readonly registry?: string | undefined;
  /**
   * Whether this gateway runs the configuration's scheduled tasks (`<task>`); true when not given.
   * With `--workers N` only worker 1 does, so that a gateway runs each task once (cli/workers.ts).
   */
  readonly runTasks?: boolean | undefined;
}

/** What the gateway's runtimes are built with: the same at start and at every reload. */
function runtimeEnv(options: GatewayOptions, store: SessionStore, log: Logger): RuntimeEnv {
  return {
    limits: options.limits,
    store,
    log,
    defaultTimeoutMs: options.defaultTimeoutMs,
    defaultSuspendMs: options.defaultSuspendMs,
    observer: options.metrics,
    registry: options.registry,
    // (the gateway's Redis message stores connect; moor validate's and the harness's never do)
    redisStores: true,
  };
}

/** How long start and reload wait for a Redis message store to connect (as `moor start` waits for its session store). */
const STORE_CONNECT_WAIT_MS = 2000;

export class Gateway implements MetricsSource {
  private runtime: Runtime;
  private inFlight = 0;
  /** Drain changes made at run time (admin calls), in order, re-applied after each reload. */
  private readonly drainOverrides = new Map<string, boolean>();
  private stopping = false;
  private idle: (() => void) | undefined;
  private adminListener: AdminListener | undefined;
  /** The scheduled tasks of the runtime serving now; undefined when this gateway runs none. */
  private tasks: TaskScheduler | undefined;
  /** The message processors of the runtime serving now (every process runs its own, over its own stores). */
  private processors: ProcessorSet | undefined;
  /** Request bodies being waited for, failed when they stall (bodyStallMs) or take too long (bodyTimeoutMs). */
  private readonly stalls = new StallWatch(() => this.runtime.limits);
  /** Per connection, its requests still being answered (a pipelining client sends several at once) and the latest one. */
  private readonly answers = new ConnectionAnswers();
  /** The HTTPS listener (`https` option); undefined without it. */
  private httpsServer: HttpsServer | undefined;
  /** With the HTTPS listener: the connections open on both (the shared cap), TLS handshakes under way too. */
  private connections: Set<Socket> | undefined;

  private constructor(
    private readonly server: Server,
    runtime: Runtime,
    readonly store: SessionStore,
    readonly log: Logger,
    private readonly options: GatewayOptions,
  ) {
    this.runtime = runtime;
  }

  /** Loads the configuration and starts listening. Throws ConfigErrors for an invalid configuration. */
  static async start(options: GatewayOptions): Promise<Gateway> {
    const log = options.logger ?? createLogger();
    // (a wrong file stops the start before anything is loaded or opened)
    const tlsPair = options.https ? readTlsPair(options.https) : undefined;
    const store = options.store ?? new MemoryStore();
    const runtime = await loadRuntime(options.config, runtimeEnv(options, store, log));
    await runtime.stores.ready(STORE_CONNECT_WAIT_MS, log);
    // (one budget per process: the heap it protects is the process's)
    parseBudget.resize(runtime.limits.parseBudgetBytes);
    const server = createServer({ requestTimeout: 0, connectionsCheckingInterval: checkingInterval(runtime.limits) });
    applyConnectionLimits(server, runtime.limits);
    const gw = new Gateway(server, runtime, store, log, options);
    if (tlsPair) {
      // the same options and limits as the HTTP listener's; a handshake must end within headTimeoutMs
      // (Node's own default is 120 s: a client that connects and sends nothing would hold the
      // connection that long), counted from the connection, not reset by bytes that trickle in
      const https = createHttpsServer({ ...tlsPair.options, handshakeTimeout: runtime.limits.headTimeoutMs, requestTimeout: 0, connectionsCheckingInterval: checkingInterval(runtime.limits) });
      applyConnectionLimits(https, runtime.limits);
      gw.connections = shareConnectionCap([server, https], () => gw.runtime.limits.maxConnections);
      gw.httpsServer = https;
      log.info(`HTTPS certificate: ${tlsPair.description}`, { component: 'server' });
      if (tlsPair.expired) log.warn(`the HTTPS certificate in ${options.https!.certFile} has expired`, { component: 'server' });
    }
    for (const w of gw.shownWarnings(runtime)) log.warn(w.toString(), { component: 'config' });
    if (options.admin) {
      try {
        gw.adminListener = await AdminListener.start({ ...options.admin, routes: [...gatewayRoutes(gw), ...(options.adminRoutes ?? [])], token: () => gw.adminToken(), limits: gw.runtime.compiled.config.settings?.admin?.limits, log });
      } catch (e) {
        await runtime.endpoints.close();
        await runtime.stores.close();
        throw e;
      }
    }
    options.metrics?.watch(gw);
    // (the HTTPS listener is served by the same handlers; Node hands its failed handshakes, timed out
    // ones too, to 'clientError' as well: no HTTP answer is written into a connection that has no TLS yet)
    const handshaken = gw.httpsServer ? new WeakSet<Duplex>() : undefined;
    gw.httpsServer?.on('secureConnection', (socket: Duplex) => handshaken!.add(socket));
    const serve = (listener: Server | HttpsServer, transport: Transport): void => {
      listener.on('request', (req, res) => void gw.handle(req, res, false, transport));
      // (Node would send 100 Continue before the request is admitted: a body over the limit would be invited)
      listener.on('checkContinue', (req, res) => void gw.handle(req, res, true, transport));
      listener.on('clientError', (err: Error & { code?: string }, socket: Duplex) => (transport === 'https' && !handshaken!.has(socket) ? socket.destroy() : gw.answers.clientError(err, socket as Socket)));
      // (without a listener Node drops a CONNECT unanswered: it is a method moor does not take)
      listener.on('connect', (_req: IncomingMessage, socket: Duplex) => bareRefusal(socket as Socket, 405, 'Allow: POST\r\n'));
    };
    serve(server, 'http');
    if (gw.httpsServer) serve(gw.httpsServer, 'https');
    try {
      await listen(server, options.port ?? 8280, options.host ?? '127.0.0.1');
      if (gw.httpsServer) {
        const at = { host: options.host ?? '127.0.0.1', port: options.https!.port };
        await listen(gw.httpsServer, at.port, at.host).catch((e: unknown) => {
          server.close();
          throw Object.assign(e as Error, { httpsAddress: at });
        });
      }
    } catch (e) {
      await gw.adminListener?.close();
      await runtime.endpoints.close();
      await runtime.stores.close();
      throw e;
    }
    runtime.endpoints.startHealthChecks();
    gw.startTasks(runtime);
    return gw;
  }

  /** The URL the gateway listens on. */
  get url(): string {
    return urlOf('http', this.server);
  }

  /** The URL of the HTTPS listener, when `https` was given. */
  get httpsUrl(): string | undefined {
    return this.httpsServer ? urlOf('https', this.httpsServer) : undefined;
  }

  /**
   * Reads the HTTPS listener's certificate and key files again and serves them to new connections
   * (SIGHUP); a pair that cannot be used is one warning, and the running one keeps serving. False then,
   * and when there is no HTTPS listener.
   */
  reloadCertificate(why: string): boolean {
    const files = this.options.https;
    if (!files || !this.httpsServer) return false;
    let pair: TlsPair;
    try {
      pair = readTlsPair(files);
      this.httpsServer.setSecureContext(pair.options);
    } catch (e) {
      this.log.warn(`HTTPS certificate not reloaded (${why}); the running one keeps serving: ${(e as Error).message}`, { component: 'server' });
      return false;
    }
    this.log.info(`HTTPS certificate reloaded (${why}): ${pair.description}`, { component: 'server' });
    if (pair.expired) this.log.warn(`the HTTPS certificate in ${files.certFile} has expired`, { component: 'server' });
    return true;
  }

  /** The warnings of `runtime` to log: all of them, but those of an https-only proxy, API or resource when there is an HTTPS listener (they are then served as WSO2 serves them). */
  private shownWarnings(runtime: Runtime): readonly ConfigError[] {
    return this.options.https ? runtime.warnings.filter((w) => !HTTPS_ONLY_WARNINGS.has(w.message)) : runtime.warnings;
  }

  /** The admin listener's URL, when `admin` was given. */
  get adminUrl(): string | undefined {
    return this.adminListener?.url;
  }

  /** The admin token in force: the configuration's, else the one given to start, else MOOR_ADMIN_TOKEN. */
  private adminToken(): string | undefined {
    return adminTokenOf(this.runtime.compiled.config.settings?.admin?.token, this.options.admin?.token);
  }

  /** The runtime serving new requests. */
  get current(): Runtime {
    return this.runtime;
  }

  /** The listener of admin drain calls, if any. */
  get onDrain(): GatewayOptions['onDrain'] {
    return this.options.onDrain;
  }

  /**
   * Loads the configuration anew and, if valid, serves new requests with it; requests in flight finish
   * on the old one and session bindings are kept. Resolves to the new configuration's warnings (those it
   * logs: what an HTTPS listener honours is no warning); throws ConfigErrors (the old runtime keeps serving).
   */
  async reload(): Promise<readonly ConfigError[]> {
    const next = await loadRuntime(this.options.config, runtimeEnv(this.options, this.store, this.log), this.runtime);
    await next.stores.ready(STORE_CONNECT_WAIT_MS, this.log);
    const warnings = this.shownWarnings(next);
    for (const w of warnings) this.log.warn(w.toString(), { component: 'config' });
    const old = this.runtime;
    // drains and undrains made at run time outlive a reload; otherwise the new configuration's
    // draining="…" holds (so removing it from the file and reloading undrains)
    for (const [name, draining] of this.drainOverrides) applyDraining(next, name, draining);
    // (connections already open keep the timeouts they started with; the checking interval and the
    // TLS handshake timeout stay)
    applyConnectionLimits(this.server, next.limits);
    if (this.httpsServer) applyConnectionLimits(this.httpsServer, next.limits);
    parseBudget.resize(next.limits.parseBudgetBytes);
    this.runtime = next;
    old.endpoints.stopHealthChecks();
    next.endpoints.startHealthChecks();
    this.startTasks(next);
    setTimeout(() => {
      void old.endpoints.close();
      // (the stores it did not keep: the old processors, stopped by then, were their last users)
      void next.stores.closeDropped();
    }, old.endpoints.env.defaultTimeoutMs + 1000).unref();
    return warnings;
  }

  /** Starts the tasks and message processors of `runtime`, in place of those of the runtime it replaces (tasks.ts, processors.ts). */
  private startTasks(runtime: Runtime): void {
    const replaced = this.processors;
    this.processors = new ProcessorSet(runtime, this.log);
    this.processors.start(replaced);
    if (this.options.runTasks === false) return;
    const previous = this.tasks;
    this.tasks = new TaskScheduler(runtime, this.log);
    this.tasks.start(previous);
    if (this.tasks.size) this.log.info(`${this.tasks.size} scheduled task(s) running`, { component: 'task' });
  }

  /** What the message processor `name` did so far (tests, logs). */
  processorState(name: string): { readonly active: boolean; readonly delivered: number } | undefined {
    return this.processors?.states.get(name);
  }

  /** How many times the task `name` ran since it was started (or since it last changed); undefined when none runs here. */
  taskRuns(name: string): number | undefined {
    return this.tasks?.runsOf(name);
  }

  /** Every address endpoint serving now, with its state (metrics, admin). */
  addresses(): Iterable<{ readonly id: string; readonly state: string }> {
    return this.runtime.endpoints.addresses();
  }

  /** The groups that bind sessions in the store (metrics). */
  sessionGroups(): Iterable<string> {
    return this.runtime.endpoints.sessionGroups();
  }

  /** The access log, whose counts of lost lines the metrics read; undefined without one. */
  get accessLog(): AccessLog | undefined {
    return this.options.accessLog;
  }

  /** Marks the endpoints named `name` draining or not, now and after later reloads; the ids it changed. */
  setDraining(name: string, draining: boolean): string[] {
    this.drainOverrides.delete(name);
    this.drainOverrides.set(name, draining);
    return applyDraining(this.runtime, name, draining);
  }

  /** Stops accepting, waits for requests in flight, releases connections. */
  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const servers = this.httpsServer ? [this.server, this.httpsServer] : [this.server];
    const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    for (const s of servers) s.closeIdleConnections();
    // (no task starts a run from now on; those in flight finish, as requests do)
    this.tasks?.stop();
    const processors = this.processors?.stop();
    await this.adminListener?.close();
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    await this.tasks?.settled();
    await processors;
    for (const s of servers) s.closeAllConnections();
    // (a connection still in its TLS handshake is no HTTP connection yet, which closeAllConnections
    // would leave to its handshake timeout)
    for (const socket of this.connections ?? []) socket.destroy();
    await closed;
    this.stalls.close();
    await this.runtime.endpoints.close();
    await this.runtime.stores.close();
    await this.store.close();
    await this.options.accessLog?.close();
  }

  /** One request, start to end: admitted here, mediated by the socket-free exchange (exchange.ts). */
  private async handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean, transport: Transport): Promise<void> {
    this.inFlight++;
    const answering = this.answers.track(req, res);
    let abort: MessageAbort | undefined;
    // one listener a request, on the per-message path: the answer is out of the connection's count
    // (ConnectionAnswers.track), and a mediation whose client went away is aborted
    res.on('close', () => {
      answering.open--;
      answering.onClose?.();
      if (abort) answering.aborts.delete(abort);
      if (abort && !res.writableFinished) abort.abort(new Error('client went away'));
    });
    // Node parses pipelined requests as they come, however many wait for their answers: one connection
    // to a slow backend would hold thousands in memory (20,000 held ~190 MB). Past the bound the client
    // is let go as one that hung up: its backend requests are cancelled.
    if (answering.open > this.runtime.limits.maxPipelinedRequests) req.socket.destroy();
    // (one of a pipelined flood, parsed from the same bytes after its connection was let go)
    if (req.socket.destroyed) {
      if (--this.inFlight === 0 && this.idle) this.idle();
      return;
    }
    const observed = this.options.metrics !== undefined || this.options.accessLog !== undefined;
    const started = observed ? performance.now() : 0;
    const written = observed ? req.socket.bytesWritten : 0;
    /** The proxy label of the metrics and the access log; undefined for an admin call (not counted). */
    let proxy: string | undefined;
    let input: RequestBody | undefined;
    let msg: MessageContext | undefined;
    try {
      if (linesNamed(req.rawHeaders, 'host') > 1) {
        // (RFC 9112 §3.2: a 400; which Host names the target would be for each reader to guess)
        res.writeHead(400, ['connection', 'close']).end();
        return;
      }
      const runtime = this.runtime;
      // (with an HTTPS listener, a proxy's or API's transports="…" and a resource's protocol="…" say on which of the two it is served)
      const head: RequestHead = { method: req.method ?? '', target: req.url ?? '/', headers: req.rawHeaders, listener: this.httpsServer ? transport : undefined };
      const a = (!this.stopping && transportRefusal(runtime, head)) || admit(runtime, head, this.stopping);
      if (a.kind === 'refused') {
        if (a.rest === 'drain') drain(req);
        // (refused before its body was invited: the client may or may not send it, so the connection closes)
        void new HttpAnswers(res).write(expectsContinue && !a.answer.close ? { ...a.answer, headers: [...a.answer.headers, 'connection', 'close'], close: true } : a.answer);
        if (a.rest === 'destroy') req.destroy();
        if (observed) proxy = proxyLabel(runtime, head.target);
        return;
      }
      if (expectsContinue) res.writeContinue();
      if (a.kind === 'reserved') {
        drain(req);
        sendAnswer(res, a.url.pathname === '/_moor/health' && req.method === 'GET' ? publicHealth(runtime, this.store) : RESERVED_PATH);
        return;
      }
      proxy = a.kind === 'api' ? a.match.api.def.name : (a.proxy?.name ?? (a.kind === 'soap' && runtime.compiled.sequences.has('main') ? 'main' : '(none)'));
      if (a.kind === 'wsdl') {
        await publishWsdl(req, res, a.url, a.proxy, a.version);
        return;
      }
      abort = new MessageAbort();
      // (a pipelined request queued behind another gets no 'close' when its connection goes: the
      // connection's own close cancels it: connection-answers.ts)
      answering.aborts.add(abort);
      const io: RequestIO = { body: (declared, limits, shape) => requestBody(req, declared, limits, this.stalls, shape), abort, log: this.log, remoteAddress: req.socket.remoteAddress ?? '' };
      const x = await exchange(a, head, io, new HttpAnswers(res));
      input = x.input;
      msg = x.msg;
      // the client has its answer; a reply that did not need the whole request (drop, respond, an early
      // answer from the backend, a fault) leaves the rest unread, and the connection would stall on it
      if (x.answered && !x.closing && input) this.discardRest(req, res, input, a.runtime.limits);
    } catch (e) {
      this.log.error(`unhandled error: ${(e as Error).stack ?? String(e)}`, { component: 'server' });
      writeFault(res, '1.1', e);
    } finally {
      if (observed && proxy !== undefined) this.observe(req, res, proxy, started, written, input, msg);
      if (--this.inFlight === 0 && this.idle) this.idle();
    }
  }

  /**
   * Lets the rest of an answered request flow away unread, so that its connection can carry the next
   * one; but no further than the message limit, and not while it stalls: past either, the connection
   * closes once the answer is out (an endless or stalled body must not hold it for ever).
   */
  private discardRest(req: IncomingMessage, res: ServerResponse, input: RequestBody, limits: MessageLimits): void {
    input.discard();
    if (req.complete) return;
    let left = limits.maxMessageBytes - input.body.bytesReceived;
    const close = (): void => {
      this.stalls.unwatch(watched);
      if (res.writableFinished) req.socket.destroy();
      else res.once('finish', () => req.socket.destroy());
    };
    const watched = { since: 0, onStall: close };
    this.stalls.watch(watched);
    req.on('data', (c: Buffer) => {
      watched.since = performance.now();
      left -= c.length;
      if (left < 0) close();
    });
    req.once('end', () => this.stalls.unwatch(watched));
    req.once('close', () => this.stalls.unwatch(watched));
  }

  /** Counts an answered request and writes its access log line. */
  private observe(req: IncomingMessage, res: ServerResponse, proxy: string, started: number, written: number, input: RequestBody | undefined, msg: MessageContext | undefined): void {
    const ms = performance.now() - started;
    // (nobody was answered: the client went away first; 499 as nginx logs it)
    const status = res.headersSent ? res.statusCode : 499;
    this.options.metrics?.request(proxy, status, ms / 1000);
    const log = this.options.accessLog;
    if (!log) return;
    const endpoint = msg?.axis2.endpoint;
    const session = msg?.session?.key;
    const error = res.getHeader('x-moor-error');
    // (the optional fields set in their order, not spread in: a spread copies an object per field)
    const line: { -readonly [K in keyof AccessRecord]: AccessRecord[K] } = {
      time: new Date(Date.now() - ms).toISOString(),
      proxy,
      method: req.method ?? '',
      status,
      durationMs: Math.round(ms * 1000) / 1000,
      bytesIn: input?.body.bytesReceived ?? 0,
      bytesOut: req.socket.bytesWritten - written,
    };
    if (endpoint !== undefined) line.endpoint = endpoint;
    if (session !== undefined) line.session = sessionHash(session);
    if (typeof error === 'string') line.error = error;
    log.write(line);
  }
}

/** The listener a request came in on. */
type Transport = 'http' | 'https';

/** What a path under /_moor/ other than `GET /_moor/health` answers on the traffic port. */
const RESERVED_PATH: AdminAnswer = { status: 404, body: { error: 'no such path: admin calls are answered on the admin listener (moor start --admin HOST:PORT)' } };


/** Discards what is left of a request we answered early, so the connection can be reused. */
function drain(req: IncomingMessage): void {
  if (!req.complete) req.resume();
}
