/**
 * What the admin API can do to a running gateway, independent of HTTP: the routes (routes.ts) call
 * this. One process serves it from its Gateway (local-operations.ts); with `moor start --workers N`
 * every worker's admin listener hands each call to the primary, which asks all workers and merges
 * their answers (cluster-operations.ts).
 */
import { type BindingFilter } from '../session/store.ts';
import { type EndpointsView, type ReloadOutcome, type SessionsView, type TrafficView } from './views.ts';

/** Most bindings `GET /sessions` returns, and its default. */
export const MAX_SESSION_LIST = 10_000;
export const DEFAULT_SESSION_LIST = 100;

export interface Operations {
  /** Every group and address endpoint with its state, in-flight requests and live sessions. */
  endpoints(): Promise<EndpointsView>;
  /** Live session bindings matching `filter`, at most `limit`. */
  sessions(filter: BindingFilter, limit: number): Promise<SessionsView>;
  /**
   * Forgets the binding of `session` in `group`: its next message is bound anew. Resolves to false when
   * there was none; throws OpsError(404) for a group that binds no sessions.
   */
  forgetSession(group: string, session: string): Promise<boolean>;
  /** Loads the configuration anew, as SIGHUP does; its problems when it could not. */
  reload(): Promise<ReloadOutcome>;
  /** The Prometheus exposition (text format 0.0.4). */
  metrics(): Promise<string>;
  /** Requests answered per interval over the last minutes. */
  traffic(): Promise<TrafficView>;
}

/** An operator's mistake or a missing thing, with the HTTP status the admin API answers it with. */
export class OpsError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
