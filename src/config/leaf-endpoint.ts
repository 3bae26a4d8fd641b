/**
 * What every leaf endpoint (`<address>`, `<default>`, `<wsdl>`, `<http>`) reads alike: the attributes
 * and children that change nothing or that moor refuses, WS-Addressing, and what an address URL may be
 * (also read by <callout serviceURL> and recipient lists). One place, so that a kind added later says
 * the same things about them.
 */
import { type ConfigNode } from './node.ts';

/** `optimize=` and `encoding=`: accepted, a warning (moor forwards the bytes as they came). */
export function warnByteOptions(node: ConfigNode): void {
  for (const a of ['optimize', 'encoding'] as const) {
    if (node.attr(a) !== undefined) node.warn('MOOR_WARN_NO_EFFECT', `${a}= has no effect: moor forwards the message's bytes as they came`);
  }
}

/** `<enableSec>` and `<enableRM>` children: refused (WS-Security and WS-RM are not supported). */
export function refuseSecurityAndRm(node: ConfigNode): void {
  for (const c of node.children()) {
    if (c.name === 'enableSec' || c.name === 'enableRM') c.report('MOOR_ERR_UNSUPPORTED', `<${c.name}> (WS-Security / WS-RM on endpoints) is not supported`);
  }
}

/** `format="pox|rest|get"`: refused (moor carries SOAP as it came; a conversion would be silently skipped). */
export function refuseFormatConversion(node: ConfigNode, format: string | undefined): void {
  if (format === 'pox' || format === 'rest' || format === 'get') {
    node.report('MOOR_ERR_UNSUPPORTED', `format="${format}" is not supported: moor forwards SOAP messages as they are`);
  }
}

/** Whether the endpoint has `<enableAddressing>`; `separateListener="true"` is refused. */
export function readAddressing(node: ConfigNode): boolean {
  const wsa = node.child('enableAddressing');
  wsa?.allowAttributes('version', 'separateListener');
  if (wsa?.attr('separateListener') === 'true') wsa.report('MOOR_ERR_UNSUPPORTED', 'separateListener="true" (responses on a separate WS-Addressing channel) is not supported');
  return wsa !== undefined;
}

/** Whether `u` is an http:// or https:// URL. */
export function isHttpUrl(u: string): boolean {
  try {
    const url = new URL(u);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * The transport a URI names when it is not http(s) (`jms`, `vfs`, `mailto`…: Synapse's other transports,
 * a feature moor lacks rather than a typo), else undefined.
 */
export function otherTransport(uri: string): string | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  return scheme !== undefined && scheme !== 'http' && scheme !== 'https' ? scheme : undefined;
}
