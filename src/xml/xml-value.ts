/**
 * A property value that holds XML rather than text: what <property type="OM"> stores and what <enrich>
 * stores when its source is a part of the message. <enrich> and <payloadFactory> put it back as XML; an
 * expression (`$ctx:p`, get-property('p')) reads its elements, as Jaxen is given Synapse's OMElement;
 * elsewhere (a log line, a header) it reads as its serialised text.
 */
import { MoorError } from '../errors.ts';
import { parseDom, parseTrustedDom, serializeDom } from './dom.ts';

export class XmlValue {
  /** @param xml one or more well-formed elements (or text), serialised */
  constructor(readonly xml: string) {}

  /** Checks that `xml` is well-formed XML (one or more elements) and wraps it. */
  static parse(xml: string, what: string): XmlValue {
    const { failure } = parseDom(xml, { fragment: true });
    if (failure || !xml.trim().startsWith('<')) throw new MoorError('MOOR_ERR_MEDIATION', `${what}: "${xml}" is not XML${failure ? ` (${failure})` : ''}`);
    return new XmlValue(xml);
  }

  /**
   * What WSO2's type="OM" makes of a string (SynapseConfigUtils.stringToOM over Axiom): the first
   * element, which is all Axiom's builder reads of it; no element, or text before it, fails.
   */
  static firstElement(xml: string, what: string): XmlValue {
    const { doc, failure } = parseDom(xml, { fragment: true });
    let first: Node | undefined;
    for (let c = doc?.documentElement?.firstChild; c && !failure; c = c.nextSibling) {
      if (c.nodeType === 1) {
        first = c;
        break;
      }
      if (c.nodeType !== 3 || !/^[ \t\r\n]*$/.test(c.nodeValue ?? '')) break;
    }
    if (!first) throw new MoorError('MOOR_ERR_MEDIATION', `${what}: "${xml}" is not XML${failure ? ` (${failure})` : ''}`);
    return new XmlValue(serializeDom(first));
  }

  /** Its top-level nodes, in a document of their own (parsed afresh each time: a reader may move them). */
  nodes(): Node[] {
    const root = parseTrustedDom(`<moor-value>${this.xml}</moor-value>`).documentElement;
    const out: Node[] = [];
    for (let c = root?.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  }

  toString(): string {
    return this.xml;
  }
}
