/**
 * The inbound HTTP listener: the only importer of node:http. It maps paths to proxy services
 * (`/services/<Name>[/…]`, `?wsdl`), reads each request's SOAP head, runs the mediation, and turns
 * every error into a SOAP fault. Reload swaps the runtime atomically; shutdown stops accepting and
 * lets requests in flight finish.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ConfigError, MoorError } from '../errors.ts';
import { createLogger, type Logger } from '../logging.ts';
import { MessageAbort } from '../message/abort.ts';
import { MessageContext, rawHeader } from '../message/context.ts';
import { type MessageLimits } from '../message/limits.ts';
import { parseBudget } from '../message/parse-budget.ts';
import { type ProxyRuntime } from '../mediators/compile.ts';
import { mediate } from '../mediators/flow.ts';
import { MemoryStore } from '../session/memory-store.ts';
import { type SessionStore } from '../session/store.ts';
import { soapVersionOfContentType, type SoapVersion } from '../xml/soap.ts';
import { writeFault } from './faults.ts';
import { writeMessage } from './reply.ts';
import { requestBody, type RequestBody } from './request-body.ts';
import { StallWatch } from './stall-watch.ts';
import { loadRuntime, type Runtime } from './runtime.ts';
import { type AdminAddress } from './admin/address.ts';
import { AdminListener, adminTokenOf } from './admin/listener.ts';
import { type AdminAnswer, type AdminRoute, sendAnswer } from './admin/router.ts';
import { applyDraining, gatewayRoutes, publicHealth } from './admin/routes.ts';
import { type AccessLog, sessionHash } from './access-log.ts';
import { type GatewayMetrics, type MetricsSource } from '../metrics/gateway-metrics.ts';
import { isWsdlRequest, publishWsdl } from '../wsdl/publish.ts';
import { type ApiMatch, dispatchApi } from './api-dispatch.ts';
import { apiBodyShape, enterApi, writeApiRefusal, writeOptions, writeRestReply } from './api-request.ts';
import { type BodyShape } from './request-body.ts';

export interface GatewayOptions {
  /** Configuration folder (or one XML file). */
  readonly config: string;
  readonly port?: number;
  readonly host?: string;
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
}

