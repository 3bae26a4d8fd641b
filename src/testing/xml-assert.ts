/**
 * Assertion helpers on envelopes, usable from any test runner: XPath value, XPath existence, and XML
 * equality that compares names ({uri, local}) rather than prefixes and ignores insignificant
 * whitespace. They return values (never throw on a mismatch), so each runner asserts its own way.
 */
import { MoorError } from '../errors.ts';
import { parseXPath, type XValue } from '../expr/xpath-lib.ts';
import { childElements, type XmlElement } from '../xml/element.ts';
import { clark } from '../xml/names.ts';
import { parseXml, XmlSyntaxError } from '../xml/parse.ts';
import { serialize } from '../xml/serialize.ts';
import { parseDom } from '../xml/dom.ts';

/** Prefix → namespace URI bindings for XPath expressions. */
export type Namespaces = Readonly<Record<string, string>>;

/**
 * The string value of `expression` over `xml` (XPath's string(): the first selected node's text).
 * `$body` is the SOAP Body and `$header` the SOAP Header, as in Synapse. Prefixes
 * come from `namespaces`, else from the declarations in the document itself.
 */
export function xpathValue(xml: string, expression: string, namespaces: Namespaces = {}): string {
  return evaluate(xml, expression, namespaces).stringValue();
}

/** True when `expression` selects at least one node over `xml` (or is a true boolean). */
export function xpathExists(xml: string, expression: string, namespaces: Namespaces = {}): boolean {
  return evaluate(xml, expression, namespaces).booleanValue();
}

/** Every node `expression` selects, serialised as XML (text nodes and attributes as their value). */
export function xpathSelect(xml: string, expression: string, namespaces: Namespaces = {}): string[] {
  const v = evaluate(xml, expression, namespaces);
  let nodes: Node[];
  try {
    nodes = v.nodeset().toArray();
  } catch {
    return [v.stringValue()];
  }
  return nodes.map((n) => (n.nodeType === 1 ? String(n) : (n.nodeValue ?? n.textContent ?? '')));
}

/**
 * True when `a` and `b` are the same XML: element and attribute names compared as {uri, local} (so
 * prefixes and where namespaces are declared do not matter; a text or attribute value `p:local` that
 * names a declared prefix is compared as the name it stands for, as in faultcode), attributes in any
 * order, comments ignored, CDATA read as text, whitespace-only text between elements ignored and text
 * trimmed.
 */
export function xmlEqual(a: string, b: string): boolean {
  return xmlDifference(a, b) === undefined;
}

/** Where `actual` first differs from `expected` (see {@link xmlEqual}), or undefined when equal. */
export function xmlDifference(actual: string, expected: string): string | undefined {
  return compareElements(parseOrThrow(actual, 'actual'), parseOrThrow(expected, 'expected'), '');
}

/**
 * The content of the SOAP Body of `envelope` (its child nodes, each a standalone XML fragment with the
 * namespaces it uses declared on it), or undefined when `envelope` is not an Envelope with a Body.
 */
export function soapBody(envelope: string): string | undefined {
  const root = parseOrThrow(envelope, 'envelope');
  if (root.name.local !== 'Envelope') return undefined;
  const body = childElements(root).find((c) => c.name.local === 'Body' && c.name.uri === root.name.uri);
  if (!body) return undefined;
  const scope = new Map([...root.namespaces, ...body.namespaces]);
  // what serialize needs declared is then declared on each child, so every fragment stands alone
  return body.children.map((c) => (c.type === 'element' ? serialize({ ...c, namespaces: new Map([...usedScope(c, scope), ...c.namespaces]) }) : serialize(c))).join('').trim();
}

/** The bindings of `scope` that `el` or its descendants use (by prefix), so a fragment keeps its meaning. */
function usedScope(el: XmlElement, scope: ReadonlyMap<string, string>): Map<string, string> {
  const used = new Map<string, string>();
  const visit = (e: XmlElement): void => {
    if (scope.has(e.prefix) && !e.namespaces.has(e.prefix)) used.set(e.prefix, scope.get(e.prefix)!);
    for (const a of e.attributes) {
      const p = a.raw.includes(':') ? a.raw.slice(0, a.raw.indexOf(':')) : undefined;
      if (p && scope.has(p)) used.set(p, scope.get(p)!);
    }
    // prefixes used inside values (xsi:type="p:T") cannot be seen; keep every binding in that case
    for (const a of e.attributes) if (/^[\w.-]+:[\w.-]+$/.test(a.value)) for (const [k, v] of scope) used.set(k, v);
    for (const c of childElements(e)) visit(c);
  };
  visit(el);
  return used;
}

/** `xml` in a canonical one-line form ({uri}local names, sorted attributes): what xmlEqual compares. */
export function canonicalXml(xml: string): string {
  return canonical(parseOrThrow(xml, 'xml'));
}

function parseOrThrow(xml: string, what: string): XmlElement {
  try {
    return parseXml(xml.replace(/^\uFEFF/, '').trim());
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw new MoorError('MOOR_ERR_MALFORMED_XML', `the ${what} XML is not well-formed: ${e.message}`, { cause: e });
    throw e;
  }
}

/** The significant children: elements, and text runs (adjacent text and CDATA joined, trimmed, non-empty). */
function significant(el: XmlElement): (XmlElement | string)[] {
  const out: (XmlElement | string)[] = [];
  let text: string | undefined;
  const flush = (): void => {
    if (text !== undefined && text.trim() !== '') out.push(text.trim());
    text = undefined;
  };
  for (const c of el.children) {
    if (c.type === 'element') {
      flush();
      out.push(c);
    } else if (c.type !== 'comment') text = (text ?? '') + c.value;
  }
  flush();
  return out;
}

