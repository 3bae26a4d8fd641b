/**
 * Errors become SOAP faults in the request's own SOAP version, with the HTTP status its binding
 * prescribes, and an `x-moor-error` header carrying the code for machines.
 */
import type { ServerResponse } from 'node:http';
import { type ErrorCode, MoorError } from '../errors.ts';
import { contentTypeOf, type FaultCode, faultEnvelope, faultStatus, type SoapVersion } from '../xml/soap.ts';
import { escapeText } from '../xml/serialize.ts';

/** Fault code and, where the HTTP binding gives one, a status that overrides the SOAP default. */
const FAULTS: Partial<Record<ErrorCode, { code: FaultCode; status?: number }>> = {
  MOOR_ERR_NOT_SOAP: { code: 'Sender', status: 415 },
  MOOR_ERR_MESSAGE_TOO_LARGE: { code: 'Sender', status: 413 },
  MOOR_ERR_NO_SERVICE: { code: 'Sender', status: 404 },
  MOOR_ERR_METHOD: { code: 'Sender', status: 405 },
  MOOR_ERR_REQUEST_TIMEOUT: { code: 'Sender', status: 408 },
  MOOR_ERR_SESSION_ID_TOO_LONG: { code: 'Sender', status: 400 },
  MOOR_ERR_HEADER_VALUE: { code: 'Sender', status: 400 },
  MOOR_ERR_DOCTYPE: { code: 'Sender' },
  MOOR_ERR_MALFORMED_XML: { code: 'Sender' },
  MOOR_ERR_NOT_ENVELOPE: { code: 'Sender' },
  MOOR_ERR_VERSION_MISMATCH: { code: 'VersionMismatch' },
  MOOR_ERR_SHUTTING_DOWN: { code: 'Receiver', status: 503 },
  MOOR_ERR_BUSY: { code: 'Receiver', status: 503 },
  MOOR_ERR_THROTTLED: { code: 'Sender', status: 429 },
  MOOR_ERR_BAD_REPLY: { code: 'Receiver', status: 502 },
};

/** The fault for `err`: its code, HTTP status, reason and the moor error code. */
export function faultFor(version: SoapVersion, err: unknown): { status: number; body: string; code: ErrorCode } {
  const code: ErrorCode = err instanceof MoorError ? err.code : 'MOOR_ERR_MEDIATION';
  const spec = FAULTS[code] ?? { code: 'Receiver' as const };
  const reason = err instanceof MoorError ? err.message : `internal error: ${(err as Error)?.message ?? String(err)}`;
  const body = faultEnvelope(version, {
    code: spec.code,
    reason,
    detail: `<moor:error xmlns:moor="urn:moor:fault">${escapeText(code)}</moor:error>`,
  });
  return { status: spec.status ?? faultStatus(version, spec.code), body, code };
}

/** Writes the fault for `err` unless the response has already started (then the socket is cut). */
export function writeFault(res: ServerResponse, version: SoapVersion, err: unknown, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy(err instanceof Error ? err : undefined);
    return;
  }
  const f = faultFor(version, err);
  const body = Buffer.from(f.body);
  // (set apart, so that the access log can read the code back from the response)
  res.setHeader('x-moor-error', f.code);
  res.writeHead(f.status, { 'content-type': contentTypeOf(version), 'content-length': body.length, ...extraHeaders });
  res.end(body);
}