export class Gateway implements MetricsSource {
  private runtime: Runtime;
  private inFlight = 0;
  /** Drain changes made at run time (admin calls), in order, re-applied after each reload. */
  private readonly drainOverrides = new Map<string, boolean>();
  private stopping = false;
  private idle: (() => void) | undefined;
  private adminListener: AdminListener | undefined;
  /** Request bodies being waited for, failed when they stall (bodyStallMs). */
  private readonly stalls = new StallWatch(() => this.runtime.limits.bodyStallMs);

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
    const store = options.store ?? new MemoryStore();
    const runtime = await loadRuntime(options.config, {
      limits: options.limits,
      store,
      log,
      defaultTimeoutMs: options.defaultTimeoutMs ?? 60_000,
      defaultSuspendMs: options.defaultSuspendMs ?? 30_000,
      observer: options.metrics,
      registry: options.registry,
    });
    // (one budget per process: the heap it protects is the process's)
    parseBudget.resize(runtime.limits.parseBudgetBytes);
    const server = createServer({ requestTimeout: 0, connectionsCheckingInterval: checkingInterval(runtime.limits) });
    applyConnectionLimits(server, runtime.limits);
    const gw = new Gateway(server, runtime, store, log, options);
    for (const w of runtime.warnings) log.warn(w.toString(), { component: 'config' });
    if (options.admin) {
      try {
        gw.adminListener = await AdminListener.start({ ...options.admin, routes: [...gatewayRoutes(gw), ...(options.adminRoutes ?? [])], token: () => gw.adminToken(), log });
      } catch (e) {
        await runtime.endpoints.close();
        throw e;
      }
    }
    options.metrics?.watch(gw);
    server.on('request', (req, res) => void gw.handle(req, res));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 8280, options.host ?? '127.0.0.1', () => resolve());
      });
    } catch (e) {
      await gw.adminListener?.close();
      await runtime.endpoints.close();
      throw e;
    }
    runtime.endpoints.startHealthChecks();
    return gw;
  }

  /** The URL the gateway listens on. */
  get url(): string {
    const a = this.server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
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
   * on the old one and session bindings are kept. Resolves to the new configuration's warnings; throws
   * ConfigErrors (the old runtime keeps serving).
   */
  async reload(): Promise<readonly ConfigError[]> {
    const next = await loadRuntime(this.options.config, {
      limits: this.options.limits,
      store: this.store,
      log: this.log,
      defaultTimeoutMs: this.options.defaultTimeoutMs ?? 60_000,
      defaultSuspendMs: this.options.defaultSuspendMs ?? 30_000,
      observer: this.options.metrics,
      registry: this.options.registry,
    }, this.runtime);
    for (const w of next.warnings) this.log.warn(w.toString(), { component: 'config' });
    const old = this.runtime;
    // drains and undrains made at run time outlive a reload; otherwise the new configuration's
    // draining="…" holds (so removing it from the file and reloading undrains)
    for (const [name, draining] of this.drainOverrides) applyDraining(next, name, draining);
    // (connections already open keep the timeouts they started with; the checking interval stays)
    applyConnectionLimits(this.server, next.limits);
    parseBudget.resize(next.limits.parseBudgetBytes);
    this.runtime = next;
    old.endpoints.stopHealthChecks();
    next.endpoints.startHealthChecks();
    setTimeout(() => void old.endpoints.close(), (this.options.defaultTimeoutMs ?? 60_000) + 1000).unref();
    return next.warnings;
  }

  /** Every address endpoint serving now, with its state (metrics, admin). */
  addresses(): Iterable<{ readonly id: string; readonly state: string }> {
    return this.runtime.endpoints.addresses();
  }

  /** The groups that bind sessions in the store (metrics). */
  sessionGroups(): Iterable<string> {
    return this.runtime.endpoints.sessionGroups();
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
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    await this.adminListener?.close();
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    this.server.closeAllConnections();
    await closed;
    this.stalls.close();
    await this.runtime.endpoints.close();
    await this.store.close();
    await this.options.accessLog?.close();
  }

  /** One request, start to end; whatever escapes the mediation's own handling becomes a fault. */
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    const observed = this.options.metrics !== undefined || this.options.accessLog !== undefined;
    const started = observed ? performance.now() : 0;
    const written = observed ? req.socket.bytesWritten : 0;
    /** The proxy label of the metrics and the access log; undefined for an admin call (not counted). */
    let proxy: string | undefined;
    let input: RequestBody | undefined;
    let msg: MessageContext | undefined;
    // (the mediation is written inline, not in a function of its own: an async frame less per message)
    try {
      const a = this.admit(req, res);
      if (a === undefined) {
        if (observed) proxy = this.proxyLabel(req.url ?? '/');
        return;
      }
      if (a.kind === 'reserved') {
        drain(req);
        sendAnswer(res, a.url.pathname === '/_moor/health' && req.method === 'GET' ? publicHealth(this.runtime, this.store) : RESERVED_PATH);
        return;
      }
      proxy = a.kind === 'api' ? a.match.api.def.name : (a.proxy?.name ?? (a.kind === 'soap' && this.runtime.compiled.sequences.has('main') ? 'main' : '(none)'));
      if (a.kind === 'wsdl') {
        await publishWsdl(req, res, a.url, a.proxy, a.version);
        return;
      }
      const abort = new MessageAbort();
      res.on('close', () => {
        if (!res.writableFinished) abort.abort(new Error('client went away'));
      });
      try {
        const api = a.kind === 'api' ? a : undefined;
        input = await requestBody(req, a.declared, a.runtime.limits, this.stalls, api?.shape);
        msg = new MessageContext('request', req.rawHeaders, input.body, abort, this.log, api ? (response) => writeRestReply(res, response) : (response) => writeMessage(res, response), { version: a.version });
        msg.axis2.set('TransportInURL', req.url ?? '/');
        // (Synapse's name for the client's address: the throttle's callers)
        msg.axis2.set('REMOTE_ADDR', req.socket.remoteAddress ?? '');
        // (a REST payload is read only when a mediator asks; a small SOAP request is all here: its head
        // is read without an await)
        if (api) enterApi(msg, api.match, req.method ?? 'GET', a.url.pathname + a.url.search);
        else if (!msg.headNow()) await msg.head();
        await mediate(a.runtime.compiled, a.runtime.endpoints, a.kind === 'api' ? a.match.resource : a.proxy, msg);
        // the client has its answer; a reply that did not need the whole request (drop, respond, an early
        // answer from the backend) leaves the rest unread, and the connection would stall on it
        this.discardRest(req, res, input, a.runtime.limits);
      } catch (e) {
        // (no body and no refusal of ours means the client broke off while sending it: nobody is left to answer)
        if (abort.aborted || (!input && !(e instanceof MoorError))) return;
        const level = e instanceof MoorError && !e.code.startsWith('MOOR_ERR_MEDIATION') ? 'warn' : 'error';
        // (what a fault keeps from the client, an endpoint's address or a parser's words, is logged)
        const detail = (e as { detail?: unknown }).detail;
        this.log.log(level, `${req.method} ${a.url.pathname}: ${(e as Error).message}${typeof detail === 'string' ? ` (${detail})` : ''}`, { component: 'server', msg: msg?.id });
        if (e instanceof MoorError && CLOSING.has(e.code)) {
          // a body over the limit or stalled is not read on: answered now, and the connection closed
          // once the answer is out (an endless body would otherwise hold it for ever)
          writeFault(res, msg?.version ?? a.version, e, { connection: 'close' });
          res.once('finish', () => req.socket.destroy());
          abort.abort(e);
          return;
        }
        // what the fault leaves unread is dropped, so that the connection can carry the next request
        if (input) this.discardRest(req, res, input, a.runtime.limits);
        writeFault(res, msg?.version ?? a.version, e);
      }
    } catch (e) {
      this.log.error(`unhandled error: ${(e as Error).stack ?? String(e)}`, { component: 'server' });
      writeFault(res, '1.1', e);
    } finally {
      msg?.releaseParsed();
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
    const endpoint = msg?.axis2.get('ENDPOINT');
    const session = msg?.session?.key;
    const error = res.getHeader('x-moor-error');
    log.write({
      time: new Date(Date.now() - ms).toISOString(),
      proxy,
      method: req.method ?? '',
      status,
      durationMs: Math.round(ms * 1000) / 1000,
      bytesIn: input?.body.bytesReceived ?? 0,
      bytesOut: req.socket.bytesWritten - written,
      ...(typeof endpoint === 'string' ? { endpoint } : {}),
      ...(session !== undefined ? { session: sessionHash(session) } : {}),
      ...(typeof error === 'string' ? { error } : {}),
    });
  }

  /** The proxy label of a request refused before mediation: its proxy, `main`, or `(none)` (never client text). */
  private proxyLabel(target: string): string {
    const { service } = requestTarget(target);
    const compiled = this.runtime.compiled;
    if (service !== undefined && compiled.proxies.has(service)) return service;
    return compiled.sequences.has('main') ? 'main' : '(none)';
  }

  /**
   * What a request is, from its line and headers, before any byte of its body: a SOAP message to
   * mediate, a path under /_moor/ (only the public health lives there), a WSDL request; or undefined when it was answered here (shutting down, no
   * such service, not POST, not SOAP, too large).
   */
  private admit(req: IncomingMessage, res: ServerResponse): Admission | undefined {
    const { url, service: proxyName } = requestTarget(req.url ?? '/');
    // (read from the raw lines: Node's header object is then never built, nor the map until wanted)
    const contentType = rawHeader(req.rawHeaders, 'content-type');
    const announced = soapVersionOfContentType(contentType);
    const version: SoapVersion = announced === '1.2' ? '1.2' : '1.1';
    if (this.stopping) {
      writeFault(res, version, new MoorError('MOOR_ERR_SHUTTING_DOWN', 'the gateway is shutting down'), { connection: 'close' });
      return undefined;
    }
    // (the path is normalised by URL parsing: /services/../_moor/health is /_moor/health here)
    if (url.pathname.startsWith('/_moor/')) return { kind: 'reserved', url };
    const runtime = this.runtime;
    const proxy = proxyName !== undefined ? runtime.compiled.proxies.get(proxyName) : undefined;
    // a path no proxy takes may be a REST API's (WSO2 dispatches APIs where no service was found)
    if (!proxy && runtime.compiled.apis.length) {
      const api = this.admitApi(req, res, url, runtime, version);
      if (api !== 'none') return api;
    }
    // as in Synapse, a message for a service that is not a proxy goes to the main sequence, if any
    // (the load-balancing samples post to /services/LBService1 and forward to the same path)
    if (proxyName !== undefined && !proxy && !runtime.compiled.sequences.has('main')) {
      drain(req);
      writeFault(res, version, new MoorError('MOOR_ERR_NO_SERVICE', `no proxy service named "${proxyName}"`));
      return undefined;
    }
    if (req.method === 'GET' && proxy && isWsdlRequest(url)) return { kind: 'wsdl', url, version, proxy };
    if (req.method !== 'POST') {
      drain(req);
      writeFault(res, version, new MoorError('MOOR_ERR_METHOD', `${req.method ?? 'this method'} is not a SOAP request: messages are POSTed (GET ?wsdl gives a proxy's WSDL)`), { allow: 'POST' });
      return undefined;
    }
    if (announced === undefined) {
      drain(req);
      writeFault(res, version, new MoorError('MOOR_ERR_NOT_SOAP', `content type "${contentType ?? ''}" is not SOAP (text/xml for SOAP 1.1, application/soap+xml for SOAP 1.2)`));
      return undefined;
    }
    const declared = declaredLength(req);
    if (this.tooLarge(req, res, declared, runtime, version)) return undefined;
    return { kind: 'soap', url, runtime, proxy, version, declared };
  }

  /** True (and answered with 413, the connection closed) when the request announces more than the limit. */
  private tooLarge(req: IncomingMessage, res: ServerResponse, declared: number | undefined, runtime: Runtime, version: SoapVersion): boolean {
    if (declared === undefined || declared <= runtime.limits.maxMessageBytes) return false;
    writeFault(res, version, new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `the message is larger than ${runtime.limits.maxMessageBytes} bytes`), { connection: 'close' });
    req.destroy();
    return true;
  }

  /**
   * A request to a REST API (api-dispatch.ts): its resource, or undefined when it was answered here
   * (no resource: WSO2's empty 404/405/400; OPTIONS; too large); 'none' when no API takes its path.
   */
  private admitApi(req: IncomingMessage, res: ServerResponse, url: URL, runtime: Runtime, version: SoapVersion): Admission | undefined | 'none' {
    const method = req.method ?? 'GET';
    const contentType = rawHeader(req.rawHeaders, 'content-type');
    const declared = declaredLength(req);
    const hasBody = (declared !== undefined && declared > 0) || rawHeader(req.rawHeaders, 'transfer-encoding') !== undefined;
    const match = dispatchApi(runtime.compiled.apis, {
      method,
      target: url.pathname + url.search,
      host: rawHeader(req.rawHeaders, 'host'),
      contentType,
      userAgent: rawHeader(req.rawHeaders, 'user-agent'),
      hasBody,
    });
    if (!match) return 'none';
    if (match.kind === 'refused') {
      drain(req);
      writeApiRefusal(res, match);
      return undefined;
    }
    if (method === 'OPTIONS' && !match.resource.def.methods.includes('OPTIONS')) {
      drain(req);
      writeOptions(res, match.resource.def.methods);
      return undefined;
    }
    if (this.tooLarge(req, res, declared, runtime, soapVersionOfContentType(contentType) === '1.1' ? '1.1' : '1.2')) return undefined;
    // faults to a REST client are SOAP 1.2 ones (400 for its own mistakes, as REST expects), unless it posted SOAP 1.1
    const faults: SoapVersion = version === '1.1' && soapVersionOfContentType(contentType) === '1.1' ? '1.1' : '1.2';
    return { kind: 'api', url, runtime, match, version: faults, declared, shape: apiBodyShape(contentType, hasBody) };
  }
}

