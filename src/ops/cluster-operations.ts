/**
 * The admin operations of `moor start --workers N`. Every worker listens on the admin port (node:cluster
 * shares it), so any worker may take an admin call; it hands the call to the primary, which asks every
 * worker and merges their answers into one — an operator (and Prometheus) sees one gateway, not N
 * processes, whichever worker answered.
 *
 * - endpoints: every worker's view merged; an address is in the most severe state any worker sees it
 *   in (suspended, then timeout, then active: each worker runs Synapse's state machine on its own
 *   traffic), its in-flight requests summed. Live sessions are counted once (the store is shared).
 * - metrics: each worker's registry as prom-client JSON, merged by prom-client's
 *   AggregatorRegistry.aggregate with the primary's own process metrics (counters and histograms
 *   summed, gauges by their aggregator). We ask over moor's own channel rather than with
 *   AggregatorRegistry.clusterMetrics(): that one fails the whole scrape (after 5 s) when one worker
 *   does not answer — a worker being replaced — and has every worker count the session store; here a
 *   silent worker is left out and one worker counts.
 * - sessions, forgetting one: asked of one worker (every worker reads the same store).
 * - reload: every worker reloads; the first failure is the answer (they load the same files).
 * - traffic: the primary samples the workers' request totals, so the history outlives any one worker.
 * (Drain and undrain are the admin listener's own routes: the worker that takes one relays it.)
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { promClient } from '../metrics/prom-client.ts';
import { type HealthState } from '../endpoints/suspension.ts';
import { type IpcChannel } from '../session/ipc-store.ts';
import { type BindingFilter } from '../session/store.ts';
import { answerOver, callOver } from './ipc-calls.ts';
import { type LocalOperations } from './local-operations.ts';
import { type Operations, OpsError } from './operations.ts';
import { TrafficHistory } from './traffic.ts';
import { type AddressView, type EndpointsView, type ReloadOutcome, type SessionsView, type TrafficView } from './views.ts';

type Snapshot = MetricObjectWithValues<MetricValue<string>>[];

/** What the primary asks a worker. */
interface WorkerOps {
  endpoints(): Promise<EndpointsView>;
  sessions(filter: BindingFilter, limit: number): Promise<SessionsView>;
  forgetSession(group: string, session: string): Promise<boolean>;
  reload(): Promise<ReloadOutcome>;
  snapshot(countSessions: boolean): Promise<Snapshot>;
  requestsTotal(): Promise<number>;
}

/** Tags of the two directions (ipc-calls.ts). */
const TO_WORKER = 'ops-worker';
const TO_PRIMARY = 'ops-primary';

/** A worker as the primary sees it. */
export interface WorkerChannel extends IpcChannel {
  isConnected(): boolean;
}

/** How long one process waits for another (a reload may load user modules). */
const ANSWER_MS = 5000;
const RELOAD_MS = 60_000;

const SEVERITY: Record<HealthState, number> = { active: 0, timeout: 1, suspended: 2 };

/** In the primary: the operations of the whole gateway, asked of its workers. */
export class ClusterOperations implements Operations {
  /** The primary's own process metrics (its CPU and memory are the gateway's too). */
  private readonly own = new (promClient().Registry)();
  readonly history = new TrafficHistory(async () => (await this.fromAll('requestsTotal', [])).reduce((a, b) => a + b, 0));

  constructor(private readonly workers: () => Iterable<WorkerChannel>) {
    promClient().collectDefaultMetrics({ register: this.own });
  }

  /** Answers the operations a worker hands on; returns what stops it. */
  serve(worker: IpcChannel): () => void {
    return answerOver(worker, TO_PRIMARY, {
      endpoints: () => this.endpoints(),
      sessions: (f: BindingFilter, l: number) => this.sessions(f, l),
      forgetSession: (g: string, s: string) => this.forgetSession(g, s),
      reload: () => this.reload(),
      metrics: () => this.metrics(),
      traffic: () => this.traffic(),
    });
  }

  async endpoints(): Promise<EndpointsView> {
    const views = await this.fromAll('endpoints', []);
    if (!views.length) throw new OpsError(503, 'no worker process answered');
    return mergeEndpoints(views);
  }

  sessions(filter: BindingFilter, limit: number): Promise<SessionsView> {
    return this.fromOne('sessions', [filter, limit]);
  }

  forgetSession(group: string, session: string): Promise<boolean> {
    return this.fromOne('forgetSession', [group, session]);
  }

