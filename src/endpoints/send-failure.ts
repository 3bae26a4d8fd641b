/**
 * The errors of a send to a backend: EndpointError, what routing and fault sequences see, and the one
 * place where a failed exchange (an undici or socket error) becomes one, classified into Synapse's
 * codes (failure-codes.ts) with what routing needs: whether any request byte may have reached the
 * backend (then it is never tried elsewhere).
 */
import { MoorError } from '../errors.ts';
import { classify, SYNAPSE_CODES } from './failure-codes.ts';

/** Why a send failed. */
export type SendFailure = 'unreachable' | 'timeout';

/**
 * A send that failed before a response came. Its message, which faults show to clients, names the
 * endpoint by its configured name only; what failed (a socket error, the address) is `detail`, for the
 * log and for fault sequences (ERROR_DETAIL).
 */
export class EndpointError extends MoorError {
  /** Synapse's error code (101503 connection failed, 101504 timed out…; src/endpoints/failure-codes.ts). */
  readonly synapseCode: number;
  /** The failure without the endpoint's name (ERROR_DETAIL). */
  readonly detail: string;
  /** `<responseAction>discard</responseAction>`: no fault handler runs; the client gets the fault. */
  readonly discarded: boolean;
  constructor(
    readonly failure: SendFailure,
    /** The endpoint's label (its configured name). */
    readonly endpoint: string,
    detail: string,
    /** `summary`: a state to name instead of the failure (`suspended`), safe to show. */
    options?: { cause?: unknown; code?: number; discarded?: boolean; summary?: string },
    /** True when no byte reached the backend, so another endpoint may safely be tried. */
    readonly retryable = failure === 'unreachable',
  ) {
    // (a backend that answered, but not in HTTP the gateway reads, was reached: its reply is to blame, 502)
    const badHttp = options?.code === SYNAPSE_CODES.PROTOCOL_VIOLATION;
    super(
      badHttp ? 'MOOR_ERR_BAD_REPLY' : failure === 'timeout' ? 'MOOR_ERR_ENDPOINT_TIMEOUT' : 'MOOR_ERR_ENDPOINT_UNREACHABLE',
      options?.summary
        ? `endpoint ${endpoint} is ${options.summary}`
        : badHttp
          ? `the reply of endpoint ${endpoint} is not HTTP the gateway can read`
          : failure === 'timeout'
            ? `endpoint ${endpoint} timed out`
            : `endpoint ${endpoint} is unreachable`,
      options,
    );
    this.detail = detail;
    this.synapseCode = options?.code ?? (failure === 'timeout' ? SYNAPSE_CODES.CONNECTION_TIMEOUT : retryable ? SYNAPSE_CODES.CONNECTION_FAILED : SYNAPSE_CODES.CONNECTION_CLOSED);
    this.discarded = options?.discarded ?? false;
  }
}

/**
 * What a failed exchange tells routing, classified into Synapse's codes (failure-codes.ts): a timeout,
 * or an unreachable backend that is safe to try elsewhere only when no request byte left. Errors of
 * moor's own (an aborted message's reason) pass as they are.
 */
export function sendFailure(e: unknown, name: string, timeoutMs: number, aborted: boolean, bodyStarted: boolean): unknown {
  if (e instanceof MoorError) return e;
  // a request undici will not make (a header value it refuses, set by a user's class mediator): no byte
  // left, and the backend is not to blame (it must not be suspended for it)
  if ((e as { code?: unknown }).code === 'UND_ERR_INVALID_ARG') return new MoorError('MOOR_ERR_MEDIATION', `the request to ${name} cannot be sent: ${(e as Error).message}`, { cause: e });
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof MoorError) return cause;
  const c = classify(e, bodyStarted, false, timeoutMs);
  // the client went away or the message's time ran out: not the backend's failure
  if (aborted && c.sent) return e;
  const failure = c.code === SYNAPSE_CODES.CONNECTION_TIMEOUT ? 'timeout' : 'unreachable';
  return new EndpointError(failure, name, c.message, { cause: e, code: c.code }, !c.sent);
}
