/**
 * What the admin API answers, as JSON: the shapes the routes write, the CLI prints and the console
 * draws. One definition for all three, so that they cannot drift apart.
 */
import { type HealthState } from '../endpoints/suspension.ts';

/** One address endpoint as an operator sees it (`GET /endpoints`). */
export interface AddressView {
  /** `name@uri`, or the uri of an unnamed address: what drain, metrics and bindings name it by. */
  readonly id: string;
  /** Synapse's state: active, timeout or suspended (draining is separate, below). */
  readonly state: HealthState;
  /** Keeps its sessions, takes no new ones. */
  readonly draining: boolean;
  /** Why it is in its state. */
  readonly reason: string;
  /** The Synapse error code that caused the state, if a failure did. */
  readonly code?: number;
  /** Since when it is in this state (ISO 8601). */
  readonly since: string;
  /** When a suspended or timed-out endpoint takes traffic again (ISO 8601). */
  readonly until?: string;
  /** Milliseconds until then, as of the answer. */
  readonly remainingMs?: number;
  /** Requests sent and not answered yet (with --workers: summed over the workers). */
  readonly inFlight: number;
  /** Live session bindings to it in the session store (a lower bound when `sessionsTruncated`). */
  readonly sessions: number;
}

/** A load-balance or failover group (`GET /endpoints`). */
export interface GroupView {
  readonly id: string;
  readonly kind: 'loadbalance' | 'failover';
  /** `table` for groups that bind sessions in the store, `cookie` for insert-mode cookies, absent without a session. */
  readonly session?: 'table' | 'cookie';
  readonly draining: boolean;
  /** The ids of its address endpoints, in member order. */
  readonly members: readonly string[];
  /** Live session bindings of this group in the store. */
  readonly sessions: number;
}

/** `GET /endpoints` */
export interface EndpointsView {
  readonly groups: readonly GroupView[];
  readonly endpoints: readonly AddressView[];
  /** True when the session counts stopped at their limit (the numbers are then lower bounds). */
  readonly sessionsTruncated: boolean;
  /** How many worker processes answered (with --workers; 1 otherwise). */
  readonly workers: number;
}

/** One session binding (`GET /sessions`). */
export interface SessionView {
  readonly group: string;
  /** The session id (the admin API is behind the token; metrics and the access log never show it). */
  readonly session: string;
  readonly endpoint: string;
  /** When the binding expires unless used (ISO 8601). */
  readonly expires: string;
}

/** `GET /sessions` */
export interface SessionsView {
  readonly sessions: readonly SessionView[];
  /** True when more bindings may match than were returned. */
  readonly truncated: boolean;
  readonly limit: number;
}

/** One problem of a configuration that was not loaded, where it is. */
export interface ConfigProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly code: string;
  readonly message: string;
}

/** The outcome of `POST /reload`. */
export type ReloadOutcome =
  | { readonly reloaded: true; readonly warnings: readonly ConfigProblem[] }
  | { readonly reloaded: false; readonly error: string; readonly errors: readonly ConfigProblem[] };

/** `GET /traffic`: requests answered per interval over the last minutes (the console's chart). */
export interface TrafficView {
  readonly intervalMs: number;
  /** Requests answered in each past interval, oldest first (at most the history's length). */
  readonly perInterval: readonly number[];
  /** Requests answered since the gateway started (with --workers: by the workers serving now). */
  readonly total: number;
}