  async reload(): Promise<ReloadOutcome> {
    const outcomes = await this.fromAll('reload', [], RELOAD_MS);
    if (!outcomes.length) return { reloaded: false, error: 'no worker process answered', errors: [] };
    return outcomes.find((o) => !o.reloaded) ?? outcomes[0]!;
  }

  async metrics(): Promise<string> {
    const channels = this.connected();
    const snapshots = await Promise.all(channels.map((w, i) => callOver<WorkerOps, 'snapshot'>(w, TO_WORKER, 'snapshot', [i === 0], ANSWER_MS).catch(() => undefined)));
    const all = [...snapshots.filter((s): s is Snapshot => s !== undefined), await this.own.getMetricsAsJSON()];
    return promClient().AggregatorRegistry.aggregate(all).metrics();
  }

  traffic(): Promise<TrafficView> {
    return this.history.view();
  }

  private connected(): WorkerChannel[] {
    return [...this.workers()].filter((w) => w.isConnected());
  }

  /** What every connected worker answers (one that fails or stays silent is left out). */
  private async fromAll<O extends keyof WorkerOps>(op: O, args: Parameters<WorkerOps[O]>, ms = ANSWER_MS): Promise<Awaited<ReturnType<WorkerOps[O]>>[]> {
    const answers = await Promise.allSettled(this.connected().map((w) => callOver<WorkerOps, O>(w, TO_WORKER, op, args, ms)));
    // an operator's mistake (a 404) is every worker's: pass it on
    const refused = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected' && a.reason instanceof OpsError);
    if (refused) throw refused.reason;
    return answers.filter((a) => a.status === 'fulfilled').map((a) => a.value);
  }

  private fromOne<O extends keyof WorkerOps>(op: O, args: Parameters<WorkerOps[O]>): Promise<Awaited<ReturnType<WorkerOps[O]>>> {
    const w = this.connected()[0];
    if (!w) return Promise.reject(new OpsError(503, 'no worker process answered'));
    return callOver<WorkerOps, O>(w, TO_WORKER, op, args, ANSWER_MS);
  }
}

/** In a worker: answers the primary's questions from this process's gateway. Returns what stops it. */
export function answerPrimary(channel: IpcChannel, local: LocalOperations): () => void {
  return answerOver(channel, TO_WORKER, {
    endpoints: () => local.endpoints(),
    sessions: (f: BindingFilter, l: number) => local.sessions(f, l),
    forgetSession: (g: string, s: string) => local.forgetSession(g, s),
    reload: () => local.reload(),
    snapshot: (c: boolean) => local.snapshot(c),
    requestsTotal: () => local.requestsTotal(),
  } satisfies WorkerOps);
}

/** In a worker: the operations its admin listener serves, each handed to the primary. */
export class PrimaryOperations implements Operations {
  constructor(private readonly primary: IpcChannel) {}

  endpoints(): Promise<EndpointsView> {
    return this.call('endpoints', []);
  }
  sessions(filter: BindingFilter, limit: number): Promise<SessionsView> {
    return this.call('sessions', [filter, limit]);
  }
  forgetSession(group: string, session: string): Promise<boolean> {
    return this.call('forgetSession', [group, session]);
  }
  reload(): Promise<ReloadOutcome> {
    return this.call('reload', [], RELOAD_MS + ANSWER_MS);
  }
  metrics(): Promise<string> {
    return this.call('metrics', []);
  }
  traffic(): Promise<TrafficView> {
    return this.call('traffic', []);
  }

  private call<O extends keyof Operations>(op: O, args: Parameters<Operations[O]>, ms = 2 * ANSWER_MS): Promise<Awaited<ReturnType<Operations[O]>>> {
    return callOver<Operations, O>(this.primary, TO_PRIMARY, op, args, ms);
  }
}

/** One view of every worker's: states at their most severe, in-flight summed, sessions counted once. */
export function mergeEndpoints(views: readonly EndpointsView[]): EndpointsView {
  const first = views[0]!;
  const byId = new Map<string, AddressView>();
  for (const v of views) {
    for (const e of v.endpoints) {
      const seen = byId.get(e.id);
      if (!seen) byId.set(e.id, e);
      else {
        const worse = SEVERITY[e.state] > SEVERITY[seen.state] ? e : seen;
        byId.set(e.id, { ...worse, draining: seen.draining || e.draining, inFlight: seen.inFlight + e.inFlight, sessions: seen.sessions });
      }
    }
  }
  return { groups: first.groups, endpoints: [...byId.values()], sessionsTruncated: first.sessionsTruncated, workers: views.length };
}
