/**
 * Synapse's endpoint state machine, for one address endpoint (Synapse's EndpointContext):
 *
 *   active ──(a <markForSuspension> code)──▶ timeout ──(retriesBeforeSuspension used up)──▶ suspended
 *   active ──(a <suspendOnFailure> code)───────────────────────────────────────────────────▶ suspended
 *   timeout / suspended ──(an answer)──▶ active
 *
 * - timeout: the endpoint still takes traffic, after `retryDelay`; each further such failure uses one
 *   of the `retriesBeforeSuspension` (per endpoint, not per message: parallel failures count each).
 * - suspended: no traffic until the suspension ends; the first suspension lasts `initialDuration`
 *   (a negative one, Integration Studio's -1, is the default: the gateway's, 30 s as in Synapse), each next one the last times
 *   `progressionFactor`, at most `maximumDuration`. When it ends, the next message is sent: an answer
 *   makes the endpoint active, a failure suspends it again for longer.
 * - A code in neither list (when `<suspendOnFailure><errorCodes>` names some) leaves the state alone.
 *
 * moor's active health check (health-check.ts) adds one way in and out of suspended: failed probes
 * suspend the endpoint until probes pass again, whatever traffic does meanwhile.
 *
 * One difference from Synapse, on purpose: the failures of requests that were already in flight when
 * the endpoint was suspended do not suspend it again (in Synapse, N parallel failures multiply the
 * suspension by progressionFactor^N). Time comes from an injected clock, so tests need no sleeps.
 */
import { type FailureDef } from '../config/endpoint-failure-def.ts';
import { type Clock } from '../session/clock.ts';
import { DEFAULT_TIMEOUT_CODES } from './failure-codes.ts';

/** Where an address endpoint is in Synapse's state machine. */
export type HealthState = 'active' | 'timeout' | 'suspended';

/** One change of state, told to every listener (logs, health, metrics) exactly once. */
export interface StateChange {
  /** The endpoint's id (`name@uri`, or the uri). */
  readonly endpoint: string;
  readonly from: HealthState;
  readonly to: HealthState;
  /** Why, in words: the failure (with its code) or what made it active again. */
  readonly reason: string;
  /** The Synapse error code of the failure, when a failure caused it. */
  readonly code: number | undefined;
  /** When it takes traffic again (ms since the epoch): the end of a suspension or of a retryDelay. */
  readonly until: number | undefined;
  /** When it changed (ms since the epoch, on the endpoint's clock). */
  readonly at: number;
}

/** Told of each state change. */
export type StateListener = (change: StateChange) => void;

export class EndpointHealth {
  private current: HealthState = 'active';
  private why = 'not failed yet';
  private lastCode: number | undefined;
  private changedAt: number;
  private retryAt = 0;
  /** Retries left in the timeout state; -1: not counted yet (the configured number). */
  private remaining = -1;
  /** The last suspension's length; -1: not suspended since it was last active. */
  private lastSuspendMs = -1;
  /** Counts suspensions: a request remembers it when sent, so a stale failure is known as one. */
  private suspensions = 0;
  /** Suspended by the active health check: only passing probes end it. */
  private probeDown = false;

  constructor(
    readonly endpoint: string,
    private readonly policy: FailureDef,
    /** The first suspension when the configuration gives none (the gateway's setting). */
    private readonly defaultSuspendMs: number,
    private readonly clock: Clock,
    private readonly listener: StateListener,
  ) {
    this.changedAt = clock.now();
  }

  /** The state now. */
  get state(): HealthState {
    return this.current;
  }

  /** Why it is in this state. */
  get reason(): string {
    return this.why;
  }

  /** The code of the failure that caused the state, if one did. */
  get code(): number | undefined {
    return this.lastCode;
  }

  /** When the state began. */
  get since(): number {
    return this.changedAt;
  }

  /** When a suspended or timed-out endpoint takes traffic again; undefined when active. */
  get until(): number | undefined {
    return this.current === 'active' || this.probeDown ? undefined : this.retryAt;
  }

  /** True while the active health check holds it out of service. */
  get outByHealthCheck(): boolean {
    return this.probeDown;
  }

  /** A token for a request being sent now; give it back to onFailure. */
  get generation(): number {
    return this.suspensions;
  }

  /** True when traffic may be sent now (Synapse's readyToSend). */
  ready(now: number): boolean {
    return !this.probeDown && (this.current === 'active' || now >= this.retryAt);
  }

