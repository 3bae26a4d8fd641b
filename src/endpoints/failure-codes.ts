/**
 * Synapse's transport and endpoint error codes, and the one place where a failed send is classified
 * into them. The numbers are those of Synapse's `SynapseConstants` and of WSO2's "Error codes in Micro
 * Integrator" table (apim.docs.wso2.com/en/4.1.0/troubleshooting/error-handling-mi/); docs/endpoints.md
 * lists which ones moor produces and when.
 *
 * The classification also answers the question routing needs: did any byte of the request reach the
 * backend? Only when none did (`sent: false`) may another member be tried.
 */

/** Synapse error codes that moor sets as ERROR_CODE (numbers, as Synapse's are). */
export const SYNAPSE_CODES = {
  /** Sender input/output error sending. */
  SND_IO_ERROR_SENDING: 101500,
  /** Sender input/output error receiving. */
  SND_IO_ERROR_RECEIVING: 101501,
  /** Connection failed: refused, no route, unknown host. */
  CONNECTION_FAILED: 101503,
  /** Connection timed out: no answer within the endpoint's timeout. */
  CONNECTION_TIMEOUT: 101504,
  /** Connection closed by the backend. */
  CONNECTION_CLOSED: 101505,
  /** HTTP protocol violation: the backend's answer is not HTTP. */
  PROTOCOL_VIOLATION: 101506,
  /** Connection cancelled. */
  CONNECT_CANCEL: 101507,
  /** The request to establish a new connection timed out. */
  CONNECT_TIMEOUT: 101508,
  /** Send abort. */
  SEND_ABORT: 101509,
  /** Response processing failed. */
  RESPONSE_PROCESSING_FAILURE: 101510,
  /** No member of a load-balance or failover group is ready. */
  ENDPOINT_NONE_READY: 303000,
  /** An address endpoint is not ready (suspended, or in the timeout state waiting for retryDelay). */
  ENDPOINT_ADDRESS_NONE_READY: 303001,
} as const;

/** A Synapse error code number. */
export type SynapseCode = (typeof SYNAPSE_CODES)[keyof typeof SYNAPSE_CODES];

/**
 * Synapse's default `<markForSuspension><errorCodes>`: connection timed out and connection closed put
 * an endpoint in the timeout state; every other code suspends it at once.
 */
export const DEFAULT_TIMEOUT_CODES: readonly number[] = [SYNAPSE_CODES.CONNECTION_TIMEOUT, SYNAPSE_CODES.CONNECTION_CLOSED];

/** What a failed send was, in Synapse's terms, and whether the backend may have seen the request. */
export interface Classified {
  readonly code: SynapseCode;
  /** False when no byte of the request left moor: only then is another member tried. */
  readonly sent: boolean;
  /** One line for ERROR_MESSAGE and logs. */
  readonly message: string;
}

/** Node and undici error codes of a connection that was never made. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL']);
/** Error codes of a connection that broke (a reset, a close, a broken pipe). */
const BROKEN = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED', 'UND_ERR_CLOSED']);

/**
 * Classifies an undici/Node failure of one exchange. `requestStarted`: undici reported request bytes
 * written (a reset after that may have reached the backend); `timedOut`: no answer within the timeout.
 * The codes follow Synapse's: refused → 101503, connect timeout → 101508, no answer in time → 101504,
 * closed → 101505, a response that is not HTTP (or whose head is over undici's 16 KiB) → 101506.
 */
export function classify(e: unknown, requestStarted: boolean, timedOut: boolean, timeoutMs: number): Classified {
  const cause = (e as { cause?: unknown } | undefined)?.cause;
  const errno = (e as { code?: string } | undefined)?.code ?? (cause as { code?: string } | undefined)?.code ?? '';
  const text = (e as Error | undefined)?.message ?? String(e);
  if (timedOut || errno === 'UND_ERR_HEADERS_TIMEOUT' || errno === 'UND_ERR_BODY_TIMEOUT') {
    return { code: SYNAPSE_CODES.CONNECTION_TIMEOUT, sent: true, message: `no response within ${timeoutMs} ms` };
  }
  if (errno === 'UND_ERR_CONNECT_TIMEOUT') return { code: SYNAPSE_CODES.CONNECT_TIMEOUT, sent: false, message: 'connecting timed out' };
  if (NOT_CONNECTED.has(errno)) return { code: SYNAPSE_CODES.CONNECTION_FAILED, sent: false, message: errno };
  // (undici's words for a 100 Continue it did not ask for, an answer to no request, a 101 to no Upgrade)
  if (errno === 'UND_ERR_SOCKET' && (text === 'bad response' || text === 'bad upgrade')) return { code: SYNAPSE_CODES.PROTOCOL_VIOLATION, sent: true, message: `the backend's answer is not HTTP: ${text}` };
  if (BROKEN.has(errno)) {
    // a kept-alive connection the backend closed before this request was written: nothing reached it
    return requestStarted
      ? { code: SYNAPSE_CODES.CONNECTION_CLOSED, sent: true, message: `the connection closed after the request was sent (${errno}): the backend may have acted on it` }
      : { code: SYNAPSE_CODES.CONNECTION_CLOSED, sent: false, message: `the connection closed before the request was sent (${errno})` };
  }
  if (errno === 'UND_ERR_HEADERS_OVERFLOW') return { code: SYNAPSE_CODES.PROTOCOL_VIOLATION, sent: true, message: "the backend's answer has a head over 16 KiB" };
  // (before the head is through, undici reports a parse error of a head with a Content-Length as this:
  // Content-Length with Transfer-Encoding, two lengths)
  if (errno === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return { code: SYNAPSE_CODES.PROTOCOL_VIOLATION, sent: true, message: `the backend's answer is not HTTP: ${text}` };
  if (errno === 'HPE_INVALID_CONSTANT' || errno.startsWith('HPE_') || (e as Error | undefined)?.name === 'HTTPParserError') {
    return { code: SYNAPSE_CODES.PROTOCOL_VIOLATION, sent: true, message: `the backend's answer is not HTTP: ${text}` };
  }
  // anything else broke the exchange after it started: the backend may have acted on it
  return { code: requestStarted ? SYNAPSE_CODES.SND_IO_ERROR_RECEIVING : SYNAPSE_CODES.SND_IO_ERROR_SENDING, sent: true, message: text };
}