/** How many bytes a request announces: its Content-Length, or undefined (none, or chunked). */
function declaredLength(req: IncomingMessage): number | undefined {
  const lengthHeader = rawHeader(req.rawHeaders, 'content-length');
  return lengthHeader !== undefined ? Number(lengthHeader) : undefined;
}

/** What {@link Gateway.admit} found a request to be. */
type Admission =
  | { readonly kind: 'soap'; readonly url: URL; readonly runtime: Runtime; readonly proxy: ProxyRuntime | undefined; readonly version: SoapVersion; readonly declared: number | undefined }
  | { readonly kind: 'api'; readonly url: URL; readonly runtime: Runtime; readonly match: ApiMatch & { kind: 'resource' }; readonly version: SoapVersion; readonly declared: number | undefined; readonly shape: BodyShape }
  | { readonly kind: 'reserved'; readonly url: URL }
  | { readonly kind: 'wsdl'; readonly url: URL; readonly version: SoapVersion; readonly proxy: ProxyRuntime };

/**
 * The traffic port's connection limits (docs/configuration.md, "Limits"): Node answers a head that takes
 * too long with 408 and closes the connection, closes idle keep-alive connections, and drops a
 * connection accepted beyond the cap. (A stalled body is the request body's own watch: request-body.ts.)
 */
