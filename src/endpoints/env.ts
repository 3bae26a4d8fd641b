/** What endpoints need from the gateway around them. */
import { type MessageLimits } from '../message/limits.ts';
import { type SessionStore } from '../session/store.ts';

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
}
