/**
 * An address endpoint's error handling as configured, Synapse's grammar (read by address endpoints and
 * by any other leaf endpoint that takes the same children):
 *
 *   <timeout>
 *     <duration>ms</duration>?
 *     <responseAction>fault|discard|never</responseAction>?
 *   </timeout>?
 *   <markForSuspension>
 *     <errorCodes>101504,101505</errorCodes>?           (codes that put it in the timeout state)
 *     <retriesBeforeSuspension>n</retriesBeforeSuspension>?
 *     <retryDelay>ms</retryDelay>?
 *   </markForSuspension>?
 *   <suspendOnFailure>
 *     <errorCodes>101503,…</errorCodes>?                (codes that suspend it at once; default: all others)
 *     <initialDuration>ms</initialDuration>?            (-1, or absent: the default, 30000)
 *     <progressionFactor>r</progressionFactor>?
 *     <maximumDuration>ms</maximumDuration>?
 *   </suspendOnFailure>?
 *   <suspendDurationOnFailure>seconds</suspendDurationOnFailure>?   (Synapse's older form of initialDuration)
 *   <retryConfig>
 *     <disabledErrorCodes>…</disabledErrorCodes>? | <enabledErrorCodes>…</enabledErrorCodes>?
 *   </retryConfig>?
 *
 * Numbers are as Synapse reads them: `-1` for a duration means "the default", an error code list of
 * `-1` names no real code (so nothing matches: Synapse's documented way to turn suspension off).
 */
import { type ConfigNode } from './node.ts';

/** The codes of failures before any byte of the request left: connection failed, connection closed before sending, connect timeout. */
export const RETRYABLE_CODES: readonly number[] = [101503, 101505, 101508];

/** What a timed-out request does (Synapse's responseAction). */
export type TimeoutAction = 'fault' | 'discard' | 'never';

export interface FailureDef {
  /** ms to wait for the answer; undefined: the gateway's default. */
  readonly timeoutMs: number | undefined;
  /** fault (default): the fault sequence runs; discard: the client gets the fault at once; never: no endpoint timeout. */
  readonly timeoutAction: TimeoutAction;
  /** Codes that put the endpoint in the timeout state; undefined: Synapse's default (101504, 101505). */
  readonly timeoutCodes: readonly number[] | undefined;
  /** Failures tolerated in the timeout state before the endpoint is suspended. */
  readonly retriesBeforeSuspension: number;
  /** ms a timed-out endpoint waits before it takes traffic again. */
  readonly retryDelayMs: number;
  /** Codes that suspend the endpoint at once; undefined: every code that is not a timeout code. */
  readonly suspendCodes: readonly number[] | undefined;
  /** ms of the first suspension; undefined (or negative): the gateway's default. */
  readonly initialDurationMs: number | undefined;
  /** Each further suspension lasts the last one times this. */
  readonly progressionFactor: number;
  /** Upper bound of a suspension, ms. */
  readonly maximumDurationMs: number;
  /** `<retryConfig>`: codes after which a group does not try another member. */
  readonly retryDisabledCodes: readonly number[];
  /** `<retryConfig>`: when not empty, the only codes after which a group tries another member. */
  readonly retryEnabledCodes: readonly number[];
}

/** Synapse's defaults: no endpoint timeout of its own, no retries in the timeout state, no growth. */
export const DEFAULT_FAILURE: FailureDef = Object.freeze({
  timeoutMs: undefined,
  timeoutAction: 'fault',
  timeoutCodes: undefined,
  retriesBeforeSuspension: 0,
  retryDelayMs: 0,
  suspendCodes: undefined,
  initialDurationMs: undefined,
  progressionFactor: 1,
  maximumDurationMs: Number.MAX_SAFE_INTEGER,
  retryDisabledCodes: Object.freeze([]) as readonly number[],
  retryEnabledCodes: Object.freeze([]) as readonly number[],
});

/** The children of `address` that this file reads. */
export const FAILURE_CHILDREN = ['timeout', 'markForSuspension', 'suspendOnFailure', 'suspendDurationOnFailure', 'retryConfig'] as const;

