/**
 * Where a WSDL says a service's port is, and in which SOAP version: what a `<wsdl>` endpoint sends to
 * (wsdl-endpoint-def.ts).
 *
 * WSDL 1.1 (`<definitions>`): the `<service name=S>`'s `<port name=P>`; its first address child decides,
 * as in Synapse's WSDL11EndpointBuilder: `soap:address` is SOAP 1.1, `soap12:address` SOAP 1.2 (the
 * endpoint's format, whatever `format=` says); `http:address` is WSO2's REST or GET format, which moor
 * does not send (refused). WSDL 2.0 (`<description>`), which WSO2 refuses ("WSDL 2.0 Endpoints are
 * currently not supported"): the `<service name=S>`'s `<endpoint name=P address>`, its `<binding>`'s
 * `wsoap:version` (1.2 when not written, as WSDL 2.0's SOAP binding says); an HTTP binding is refused.
 * Imports are not followed: the service must be in the document itself.
 */
import { attributeValue, childElements, type XmlElement } from '../xml/element.ts';

const NS = {
  wsdl11: 'http://schemas.xmlsoap.org/wsdl/',
  wsdl20: 'http://www.w3.org/ns/wsdl',
  soap11: 'http://schemas.xmlsoap.org/wsdl/soap/',
  soap12: 'http://schemas.xmlsoap.org/wsdl/soap12/',
  http11: 'http://schemas.xmlsoap.org/wsdl/http/',
  wsoap: 'http://www.w3.org/ns/wsdl/soap',
  whttp: 'http://www.w3.org/ns/wsdl/http',
};

/** The port's address, or why there is none (`unsupported`: a WSDL construct moor does not send to). */
export type PortAddress =
  | { readonly uri: string; readonly format: 'soap11' | 'soap12'; readonly written: string }
  | { readonly problem: string; readonly unsupported?: boolean };

/** The address of `service`'s `port` in the WSDL document whose root is `root`. */
export function portAddress(root: XmlElement, service: string, port: string): PortAddress {
  if (root.name.uri === NS.wsdl11 && root.name.local === 'definitions') return wsdl11(root, service, port);
  if (root.name.uri === NS.wsdl20 && root.name.local === 'description') return wsdl20(root, service, port);
  return { problem: `its root is <${root.name.local}>${root.name.uri ? ` in "${root.name.uri}"` : ''}, not a WSDL 1.1 <definitions> nor a WSDL 2.0 <description>` };
}

function wsdl11(root: XmlElement, serviceName: string, portName: string): PortAddress {
  const service = named(root, NS.wsdl11, 'service', serviceName);
  if ('problem' in service) return withImports(root, NS.wsdl11, service);
  const port = named(service.el, NS.wsdl11, 'port', portName, `service "${serviceName}"`);
  if ('problem' in port) return port;
  for (const a of childElements(port.el)) {
    if (a.name.local !== 'address') continue;
    const location = attributeValue(a, 'location');
    if (a.name.uri === NS.soap11 || a.name.uri === NS.soap12) {
      if (location === undefined) return { problem: `port "${portName}"'s address has no location` };
      return { uri: location.trim(), format: a.name.uri === NS.soap11 ? 'soap11' : 'soap12', written: a.name.uri === NS.soap11 ? 'soap:address' : 'soap12:address' };
    }
    if (a.name.uri === NS.http11) return { problem: `port "${portName}" is an HTTP binding (http:address): WSO2 sends it as REST or GET, which moor does not (it forwards SOAP)`, unsupported: true };
  }
  return { problem: `port "${portName}" of service "${serviceName}" has no soap:address nor soap12:address` };
}

function wsdl20(root: XmlElement, serviceName: string, endpointName: string): PortAddress {
  const service = named(root, NS.wsdl20, 'service', serviceName);
  if ('problem' in service) return withImports(root, NS.wsdl20, service);
  const endpoint = named(service.el, NS.wsdl20, 'endpoint', endpointName, `service "${serviceName}"`);
  if ('problem' in endpoint) return endpoint;
  const address = attributeValue(endpoint.el, 'address');
  if (address === undefined) return { problem: `endpoint "${endpointName}" of service "${serviceName}" has no address` };
  // binding="tns:B": bindings are named in the document's own target namespace
  const bindingRef = (attributeValue(endpoint.el, 'binding') ?? '').replace(/^[^:]*:/, '');
  const binding = childElements(root).find((b) => b.name.uri === NS.wsdl20 && b.name.local === 'binding' && attributeValue(b, 'name') === bindingRef);
  if (!binding) return { problem: `endpoint "${endpointName}"'s binding "${bindingRef}" is not in the document` };
  const type = attributeValue(binding, 'type');
  if (type === NS.whttp) return { problem: `endpoint "${endpointName}" has an HTTP binding: moor forwards SOAP, not REST or GET`, unsupported: true };
  if (type !== NS.wsoap) return { problem: `binding "${bindingRef}" is of type "${type ?? ''}", not SOAP (${NS.wsoap})` };
  const version = attributeValue(binding, 'version', NS.wsoap) ?? '1.2';
  if (version !== '1.1' && version !== '1.2') return { problem: `binding "${bindingRef}" has wsoap:version="${version}"; SOAP is 1.1 or 1.2` };
  return { uri: address.trim(), format: version === '1.1' ? 'soap11' : 'soap12', written: `WSDL 2.0 endpoint (wsoap:version ${version})` };
}

/** The child `local` of `parent` named `name`, or a problem listing the names there are. */
function named(parent: XmlElement, uri: string, local: string, name: string, within?: string): { el: XmlElement } | { problem: string } {
  const all = childElements(parent).filter((c) => c.name.uri === uri && c.name.local === local);
  const el = all.find((c) => attributeValue(c, 'name') === name);
  if (el) return { el };
  const names = all.map((c) => `"${attributeValue(c, 'name') ?? ''}"`);
  return { problem: `${within ? `${within} ` : ''}has no ${local} "${name}" (${names.length ? `it has ${names.join(', ')}` : `it has no ${local}`})` };
}

/** A service not found in a document that imports others: say that imports are not followed. */
function withImports(root: XmlElement, uri: string, p: { problem: string }): PortAddress {
  const imports = childElements(root).some((c) => c.name.uri === uri && (c.name.local === 'import' || c.name.local === 'include'));
  return imports ? { problem: `${p.problem}; moor does not look into the documents it imports` } : p;
}
