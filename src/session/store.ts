/**
 * The session binding table: session key → endpoint name, with expiry. One interface, two homes: the
 * process's memory (default) or Redis (shared by several gateway nodes).
 */

import { type MaybePromise } from '../maybe-promise.ts';

/** A session bound to an endpoint. `endpoint` is the endpoint's stable name, never a position. */
export interface Binding {
  readonly key: string;
  readonly endpoint: string;
  /** Epoch ms after which the binding is gone (as last refreshed). */
  readonly expiresAt: number;
}

/**
 * A binding as a write returns it. `confirmed`, from a durable store, settles once a replica holds the
 * write (or the store stopped waiting for one): the session's answer must not leave before it does.
 */
export interface Written extends Binding {
  readonly confirmed?: Promise<void>;
}

/**
 * A fixed window of `windowMs` that opens at a key's first request. The request that passes `max`
 * starts a prohibition of `prohibitMs` when that is above 0 (else the caller waits for the window's
 * end); when either ends, the next request opens a new window.
 */
export interface CounterRule {
  readonly max: number;
  readonly windowMs: number;
  readonly prohibitMs: number;
}

/** What a hit returns: the requests counted in the window so far (this one included), and when it ends. */
export interface CounterHit {
  readonly count: number;
  readonly resetInMs: number;
}

/** How a binding ages: sliding (each use extends it) or absolute (Synapse's behaviour). */
export type Expiry = 'sliding' | 'absolute';

export interface SessionStore {
  /**
   * The binding of `key`; with sliding expiry, reading it extends it by `ttlMs`. A store that holds
   * the table in memory answers at once; one across the network, with a promise.
   */
  get(key: string, expiry: Expiry, ttlMs: number): MaybePromise<Binding | undefined>;
  /** Binds `key` to `endpoint` unless it is bound already; either way returns the binding that holds. */
  claim(key: string, endpoint: string, ttlMs: number): Promise<Written>;
  /**
   * Moves `key` from endpoint `from` to `to`, but only if it is still bound to `from` (or unbound):
   * concurrent rebinds converge on one endpoint. Returns the binding that holds afterwards.
   */
  rebind(key: string, from: string, to: string, ttlMs: number): Promise<Written>;
  /** Forgets `key`. */
  delete(key: string): Promise<void>;
  /**
   * Counts one request against the fixed-window counter `key` (the `<throttle>` mediator's), atomically
   * for every node that shares this store; see {@link CounterRule}. Counters live apart from bindings:
   * they are never listed or counted as sessions.
   */
  hit(key: string, rule: CounterRule): Promise<CounterHit>;
  /**
   * Live bindings that match `filter`, at most `limit` of them, for operators (the admin API). Bounded:
   * a store across the network stops scanning after a bounded number of keys and says so.
   */
  list(filter: BindingFilter, limit: number): Promise<BindingPage>;
  /** Live bindings counted per group and per endpoint, looking at no more than `limit` of them (metrics). */
  count(limit: number): Promise<BindingCounts>;
  /**
   * True when several gateway nodes share the bindings through this store and each decides alone
   * while it is unreachable (Redis); false or absent for one table (memory, the workers' IPC store).
   */
  readonly acrossNodes?: boolean;
  /**
   * Durable mode only: writes a replica confirmed, writes answered without a confirmation, and bindings
   * found on a replica while the primary was away (the health endpoint shows them).
   */
  readonly durability?: { readonly confirmed: number; readonly unconfirmed: number; readonly readFromReplica: number } | undefined;
  /** Health of the store, for the health endpoint. */
  readonly health: 'ok' | 'degraded';
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/**
 * The store key of session `key` in group `group`: sessions are scoped to the group that holds the
 * <session>, and operators list and count them by that group.
 */
export function storeKeyOf(group: string, key: string): string {
  return `${group}|${key}`;
}

/** The group and session of a store key made by {@link storeKeyOf} (a group name holds no `|`). */
export function splitStoreKey(storeKey: string): { readonly group: string; readonly session: string } {
  const bar = storeKey.indexOf('|');
  return bar < 0 ? { group: '', session: storeKey } : { group: storeKey.slice(0, bar), session: storeKey.slice(bar + 1) };
}

/** Which bindings an operator asks for; every field narrows. */
export interface BindingFilter {
  /** Only the sessions of this group. */
  readonly group?: string | undefined;
  /** Only sessions bound to this endpoint id (`name@uri`). */
  readonly endpoint?: string | undefined;
}

/** A bounded answer to {@link SessionStore.list}. */
export interface BindingPage {
  readonly bindings: readonly Binding[];
  /** True when more bindings may match than were returned (the limit, or the scan's bound, was reached). */
  readonly truncated: boolean;
}

/** Live bindings counted by {@link SessionStore.count}. */
export interface BindingCounts {
  readonly byGroup: Readonly<Record<string, number>>;
  readonly byEndpoint: Readonly<Record<string, number>>;
  /** True when the count stopped at its limit (the numbers are then lower bounds). */
  readonly truncated: boolean;
}

/** True when `b` matches `filter`. */
export function matchesFilter(b: Binding, filter: BindingFilter): boolean {
  if (filter.endpoint !== undefined && b.endpoint !== filter.endpoint) return false;
  return filter.group === undefined || b.key.startsWith(`${filter.group}|`);
}

/** Adds `b` to the counts in `byGroup` and `byEndpoint`. */
export function tally(b: Binding, byGroup: Record<string, number>, byEndpoint: Record<string, number>): void {
  const group = splitStoreKey(b.key).group;
  byGroup[group] = (byGroup[group] ?? 0) + 1;
  byEndpoint[b.endpoint] = (byEndpoint[b.endpoint] ?? 0) + 1;
}
