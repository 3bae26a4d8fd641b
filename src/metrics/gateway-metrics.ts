/**
 * The gateway's Prometheus metrics (docs/operations.md lists each with its meaning):
 *
 *   moor_requests_total{proxy,status}            counter    answers to clients
 *   moor_request_duration_seconds{proxy}         histogram  request in → answer written
 *   moor_backend_requests_total{endpoint,outcome} counter   exchanges with address endpoints
 *   moor_backend_duration_seconds{endpoint}      histogram  request sent → response head received
 *   moor_sessions_created_total{group}           counter    sessions bound for the first time
 *   moor_sessions_rebound_total{group}           counter    sessions moved to another member
 *   moor_throttle_total{throttle,outcome,counts}  counter    <throttle> decisions (counts: store or local)
 *   moor_sessions_active{group}                  gauge      live bindings in the session store
 *   moor_sessions_count_truncated                gauge      1 when the count stopped at its limit
 *   moor_endpoint_state{endpoint,state}          gauge      1 for the current state of each address (active, timeout, suspended, draining)
 *   moor_store_up                                gauge      1 when the session store is healthy
 *   moor_access_log_dropped_lines_total          counter    access log lines dropped (buffer full)
 *   moor_access_log_failed_writes_total          counter    access log writes that failed
 *   moor_access_log_failed_reopens_total         counter    access log reopens (SIGHUP) that could not open the path
 *   process_*, nodejs_*                                     prom-client's process metrics
 *
 * Counters and histograms are updated on the per-message path through series bound once per label set
 * (series.ts); gauges, and the access log's counts (read-counter.ts), are read from the gateway when
 * scraped. No label ever holds a session id.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { type BackendOutcome, type EndpointObserver } from '../endpoints/env.ts';
import { type BindingCounts, type SessionStore } from '../session/store.ts';
import { promClient } from './prom-client.ts';
import { ReadCounter } from './read-counter.ts';
import { CounterFamily, type CounterSeries, HistogramFamily, type HistogramSeries } from './series.ts';

/** Bucket bounds (seconds) for request and backend durations: 1 ms to 10 s. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** How many bindings a scrape (and `GET /endpoints`) counts at most, by default (`moor start --session-count-limit`). */
export const DEFAULT_SESSION_COUNT_LIMIT = 100_000;

/** How long one count of the session store serves scrapes (ms): several scrapers must not rescan it. */
const COUNT_REUSE_MS = 1000;

/** States every address endpoint reports a series for (others appear when an endpoint is in them). */
const KNOWN_STATES = ['active', 'timeout', 'suspended', 'draining'] as const;

/** The gauges a scrape counts from the session store (one count serves every worker). */
const STORE_COUNTED = new Set(['moor_sessions_active', 'moor_sessions_count_truncated']);

/** What the access log has lost so far (server/access-log.ts counts it). */
export interface AccessLogCounts {
  /** Lines dropped because the buffer was full (the disk or the reader of stdout could not keep up). */
  readonly dropped: number;
  /** Writes that failed (their lines are lost). */
  readonly failed: number;
  /** Reopens (SIGHUP) that could not open the path: the lines went on to the file open before. */
  readonly failedReopens: number;
}

/** What a scrape reads from the running gateway. */
export interface MetricsSource {
  /** Every address endpoint of the configuration serving now, with its state. */
  addresses(): Iterable<{ readonly id: string; readonly state: string }>;
  /** Every group that binds sessions in the store (a zero is reported for each). */
  sessionGroups(): Iterable<string>;
  readonly store: SessionStore;
  /** The access log's counts of lost lines, when there is an access log (`--access-log`). */
  readonly accessLog?: AccessLogCounts | undefined;
}

export interface GatewayMetricsOptions {
  /** Include prom-client's process metrics (CPU, memory, event loop, GC); default true. */
  readonly processMetrics?: boolean;
  /** Most bindings one scrape counts (a Redis holding millions is scanned only so far). */
  readonly sessionCountLimit?: number;
}

/** The series of one proxy, bound on its first request. */
interface ProxySeries {
  readonly duration: HistogramSeries;
  /** By HTTP status (100–599). */
  readonly byStatus: (CounterSeries | undefined)[];
}

