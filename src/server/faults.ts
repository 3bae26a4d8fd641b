/**
 * Errors become SOAP faults in the request's own SOAP version, with the fault code and HTTP status of
 * their entry in the error catalogue (src/errors.ts), and an `x-moor-error` header carrying the code
 * for machines.
 */
import type { ServerResponse } from 'node:http';
import { ERROR_CODES, type ErrorCode, MoorError } from '../errors.ts';
import { contentTypeOf, faultEnvelope, type SoapVersion } from '../xml/soap.ts';
import { escapeText } from '../xml/serialize.ts';

/** The fault for `err`: its code, HTTP status, reason and the moor error code, as the catalogue gives them. */
export function faultFor(version: SoapVersion, err: unknown): { status: number; body: string; code: ErrorCode } {
  const code: ErrorCode = err instanceof MoorError ? err.code : 'MOOR_ERR_MEDIATION';
  const entry = ERROR_CODES[code];
  const reason = err instanceof MoorError ? err.message : `internal error: ${(err as Error)?.message ?? String(err)}`;
  const body = faultEnvelope(version, {
    // (faultEnvelope writes SOAP 1.2's names and turns them into 1.1's: Sender → Client)
    code: entry.fault.soap12,
    reason,
    detail: `<moor:error xmlns:moor="urn:moor:fault">${escapeText(code)}</moor:error>`,
  });
  return { status: version === '1.1' ? entry.status.soap11 : entry.status.soap12, body, code };
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
