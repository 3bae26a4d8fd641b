/** Namespace URIs and qualified names; everything above xml/ compares {uri, local}, never prefixes. */

/** A resolved XML name. `uri` is '' for no namespace. */
export interface QName {
  readonly uri: string;
  readonly local: string;
}

export const NS = {
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  wsa: 'http://www.w3.org/2005/08/addressing',
  wsaSubmission: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  axis2: 'http://ws.apache.org/namespaces/axis2',
  synapse: 'http://ws.apache.org/ns/synapse',
  xmlns: 'http://www.w3.org/2000/xmlns/',
  xml: 'http://www.w3.org/XML/1998/namespace',
} as const;

/** Both WS-Addressing namespaces, the 2005/08 recommendation first. */
export const WSA_NAMESPACES: readonly string[] = [NS.wsa, NS.wsaSubmission];

/** Builds a QName. */
export function qname(uri: string, local: string): QName {
  return { uri, local };
}

/** True when two names are the same name, whatever their prefixes were. */
export function sameName(a: QName, b: QName): boolean {
  return a.local === b.local && a.uri === b.uri;
}

/** Clark notation `{uri}local`, for messages and map keys. */
export function clark(n: QName): string {
  return n.uri ? `{${n.uri}}${n.local}` : n.local;
}

/** Splits `p:local` into prefix ('' when none) and local part. */
export function splitPrefixed(name: string): { prefix: string; local: string } {
  const i = name.indexOf(':');
  return i < 0 ? { prefix: '', local: name } : { prefix: name.slice(0, i), local: name.slice(i + 1) };
}