/** The series of one address endpoint, bound on its first exchange. */
interface BackendSeries {
  readonly duration: HistogramSeries;
  readonly byOutcome: Partial<Record<BackendOutcome, CounterSeries>>;
}

export class GatewayMetrics implements EndpointObserver {
  /** Every metric of this gateway; `registry.metrics()` is the text a scrape returns. */
  readonly registry = new (promClient().Registry)();
  private readonly requests = new CounterFamily('moor_requests_total', 'Requests answered, by proxy service and HTTP status', ['proxy', 'status']).register(this.registry);
  private readonly requestSeconds = new HistogramFamily('moor_request_duration_seconds', 'Time from a request’s arrival to the end of its answer, by proxy service', ['proxy'], DURATION_BUCKETS).register(this.registry);
  private readonly backendRequests = new CounterFamily('moor_backend_requests_total', 'Exchanges with backend address endpoints, by outcome (ok, fault, timeout, unreachable, aborted, error)', ['endpoint', 'outcome']).register(this.registry);
  private readonly backendSeconds = new HistogramFamily('moor_backend_duration_seconds', 'Time from sending a request to a backend to its response head', ['endpoint'], DURATION_BUCKETS).register(this.registry);
  private readonly created = new CounterFamily('moor_sessions_created_total', 'Sessions bound to a member for the first time, by group', ['group']).register(this.registry);
  private readonly rebound = new CounterFamily('moor_sessions_rebound_total', 'Sessions moved to another member because theirs failed, by group', ['group']).register(this.registry);
  private readonly throttled = new CounterFamily('moor_throttle_total', 'Requests a <throttle> let pass (accepted) or refused, by throttle id, and whether they were counted in the session store or, while it was degraded, by this node alone (local)', ['throttle', 'outcome', 'counts']).register(this.registry);
  private readonly proxies = new Map<string, ProxySeries>();
  private readonly backends = new Map<string, BackendSeries>();
  private source: MetricsSource | undefined;
  private counted: { at: number; counts: Promise<BindingCounts | undefined> } | undefined;
  private readonly sessionCountLimit: number;

  constructor(options: GatewayMetricsOptions = {}) {
    this.sessionCountLimit = options.sessionCountLimit ?? DEFAULT_SESSION_COUNT_LIMIT;
    const { collectDefaultMetrics, Gauge } = promClient();
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    // (`this` inside collect() is the gauge; the gateway is reached through `metrics`)
    const metrics = this;
    new Gauge({
      name: 'moor_sessions_active',
      help: 'Live session bindings in the session store, by group (with Redis: those of every gateway node)',
      labelNames: ['group'],
      registers: [this.registry],
      // every worker reads the same store: one worker's count is the count
      aggregator: 'first',
      async collect() {
        this.reset();
        const counts = await metrics.sessionCounts();
        if (!counts) return;
        for (const g of metrics.source?.sessionGroups() ?? []) this.set({ group: g }, 0);
        for (const [g, n] of Object.entries(counts.byGroup)) this.set({ group: g }, n);
      },
    });
    new Gauge({
      name: 'moor_sessions_count_truncated',
      help: 'Whether the last count of moor_sessions_active stopped at its limit (then the counts are lower bounds)',
      registers: [this.registry],
      aggregator: 'max',
      async collect() {
        this.set((await metrics.sessionCounts())?.truncated ? 1 : 0);
      },
    });
    new Gauge({
      name: 'moor_endpoint_state',
      help: 'The state of each address endpoint: 1 for the state it is in, 0 for the others (with --workers: 1 when any worker sees it so)',
      labelNames: ['endpoint', 'state'],
      registers: [this.registry],
      aggregator: 'max',
      collect() {
        this.reset();
        for (const e of metrics.source?.addresses() ?? []) {
          for (const s of KNOWN_STATES) this.set({ endpoint: e.id, state: s }, e.state === s ? 1 : 0);
          if (!(KNOWN_STATES as readonly string[]).includes(e.state)) this.set({ endpoint: e.id, state: e.state }, 1);
        }
      },
    });
    // (counted by the access log itself, which warns of them with metrics or without; summed over --workers)
    new ReadCounter('moor_access_log_dropped_lines_total', 'Access log lines dropped because more than --access-log-buffer-bytes waited for the disk or the reader of stdout', () => metrics.source?.accessLog?.dropped).register(this.registry);
    new ReadCounter('moor_access_log_failed_writes_total', 'Access log writes that failed (a full disk, a closed stdout), their lines lost', () => metrics.source?.accessLog?.failed).register(this.registry);
    new ReadCounter('moor_access_log_failed_reopens_total', 'Access log reopens (SIGHUP, for rotation) that could not open the path, so that the lines went on to the file open before', () => metrics.source?.accessLog?.failedReopens).register(this.registry);
    new Gauge({
      name: 'moor_store_up',
      help: 'Whether the session store answers (1), or the gateway routes with local bindings because it does not (0)',
      registers: [this.registry],
      aggregator: 'min',
      collect() {
        this.set(metrics.source && metrics.source.store.health !== 'ok' ? 0 : 1);
      },
    });
  }