function applyConnectionLimits(server: Server, limits: MessageLimits): void {
  server.headersTimeout = limits.headTimeoutMs;
  server.keepAliveTimeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;
}

/** How often Node looks for connections past the head timeout: a quarter of it, at most once a second. */
function checkingInterval(limits: MessageLimits): number {
  return Math.max(10, Math.min(1000, Math.floor(limits.headTimeoutMs / 4)));
}

/** Refusals after which the rest of the request is not read: the connection closes. */
const CLOSING: ReadonlySet<string> = new Set(['MOOR_ERR_MESSAGE_TOO_LARGE', 'MOOR_ERR_REQUEST_TIMEOUT']);

/** What a path under /_moor/ other than `GET /_moor/health` answers on the traffic port. */
const RESERVED_PATH: AdminAnswer = { status: 404, body: { error: 'no such path: admin calls are answered on the admin listener (moor start --admin HOST:PORT)' } };

/** A request target: the URL, and the service named by a `/services/<Name>[/…]` path, decoded. */
interface RequestTarget {
  readonly url: URL;
  readonly service: string | undefined;
}

const parsedTargets = new Map<string, RequestTarget>();

/**
 * The request target, parsed once per distinct target: traffic repeats a few paths, and URL parsing is a
 * visible part of a small message's cost. Nothing here changes a URL it is given.
 */
function requestTarget(target: string): RequestTarget {
  let parsed = parsedTargets.get(target);
  if (!parsed) {
    if (parsedTargets.size >= 512) parsedTargets.clear();
    const url = new URL(target, 'http://gateway');
    const raw = /^\/services\/([^/?]+)/.exec(url.pathname)?.[1];
    parsed = { url, service: raw === undefined ? undefined : decodedSegment(raw) };
    parsedTargets.set(target, parsed);
  }
  return parsed;
}

/** A path segment with its %-escapes decoded; as written when they are malformed (it then names no proxy). */
function decodedSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Discards what is left of a request we answered early, so the connection can be reused. */
function drain(req: IncomingMessage): void {
  if (!req.complete) req.resume();
}