  /** The endpoint answered: it is active again. Returns the change, if it was not active. */
  onSuccess(reason = 'it answered again'): StateChange | undefined {
    // an answer to a request sent before the probes failed does not undo their verdict
    if (this.current === 'active' || this.probeDown) return undefined;
    this.remaining = -1;
    this.lastSuspendMs = -1;
    return this.change('active', reason, undefined, undefined);
  }

  /**
   * A send failed with Synapse error `code`. `sentAt` is the generation read when the request was
   * sent. Returns the change it made, if any (the state is then `change.to`).
   */
  onFailure(code: number, message: string, sentAt: number): StateChange | undefined {
    const timeoutCodes = this.policy.timeoutCodes ?? DEFAULT_TIMEOUT_CODES;
    // a request sent before the latest suspension began tells nothing new
    if (this.current === 'suspended' && sentAt !== this.suspensions) return undefined;
    if (timeoutCodes.includes(code)) return this.markForSuspension(code, message);
    const suspendCodes = this.policy.suspendCodes;
    if (suspendCodes === undefined || suspendCodes.includes(code)) return this.suspend(code, message);
    return undefined;
  }

  /** The health check's probes failed `unhealthyThreshold` times in a row: suspended until they pass. */
  probeFailed(reason: string): StateChange | undefined {
    if (this.probeDown) return undefined;
    this.probeDown = true;
    this.suspensions++;
    return this.change('suspended', `health check failed: ${reason}`, undefined, undefined);
  }

  /** The probes passed `healthyThreshold` times in a row: back in service, as after an answer. */
  probePassed(reason: string): StateChange | undefined {
    if (!this.probeDown) return undefined;
    this.probeDown = false;
    this.remaining = -1;
    this.lastSuspendMs = -1;
    return this.change('active', `health check passed: ${reason}`, undefined, undefined);
  }

  /**
   * Takes over the state of the same endpoint in the configuration being replaced (a reload), so a
   * suspended backend stays suspended and its next suspension is as long as Synapse would make it.
   * Told to no listener: nothing changed.
   */
  adopt(previous: EndpointHealth): void {
    this.current = previous.current;
    this.why = previous.why;
    this.lastCode = previous.lastCode;
    this.changedAt = previous.changedAt;
    this.retryAt = previous.retryAt;
    this.remaining = previous.remaining;
    this.lastSuspendMs = previous.lastSuspendMs;
    this.suspensions = previous.suspensions;
    this.probeDown = previous.probeDown;
  }

  private markForSuspension(code: number, message: string): StateChange {
    const retries = this.remaining === -1 ? this.policy.retriesBeforeSuspension : this.remaining;
    if (retries <= 0) return this.suspend(code, `${message} (no retries before suspension left)`);
    this.remaining = retries - 1;
    const now = this.clock.now();
    this.retryAt = now + this.policy.retryDelayMs;
    return this.change('timeout', `${code} ${message}; ${this.remaining} more ${this.remaining === 1 ? 'failure' : 'failures'} before suspension`, code, this.retryAt);
  }

  private suspend(code: number, message: string): StateChange {
    const p = this.policy;
    // an unset initialDuration is Synapse's -1: it is negative after the cap too, so it becomes the default
    // (with Integration Studio's maximumDuration 0, the default first and capping it would give 0)
    let next = this.lastSuspendMs > 0 ? Math.floor(this.lastSuspendMs * p.progressionFactor) : (p.initialDurationMs ?? -1);
    // as Synapse: capped at maximumDuration; a negative result (a -1 duration or factor) is the default
    if (next > p.maximumDurationMs) next = p.maximumDurationMs;
    else if (next < 0) next = this.defaultSuspendMs;
    this.lastSuspendMs = next;
    this.suspensions++;
    this.retryAt = this.clock.now() + next;
    return this.change('suspended', `${code} ${message}; suspended for ${next} ms`, code, this.retryAt);
  }

  private change(to: HealthState, reason: string, code: number | undefined, until: number | undefined): StateChange {
    const from = this.current;
    this.current = to;
    this.why = reason;
    this.lastCode = code;
    this.changedAt = this.clock.now();
    const c: StateChange = { endpoint: this.endpoint, from, to, reason, code, until, at: this.changedAt };
    this.listener(c);
    return c;
  }
}
