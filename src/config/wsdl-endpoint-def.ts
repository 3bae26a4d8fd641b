/**
 * WSO2's WSDL endpoint: a backend whose address is the one a WSDL gives its service's port.
 *
 * <endpoint [name="N"]>
 *   <wsdl ( uri="file:…|http(s)://…" | key="K" ) service="S" port="P"
 *         [format="soap11|soap12|pox|get"] [optimize="mtom|swa"] [encoding="…"] [statistics|trace="…"]>
 *     ( <wsdl:definitions>…</wsdl:definitions> | <wsdl2:description>…</wsdl2:description> )?   (inline, instead of uri/key)
 *     <enableAddressing/>?
 *     <timeout>…</timeout>? <markForSuspension>…</markForSuspension>? <suspendOnFailure>…</suspendOnFailure>?
 *     <suspendDurationOnFailure>…</suspendDurationOnFailure>? <retryConfig>…</retryConfig>?
 *                                              (the failure policy of <address>: endpoint-failure-def.ts)
 *   </wsdl>
 * </endpoint>
 *
 * The WSDL is read when the configuration loads (wsdl-resolve.ts; key= is moor's, WSO2 has uri= and
 * inline only) and the port's address found as Synapse's WSDL11EndpointBuilder does (wsdl-address.ts):
 * the endpoint is then an address endpoint to that URL, in the port's SOAP version, so groups,
 * sessions, suspension and health checks treat it as one. As in WSO2, the WSDL's address decides the
 * format: a `format=` that says otherwise has no effect (warned). A reload reads the WSDL again.
 */
import { type AddressDef } from './endpoint-def.ts';
import { FAILURE_CHILDREN, parseFailure } from './endpoint-failure-def.ts';
import { readAddressing, refuseSecurityAndRm, warnByteOptions } from './leaf-endpoint.ts';
import { type ConfigNode } from './node.ts';
import { resolvedWsdl, WSDL_NAMESPACES } from './wsdl-resolve.ts';

/** Parses `<wsdl>` inside an `<endpoint>`. */
export function parseWsdlEndpoint(node: ConfigNode, name: string | undefined, draining: boolean, weight: number, warnStatisticsAndTrace: (n: ConfigNode) => void): AddressDef | undefined {
  node.allowAttributes('uri', 'key', 'service', 'port', 'format', 'optimize', 'encoding', 'statistics', 'trace');
  warnStatisticsAndTrace(node);
  warnByteOptions(node);
  const inline = node.children().filter((c) => WSDL_NAMESPACES.includes(c.el.name.uri));
  for (const c of node.children()) {
    if (inline.some((i) => i.el === c.el) || c.name === 'enableSec' || c.name === 'enableRM') continue;
    if (c.name !== 'enableAddressing' && !(FAILURE_CHILDREN as readonly string[]).includes(c.name)) c.unknownElement(['enableAddressing', ...FAILURE_CHILDREN], '<wsdl>');
  }
  refuseSecurityAndRm(node);
  const addressing = readAddressing(node);
  const service = node.required('service');
  const port = node.required('port');
  const sources = [node.attr('uri') !== undefined && 'uri=', node.attr('key') !== undefined && 'key=', ...inline.map((c) => `<${c.name}>`)].filter(Boolean);
  if (sources.length !== 1) {
    node.report('MOOR_ERR_BAD_VALUE', sources.length ? `<wsdl> has ${sources.join(' and ')}: give one of uri=, key= or an inline WSDL` : '<wsdl> needs its WSDL: uri="file:…|http(s)://…", key="…", or an inline <wsdl:definitions>');
    return undefined;
  }
  const format = node.oneOf(node.attr('format'), ['soap11', 'soap12', 'pox', 'get'] as const, 'format');
  if (service === undefined || port === undefined) return undefined;
  const found = resolvedWsdl.get(node.el);
  if (!found) {
    // (every <wsdl> read with a configuration is resolved first: this one was reached another way)
    node.report('MOOR_ERR_UNSUPPORTED', 'a <wsdl> endpoint is read only in a configuration\'s files, its local entries and registry resources, not here');
    return undefined;
  }
  if ('code' in found) {
    node.report(found.code, found.message);
    return undefined;
  }
  let url: URL | undefined;
  try {
    url = new URL(found.uri);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    node.report('MOOR_ERR_UNSUPPORTED', `${found.from}: port "${port}"'s address "${found.uri}" is not an http(s) URL, the only transport moor sends on`);
    return undefined;
  }
  if (format !== undefined && format !== found.format) {
    node.warn('MOOR_WARN_NO_EFFECT', `format="${format}" has no effect: the WSDL's port "${port}" (${found.written}) makes the endpoint ${found.format}, as in WSO2`);
  }
  return {
    kind: 'address',
    loc: node.loc,
    name,
    uri: found.uri,
    format: found.format,
    addressing,
    failure: parseFailure(node),
    draining,
    weight,
  };
}
