/**
 * Errors become SOAP faults in the request's own SOAP version, with the fault code and HTTP status of
 * their entry in the error catalogue (src/errors.ts). (answer.ts makes the answer that carries one.)
 */
import { ERROR_CODES, type ErrorCode, MoorError } from '../errors.ts';
import { faultEnvelope, type SoapVersion } from '../xml/soap.ts';
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
