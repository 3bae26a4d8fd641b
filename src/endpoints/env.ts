/** What endpoints need from the gateway around them. */
import { type Logger } from '../logging.ts';
import { type MessageLimits } from '../message/limits.ts';
import { type Clock } from '../session/clock.ts';
import { type SessionStore } from '../session/store.ts';
import { type AddressEndpoint } from './address.ts';
import { type OutboundRequest, type RawResponse } from './outbound-request.ts';

/**
 * Sends one request of `endpoint` instead of the HTTP edge (the testing API's mocks): same contract as
 * Outbound.send, plus the endpoint itself so that a mock can be chosen by its name.
 */
export type OutboundSend = (id: string, request: OutboundRequest, endpoint: AddressEndpoint) => Promise<RawResponse>;

/** How one exchange with a backend ended: an answer (`fault` when its status is 5xx), or why none came. */
export type BackendOutcome = 'ok' | 'fault' | 'timeout' | 'unreachable' | 'aborted' | 'error';

/**
 * Told of what endpoints (and the throttle, which reaches the metrics through them) do, for metrics. Called on the per-message path: an implementation does no
 * more than count.
 */
export interface EndpointObserver {
  /** One exchange with the address endpoint `endpoint` ended after `seconds` (until the response head). */
  backend(endpoint: string, outcome: BackendOutcome, seconds: number): void;
  /** A session of `group` was bound for the first time, or moved to another member. */
  session(group: string, outcome: 'new' | 'rebound'): void;
  /**
   * A <throttle> (by id) let a request pass or refused it; `counts`: in the session store, or this
   * node's own because the store is degraded (Redis away).
   */
  throttle?(id: string, outcome: 'accepted' | 'refused', counts: 'store' | 'local'): void;
}

export interface EndpointEnv {
  readonly limits: MessageLimits;
  /** Used when an address has no <timeout>. */
  readonly defaultTimeoutMs: number;
  /** How long a failed address stays out of rotation when it has no <suspendOnFailure>. */
  readonly defaultSuspendMs: number;
  /** Where session bindings live. */
  readonly store: SessionStore;
  /** Where user modules (class dispatchers) are resolved from. */
  readonly baseDir: string;
  /** Time for suspension and balancing; the wall clock when not given (the testing API injects one). */
  readonly clock?: Clock;
  /** Where endpoint state changes are logged (once each); not logged when not given. */
  readonly log?: Logger;
  /** Replaces the HTTP edge for address endpoints (the testing API's in-process mocks). */
  readonly send?: OutboundSend;
  /** Told of every backend exchange and session binding (the metrics), if given. */
  readonly observer?: EndpointObserver | undefined;
}
