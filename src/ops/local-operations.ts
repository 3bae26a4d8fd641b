/**
 * The admin operations of one gateway process: read from its Gateway (endpoints, the session store)
 * and its GatewayMetrics. `moor start` serves these on the admin listener; with --workers each worker
 * answers them for the primary (cluster-operations.ts).
 */
import { GroupEndpoint } from '../endpoints/group.ts';
import { DEFAULT_SESSION_COUNT_LIMIT, type GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { type Runtime } from '../server/runtime.ts';
import { type BindingCounts, type BindingFilter, type SessionStore, splitStoreKey, storeKeyOf } from '../session/store.ts';
import { type Operations, OpsError } from './operations.ts';
import { TrafficHistory } from './traffic.ts';
import { type AddressView, type EndpointsView, type GroupView, type ReloadOutcome, type SessionsView, type TrafficView } from './views.ts';

/** What the operations need of the gateway (the Gateway class has all of it). */
export interface OperatedGateway {
  readonly current: Runtime;
  readonly store: SessionStore;
}

export interface LocalOperationsOptions {
  readonly metrics: GatewayMetrics;
  /** The reload that SIGHUP runs (queued behind any running one). */
  readonly reload: () => Promise<ReloadOutcome>;
  /** Most bindings counted for the live-session numbers. */
  readonly sessionCountLimit?: number;
  /** Wall-clock time in ms (remaining suspension times are computed from it). */
  readonly now?: () => number;
}

export class LocalOperations implements Operations {
  /** The request rate of this process (sampled only when it serves the admin API itself: `start`). */
  readonly history = new TrafficHistory(() => this.requestsTotal());

  constructor(
    private readonly gw: OperatedGateway,
    private readonly options: LocalOperationsOptions,
  ) {}

  async endpoints(): Promise<EndpointsView> {
    const counts = await this.gw.store.count(this.options.sessionCountLimit ?? DEFAULT_SESSION_COUNT_LIMIT);
    return endpointsView(this.gw.current, counts, (this.options.now ?? Date.now)());
  }

  async sessions(filter: BindingFilter, limit: number): Promise<SessionsView> {
    if (filter.group !== undefined) this.sessionGroup(filter.group);
    const page = await this.gw.store.list(filter, limit);
    const sessions = page.bindings.map((b) => {
      const { group, session } = splitStoreKey(b.key);
      return { group, session, endpoint: b.endpoint, expires: new Date(b.expiresAt).toISOString() };
    });
    return { sessions, truncated: page.truncated, limit };
  }

  async forgetSession(group: string, session: string): Promise<boolean> {
    this.sessionGroup(group);
    const key = storeKeyOf(group, session);
    // (an absolute read does not extend the binding it reads)
    const had = await this.gw.store.get(key, 'absolute', 1);
    if (!had) return false;
    await this.gw.store.delete(key);
    return true;
  }

  reload(): Promise<ReloadOutcome> {
    return this.options.reload();
  }

  metrics(): Promise<string> {
    return this.options.metrics.registry.metrics();
  }

  traffic(): Promise<TrafficView> {
    return this.history.view();
  }

  async requestsTotal(): Promise<number> {
    return this.options.metrics.requestsTotal();
  }

  /** This process's metrics as prom-client JSON (for the primary of --workers to merge). */
  snapshot(countSessions: boolean): ReturnType<GatewayMetrics['snapshot']> {
    return this.options.metrics.snapshot(countSessions);
  }

  /** Throws 404 unless `group` binds sessions in the store. */
  private sessionGroup(group: string): void {
    const groups = this.gw.current.endpoints.sessionGroups();
    if (!groups.includes(group)) {
      throw new OpsError(404, `no group named ${group} binds sessions${groups.length ? ` (groups that do: ${groups.join(', ')})` : ' (none does)'}`);
    }
  }
}

/** The endpoints of `runtime` with the live sessions of `counts`, as of `now`. */
export function endpointsView(runtime: Runtime, counts: BindingCounts, now: number): EndpointsView {
  const endpoints = runtime.endpoints.statuses().map((s): AddressView => {
    const until = s.state === 'active' ? undefined : s.suspendedUntil;
    return {
      id: s.id,
      state: s.state,
      draining: s.draining,
      reason: s.reason,
      ...(s.code !== undefined ? { code: s.code } : {}),
      since: new Date(s.since).toISOString(),
      ...(until !== undefined ? { until: new Date(until).toISOString(), remainingMs: Math.max(0, until - now) } : {}),
      inFlight: s.inFlight,
      sessions: counts.byEndpoint[s.id] ?? 0,
    };
  });
  const groups: GroupView[] = [];
  for (const e of runtime.endpoints.all()) {
    if (!(e instanceof GroupEndpoint)) continue;
    const session = runtime.endpoints.affinityOf(e);
    groups.push({
      id: e.id,
      kind: e.def.kind,
      ...(session ? { session } : {}),
      draining: e.draining,
      members: [...new Set([...e.leaves()].map((l) => l.id))],
      sessions: counts.byGroup[e.id] ?? 0,
    });
  }
  return { groups, endpoints, sessionsTruncated: counts.truncated, workers: 1 };
}