function attrs(el: XmlElement): Map<string, string> {
  return new Map(el.attributes.map((a) => [clark(a.name), a.value]));
}

type Scope = ReadonlyMap<string, string>;

/** `p:local` resolved to `{uri}local` when `p` is bound in `scope` (QName values: faultcode, xsi:type). */
function resolvedQName(value: string, scope: Scope): string | undefined {
  const m = /^([A-Za-z_][\w.-]*):([A-Za-z_][\w.-]*)$/.exec(value);
  const uri = m && scope.get(m[1]!);
  return uri === undefined || uri === null ? undefined : `{${uri}}${m![2]}`;
}

/** True when two values are equal as written, or are QNames naming the same {uri}local. */
function sameValue(x: string, y: string, sx: Scope, sy: Scope): boolean {
  if (x === y) return true;
  const qx = resolvedQName(x, sx);
  return qx !== undefined && qx === resolvedQName(y, sy);
}

function compareElements(a: XmlElement, b: XmlElement, at: string, outerA: Scope = new Map(), outerB: Scope = new Map()): string | undefined {
  const here = `${at}/${a.name.local}`;
  const sa = a.namespaces.size ? new Map([...outerA, ...a.namespaces]) : outerA;
  const sb = b.namespaces.size ? new Map([...outerB, ...b.namespaces]) : outerB;
  if (a.name.uri !== b.name.uri || a.name.local !== b.name.local) return `at ${at || '/'}: element ${clark(a.name)} where ${clark(b.name)} was expected`;
  const aa = attrs(a);
  const ba = attrs(b);
  for (const [n, v] of ba) {
    if (!aa.has(n)) return `at ${here}: attribute ${n} is missing`;
    if (!sameValue(aa.get(n)!, v, sa, sb)) return `at ${here}: attribute ${n} is "${aa.get(n)}", expected "${v}"`;
  }
  for (const n of aa.keys()) if (!ba.has(n)) return `at ${here}: unexpected attribute ${n}`;
  const ac = significant(a);
  const bc = significant(b);
  for (let i = 0; i < Math.max(ac.length, bc.length); i++) {
    const x = ac[i];
    const y = bc[i];
    if (x === undefined) return `at ${here}: missing ${describe(y!)}`;
    if (y === undefined) return `at ${here}: unexpected ${describe(x)}`;
    if (typeof x === 'string' || typeof y === 'string') {
      if (typeof x !== typeof y || !sameValue(x as string, y as string, sa, sb)) return `at ${here}: ${describe(x)} where ${describe(y)} was expected`;
      continue;
    }
    const d = compareElements(x, y, here, sa, sb);
    if (d) return d;
  }
  return undefined;
}

function describe(n: XmlElement | string): string {
  return typeof n === 'string' ? `text "${n.length > 60 ? `${n.slice(0, 57)}...` : n}"` : `element ${clark(n.name)}`;
}

function canonical(el: XmlElement): string {
  const name = clark(el.name);
  const a = [...attrs(el)].sort(([x], [y]) => x.localeCompare(y)).map(([n, v]) => ` ${n}="${v}"`).join('');
  const kids = significant(el).map((c) => (typeof c === 'string' ? c : canonical(c))).join('');
  return kids ? `<${name}${a}>${kids}</${name}>` : `<${name}${a}/>`;
}

function evaluate(xml: string, expression: string, namespaces: Namespaces): XValue {
  const { doc, failure } = parseDom(xml.trim(), { bom: true });
  if (failure || !doc?.documentElement) throw new MoorError('MOOR_ERR_MALFORMED_XML', `the XML is not well-formed: ${failure ?? 'no root element'}`);
  let compiled;
  try {
    compiled = parseXPath(expression);
  } catch (e) {
    throw new MoorError('MOOR_ERR_BAD_XPATH', `"${expression}" is not a valid XPath expression: ${(e as Error).message}`, { cause: e });
  }
  const root = doc!.documentElement as unknown as Element;
  const child = (parent: Node | undefined, local: string): Node | undefined => {
    for (let c = parent?.firstChild; c; c = c.nextSibling) if (c.nodeType === 1 && (c as Element).localName === local) return c;
    return undefined;
  };
  try {
    return compiled.evaluate({
      node: doc! as unknown as Node,
      namespaces: { ...declaredPrefixes(root), ...namespaces },
      variables: (name, ns) => {
        if (ns) return undefined;
        // $body and $header as Synapse means them, when the document is an Envelope
        if (name === 'body') return child(root, 'Body') ?? [];
        if (name === 'header') return child(root, 'Header') ?? [];
        return undefined;
      },
    });
  } catch (e) {
    throw new MoorError('MOOR_ERR_BAD_XPATH', `evaluating "${expression}" failed: ${(e as Error).message}`, { cause: e });
  }
}

/** The prefixes declared anywhere in the document (the first declaration of a prefix wins). */
function declaredPrefixes(root: Element): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (el: Element): void => {
    for (let i = 0; i < el.attributes.length; i++) {
      const a = el.attributes[i]!;
      if (a.name.startsWith('xmlns:') && !(a.name.slice(6) in out)) out[a.name.slice(6)] = a.value;
    }
    for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) visit(c as Element);
  };
  visit(root);
  return out;
}
