/**
 * The namespace-resolved XML tree moor works on. It keeps prefixes and namespace declarations so that a
 * changed header can be written back the way the sender wrote it.
 */
import { type QName, sameName } from './names.ts';

/** An attribute with its resolved name; `raw` is the name as written (`p:local`). */
export interface XmlAttribute {
  readonly name: QName;
  readonly raw: string;
  value: string;
}

/** Character data: plain text, CDATA or a comment. */
export interface XmlText {
  readonly type: 'text' | 'cdata' | 'comment';
  value: string;
}

/** An element. `prefix` is as written; `namespaces` are the declarations made on this element. */
export interface XmlElement {
  readonly type: 'element';
  name: QName;
  prefix: string;
  attributes: XmlAttribute[];
  namespaces: Map<string, string>;
  children: XmlNode[];
  /** Character offset of the start tag in the parsed text, when positions were asked for. */
  readonly offset?: number;
}

export type XmlNode = XmlElement | XmlText;

/** The child elements of `el`. */
export function childElements(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => c.type === 'element');
}

/** The first child element named `name`. */
export function childNamed(el: XmlElement, name: QName): XmlElement | undefined {
  return childElements(el).find((c) => sameName(c.name, name));
}

/** The first child element whose name is `local` in any of `uris`. */
export function childIn(el: XmlElement, uris: readonly string[], local: string): XmlElement | undefined {
  return childElements(el).find((c) => c.name.local === local && uris.includes(c.name.uri));
}

/** The concatenated text and CDATA content of `el` and its descendants (XPath string-value). */
export function textOf(el: XmlElement): string {
  let out = '';
  for (const c of el.children) {
    if (c.type === 'element') out += textOf(c);
    else if (c.type !== 'comment') out += c.value;
  }
  return out;
}

/** The value of the attribute named `local` in namespace `uri` ('' for unqualified). */
export function attributeValue(el: XmlElement, local: string, uri = ''): string | undefined {
  return el.attributes.find((a) => a.name.local === local && a.name.uri === uri)?.value;
}

/** Makes an element; namespaces declared on it come from `namespaces`. */
export function element(
  name: QName,
  prefix: string,
  children: XmlNode[] = [],
  namespaces: Map<string, string> = new Map(),
): XmlElement {
  return { type: 'element', name, prefix, attributes: [], namespaces, children };
}