  /** Requests answered so far, over every proxy and status (the console's request rate). */
  requestsTotal(): number {
    let n = 0;
    for (const p of this.proxies.values()) for (const c of p.byStatus) if (c) n += c.value;
    return n;
  }

  /**
   * Every metric as prom-client's JSON (what AggregatorRegistry merges), for the primary of
   * `--workers N`. `countSessions` false leaves out the gauges counted from the session store: every
   * worker reads the same store, so the primary has one worker count it rather than all of them.
   */
  async snapshot(countSessions: boolean): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    // (each metric of a registry has get(), as getMetricsAsJSON calls it; the typings leave it out)
    const metrics = this.registry.getMetricsAsArray().filter((m) => countSessions || !STORE_COUNTED.has(m.name)) as unknown as { get(): Promise<MetricObjectWithValues<MetricValue<string>>> }[];
    return Promise.all(metrics.map((m) => m.get()));
  }

  /** Reads gauges from `source` from now on (the gateway, once started). */
  watch(source: MetricsSource): void {
    this.source = source;
    this.counted = undefined;
  }

  /** One request of `proxy` answered with `status` after `seconds`. */
  request(proxy: string, status: number, seconds: number): void {
    let p = this.proxies.get(proxy);
    if (!p) this.proxies.set(proxy, (p = { duration: this.requestSeconds.series(proxy), byStatus: [] }));
    const code = status >= 100 && status <= 599 ? status : 0;
    (p.byStatus[code] ??= this.requests.series(proxy, String(code))).value++;
    p.duration.observe(seconds);
  }

  backend(endpoint: string, outcome: BackendOutcome, seconds: number): void {
    let b = this.backends.get(endpoint);
    if (!b) this.backends.set(endpoint, (b = { duration: this.backendSeconds.series(endpoint), byOutcome: {} }));
    (b.byOutcome[outcome] ??= this.backendRequests.series(endpoint, outcome)).value++;
    b.duration.observe(seconds);
  }

  session(group: string, outcome: 'new' | 'rebound'): void {
    (outcome === 'new' ? this.created : this.rebound).series(group).value++;
  }

  throttle(id: string, outcome: 'accepted' | 'refused', counts: 'store' | 'local'): void {
    this.throttled.series(id, outcome, counts).value++;
  }

  /**
   * The store's counts, shared by the scrapes of one second; undefined before a source is watched or when
   * the store could not count (the gauge is then left out of the scrape rather than failing it).
   */
  private sessionCounts(): Promise<BindingCounts | undefined> {
    const source = this.source;
    if (!source) return Promise.resolve(undefined);
    const now = Date.now();
    if (!this.counted || now - this.counted.at > COUNT_REUSE_MS) {
      const counts = source.store.count(this.sessionCountLimit).catch(() => {
        // a failed count is not kept: the next scrape tries again
        this.counted = undefined;
        return undefined;
      });
      this.counted = { at: now, counts };
    }
    return this.counted.counts;
  }
}
