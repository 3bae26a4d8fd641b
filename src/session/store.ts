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

/** How a binding ages: sliding (each use extends it) or absolute (Synapse's behaviour). */
export type Expiry = 'sliding' | 'absolute';

export interface SessionStore {
  /**
   * The binding of `key`; with sliding expiry, reading it extends it by `ttlMs`. A store that holds
   * the table in memory answers at once; one across the network, with a promise.
   */
  get(key: string, expiry: Expiry, ttlMs: number): MaybePromise<Binding | undefined>;
  /** Binds `key` to `endpoint` unless it is bound already; either way returns the binding that holds. */
  claim(key: string, endpoint: string, ttlMs: number): Promise<Binding>;
  /**
   * Moves `key` from endpoint `from` to `to`, but only if it is still bound to `from` (or unbound):
   * concurrent rebinds converge on one endpoint. Returns the binding that holds afterwards.
   */
  rebind(key: string, from: string, to: string, ttlMs: number): Promise<Binding>;
  /** Forgets `key`. */
  delete(key: string): Promise<void>;
  /** Health of the store, for the health endpoint. */
  readonly health: 'ok' | 'degraded';
  /** Releases connections and timers. */
  close(): Promise<void>;
}
