/**
 * A backend's reply that cannot be passed on (not a well-formed SOAP envelope, or over a limit): the
 * fault blames the backend (SOAP 1.1 Server, SOAP 1.2 Receiver, HTTP 502), names the endpoint by name
 * only, and keeps what was wrong (parser text, sizes) as `detail` for the log, never for the client.
 */
import { MoorError } from '../errors.ts';

export class BadReplyError extends MoorError {
  /** What exactly was wrong with the reply (logged, not sent). */
  readonly detail: string;
  constructor(
    /** The endpoint's name as configured (never its address). */
    readonly endpoint: string,
    problem: MoorError,
  ) {
    super('MOOR_ERR_BAD_REPLY', problem.code === 'MOOR_ERR_MESSAGE_TOO_LARGE' ? `the reply of endpoint ${endpoint} exceeds a limit of the gateway` : `the reply of endpoint ${endpoint} is not a well-formed SOAP envelope`, { cause: problem });
    this.detail = `${problem.code}: ${problem.message}`;
  }
}