/** Reads the error-handling children of a leaf endpoint element (`<address>`). */
export function parseFailure(node: ConfigNode): FailureDef {
  const timeout = node.child('timeout');
  timeout?.allowChildren('duration', 'responseAction', 'action');
  const mark = node.child('markForSuspension');
  mark?.allowChildren('errorCodes', 'retriesBeforeSuspension', 'retryDelay');
  const suspend = node.child('suspendOnFailure');
  suspend?.allowChildren('errorCodes', 'initialDuration', 'progressionFactor', 'maximumDuration');
  const retry = node.child('retryConfig');
  retry?.allowChildren('disabledErrorCodes', 'enabledErrorCodes');

  const actionNode = timeout?.child('responseAction') ?? timeout?.child('action'); // <action>: Synapse 1.x
  const action = actionNode ? actionNode.oneOf(actionNode.text.toLowerCase(), ['fault', 'discard', 'never'] as const, `<${actionNode.name}>`) : undefined;
  const durationNode = timeout?.child('duration');
  const timeoutMs = durationNode && wholeNumber(durationNode, '<duration>');
  if (action === 'never' && durationNode) {
    durationNode.warn('MOOR_WARN_NO_EFFECT', '<duration> has no effect with <responseAction>never</responseAction>: the request waits up to the gateway\'s own timeout (moor start --timeout-ms), as Synapse\'s global timeout');
  }
  if (action === 'discard' && actionNode) {
    actionNode.warn('MOOR_WARN_DIFFERENT', 'discard: the fault sequence does not run and the client gets a MOOR_ERR_ENDPOINT_TIMEOUT fault at once (Synapse leaves the client without an answer)');
  }

  const retries = mark?.child('retriesBeforeSuspension');
  const delay = mark?.child('retryDelay');
  const initial = suspend?.child('initialDuration');
  const seconds = node.child('suspendDurationOnFailure');
  const factor = suspend?.child('progressionFactor');
  const maximum = suspend?.child('maximumDuration');
  const fromSeconds = seconds && signed(seconds, '<suspendDurationOnFailure>');
  const initialMs = (initial && signed(initial, '<initialDuration>')) ?? (fromSeconds === undefined ? undefined : fromSeconds < 0 ? fromSeconds : fromSeconds * 1000);
  const disabled = codes(retry?.child('disabledErrorCodes'));
  const enabled = codes(retry?.child('enabledErrorCodes'));
  if (disabled && enabled) retry!.report('MOOR_ERR_BAD_VALUE', '<retryConfig> takes <disabledErrorCodes> or <enabledErrorCodes>, not both');
  const enabledNode = retry?.child('enabledErrorCodes');
  if (enabledNode && enabled?.some((c) => !RETRYABLE_CODES.includes(c))) {
    enabledNode.warn('MOOR_WARN_DIFFERENT', `moor never sends a request to a second member once it may have reached the first: only ${RETRYABLE_CODES.join(', ')} (failures before the request left) are retried, the other codes listed are not`);
  }
  return {
    timeoutMs: action === 'never' ? undefined : (timeoutMs ?? undefined),
    timeoutAction: action ?? 'fault',
    timeoutCodes: codes(mark?.child('errorCodes')),
    retriesBeforeSuspension: (retries && signed(retries, '<retriesBeforeSuspension>')) ?? 0,
    retryDelayMs: (delay && signed(delay, '<retryDelay>')) ?? 0,
    suspendCodes: codes(suspend?.child('errorCodes')),
    initialDurationMs: initialMs !== undefined && initialMs >= 0 ? initialMs : undefined,
    progressionFactor: (factor && decimal(factor, '<progressionFactor>')) ?? 1,
    maximumDurationMs: (maximum && signed(maximum, '<maximumDuration>')) ?? Number.MAX_SAFE_INTEGER,
    retryDisabledCodes: disabled ?? [],
    retryEnabledCodes: enabled ?? [],
  };
}

/** A non-negative whole number of the element's text. */
function wholeNumber(n: ConfigNode, what: string): number | undefined {
  return n.integer(n.text, what);
}

/** A whole number that may be negative (Synapse's -1). */
function signed(n: ConfigNode, what: string): number | undefined {
  if (!/^-?\d+$/.test(n.text)) {
    n.report('MOOR_ERR_BAD_VALUE', `${what} must be a whole number (or -1), not "${n.text}"`);
    return undefined;
  }
  return Number(n.text);
}

/** A number, maybe with a fraction (Integration Studio writes 1.0). */
function decimal(n: ConfigNode, what: string): number | undefined {
  if (!/^-?\d+(\.\d+)?$/.test(n.text)) {
    n.report('MOOR_ERR_BAD_VALUE', `${what} must be a number, not "${n.text}"`);
    return undefined;
  }
  return Number(n.text);
}

/** A comma-separated list of error codes (`101504, 101505`; `-1` names none). */
function codes(n: ConfigNode | undefined): readonly number[] | undefined {
  if (!n) return undefined;
  const parts = n.text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = parts.find((p) => !/^-?\d+$/.test(p));
  if (bad !== undefined) {
    n.report('MOOR_ERR_BAD_VALUE', `<${n.name}> is a comma-separated list of error codes (such as 101503, 101504), not "${n.text}"`);
    return undefined;
  }
  return parts.map(Number);
}
