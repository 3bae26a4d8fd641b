/**
 * DOM helpers for the mediators that rewrite the whole envelope (payloadFactory, enrich, iterate,
 * aggregate): they work on MessageContext.envelopeDom() and write the result back with setEnvelope().
 */
import { MoorError } from '../errors.ts';
import { type MessageContext } from '../message/context.ts';
import { parseDom } from '../xml/dom.ts';
import { ELEMENT } from '../xml/node-types.ts';

/** The SOAP Body element of an envelope document. */
export function soapBody(doc: Document): Element {
  for (let c = doc.documentElement?.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === ELEMENT && (c as Element).localName === 'Body') return c as Element;
  }
  throw new MoorError('MOOR_ERR_NOT_ENVELOPE', 'the message has no SOAP Body');
}

/** The first child element of `el`, if any. */
export function firstElement(el: Node): Element | undefined {
  for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === ELEMENT) return c as Element;
  return undefined;
}

/** The children of `node` (none for none), as an array that stays put while they are moved. */
export function childNodes(node: Node | null | undefined): Node[] {
  const out: Node[] = [];
  for (let c = node?.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

/** Removes every child of `el`. */
export function clearChildren(el: Node): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** Parses `xml` (elements and text, any number) into nodes owned by `doc`. Throws MOOR_ERR_MEDIATION. */
export function parseFragment(doc: Document, xml: string, what: string): Node[] {
  const { doc: parsed, failure } = parseDom(xml, { fragment: true });
  if (failure || !parsed?.documentElement) throw new MoorError('MOOR_ERR_MEDIATION', `${what} is not well-formed XML: ${failure ?? 'empty'}`);
  const out: Node[] = [];
  for (let c = parsed.documentElement.firstChild; c; c = c.nextSibling) out.push(doc.importNode(c, true));
  return out;
}

/** Writes a changed envelope document back into the message. */
export function commitDom(msg: MessageContext, doc: Document): void {
  msg.setEnvelope(String(doc));
}

/** The XML text of `nodes` (elements serialised with their namespaces; text as escaped text). */
export function serializeNodes(nodes: readonly Node[]): string {
  return nodes.map((n) => String(n)).join('');
}
