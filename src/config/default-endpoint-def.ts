/**
 * Synapse's default endpoint, as configured: an address whose URL is the message's own WS-Addressing
 * To header (as a <send/> with no endpoint goes), with a failure policy of its own.
 *
 * <endpoint [name="N"]>
 *   <default [format="soap11|soap12|leave"] [optimize="…"] [encoding="…"] [statistics=…] [trace=…]>
 *     <enableAddressing/>?
 *     <timeout>…</timeout>? <markForSuspension>…</markForSuspension>? <suspendOnFailure>…</suspendOnFailure>?
 *     <suspendDurationOnFailure>…</suspendDurationOnFailure>? <retryConfig>…</retryConfig>?
 *                                                   (grammar in endpoint-failure-def.ts)
 *   </default>
 * </endpoint>
 *
 * As WSO2's DefaultEndpoint: one state machine for the endpoint whatever the To of each message (its
 * EndpointContext is the endpoint's, not the address's), so a failure to one To suspends the endpoint
 * for every message; a message whose To is missing or not http(s) faults (MOOR_ERR_NO_ENDPOINT) without
 * touching that state. The runtime is an AddressEndpoint with `toHeader` (src/endpoints/address.ts).
 */
import { type AddressDef } from './endpoint-def.ts';
import { FAILURE_CHILDREN, parseFailure } from './endpoint-failure-def.ts';
import { readAddressing, refuseFormatConversion, refuseSecurityAndRm, warnByteOptions } from './leaf-endpoint.ts';
import { type ConfigNode } from './node.ts';

/** What a default endpoint's `uri` is (it has none): the name its id and logs show. */
export const TO_HEADER = 'wsa:To';

export function parseDefaultEndpoint(node: ConfigNode, name: string | undefined, draining: boolean, weight: number, warnStatisticsAndTrace: (n: ConfigNode) => void): AddressDef | undefined {
  node.allowAttributes('format', 'optimize', 'encoding', 'statistics', 'trace');
  warnByteOptions(node);
  warnStatisticsAndTrace(node);
  node.allowChildren('enableAddressing', ...FAILURE_CHILDREN, 'enableSec', 'enableRM');
  refuseSecurityAndRm(node);
  const format = node.oneOf(node.attr('format'), ['soap11', 'soap12', 'pox', 'rest', 'get', 'leave'] as const, 'format');
  refuseFormatConversion(node, format);
  const addressing = readAddressing(node);
  return {
    kind: 'address',
    loc: node.loc,
    name,
    uri: TO_HEADER,
    toHeader: true,
    format: format === 'soap11' || format === 'soap12' ? format : undefined,
    addressing,
    failure: parseFailure(node),
    draining,
    weight,
  };
}
