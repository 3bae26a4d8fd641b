/**
 * Reads a header block that holds only character data (`<syn:ClientID>abc</syn:ClientID>`, most
 * routing headers) straight from the bytes, without a parser: the head scanner already held it to
 * XML's rules, so only its name, attributes and text are left to take. It gives the same element
 * parseXml gives (a test holds the two to that over the corpus); anything this does not cover goes to
 * the parser.
 */
import { type XmlAttribute, type XmlElement } from './element.ts';
import { splitPrefixed } from './names.ts';
import { decodeReferences } from './parse.ts';
import { hasWide, isSpace, nameEnd, textAt } from './well-formed.ts';

const EQ = 0x3d;

/**
 * The element in bytes [start, end) of `buf` (`t` being those bytes as latin1 text, at least up to
 * `end`), whose start tag ends at `tagEnd`, in the namespaces of `scope`; undefined when it is not one
 * this reads (a carriage return, which XML normalises, is left to the parser).
 */
export function readLeafElement(t: string, buf: Buffer, start: number, tagEnd: number, end: number, scope: ReadonlyMap<string, string>): XmlElement | undefined {
  const cr = t.indexOf('\r', start);
  if (cr >= 0 && cr < end) return undefined;
  const selfClosing = tagEnd === end;
  const last = selfClosing ? tagEnd - 2 : tagEnd - 1;
  const n = nameEnd(t, buf, start + 1, last);
  const { prefix, local } = splitPrefixed(textAt(t, buf, start + 1, n, hasWide(t, start + 1, n)));
  const declared = new Map<string, string>();
  const raw: [string, string][] = [];
  for (let p = n; ; ) {
    while (p < last && isSpace(t.charCodeAt(p))) p++;
    if (p >= last) break;
    const q = nameEnd(t, buf, p, last);
    const name = textAt(t, buf, p, q, hasWide(t, p, q));
    let e = q;
    while (t.charCodeAt(e) !== EQ) e++;
    e++;
    while (isSpace(t.charCodeAt(e))) e++;
    const close = t.indexOf(t[e]!, e + 1);
    const value = decodeReferences(textAt(t, buf, e + 1, close, hasWide(t, e + 1, close)));
    if (name === 'xmlns') declared.set('', value);
    else if (name.startsWith('xmlns:')) declared.set(name.slice(6), value);
    else raw.push([name, value]);
    p = close + 1;
  }
  // (loops, not closures: tsx names every closure it creates, a cost per block)
  const attributes: XmlAttribute[] = [];
  for (const [name, value] of raw) {
    const a = splitPrefixed(name);
    // unprefixed attributes are in no namespace, whatever the default namespace is
    attributes.push({ name: { uri: a.prefix ? uriOf(a.prefix, declared, scope) : '', local: a.local }, raw: name, value });
  }
  const el: XmlElement = { type: 'element', name: { uri: uriOf(prefix, declared, scope), local }, prefix, attributes, namespaces: declared, children: [] };
  if (!selfClosing) {
    const endTag = t.lastIndexOf('<', end - 1);
    if (endTag > tagEnd) el.children.push({ type: 'text', value: decodeReferences(textAt(t, buf, tagEnd, endTag, hasWide(t, tagEnd, endTag))) });
  }
  return el;
}

/** The namespace a prefix stands for: declared on the element itself, else around it. */
function uriOf(prefix: string, declared: ReadonlyMap<string, string>, scope: ReadonlyMap<string, string>): string {
  return declared.get(prefix) ?? scope.get(prefix) ?? '';
}
