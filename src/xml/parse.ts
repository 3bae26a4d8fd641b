/**
 * Namespace-aware parsing on top of fast-xml-parser, which does not resolve namespaces itself. The
 * parser's ordered output is turned into XmlElement trees whose names are {uri, local} pairs.
 */
import type * as FastXmlParser from 'fast-xml-parser';
import { requireCommonJs } from '../commonjs.ts';
import { MoorError } from '../errors.ts';
import { type XmlAttribute, type XmlElement, type XmlNode } from './element.ts';
import { NS, splitPrefixed } from './names.ts';

/** A well-formedness or namespace problem, with the character offset or line:col where it was found. */
export class XmlSyntaxError extends MoorError {
  readonly line: number | undefined;
  readonly col: number | undefined;
  readonly offset: number | undefined;
  constructor(message: string, where: { line?: number; col?: number; offset?: number } = {}) {
    super('MOOR_ERR_MALFORMED_XML', message);
    this.line = where.line;
    this.col = where.col;
    this.offset = where.offset;
  }
}

// fast-xml-parser's CommonJS build is one file; its ES build is ~20 modules that Node 20 loads ~45 ms
// slower, on every command that reads XML (moor validate, moor start: issue 11, docs/benchmarks.md).
const { XMLParser, XMLValidator } = requireCommonJs('fast-xml-parser') as typeof FastXmlParser;
type XMLParser = FastXmlParser.XMLParser;

const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

/** A reference that XML without a DTD cannot resolve; parseXml turns it into a located XmlSyntaxError. */
class BadReference extends Error {
  constructor(readonly ref: string) {
    super(`${ref} is neither a character reference nor one of XML's predefined entities (&amp; &lt; &gt; &quot; &apos;), and without a DTD nothing else is declared`);
  }
}

const PREDEFINED = new Map([['amp', '&'], ['lt', '<'], ['gt', '>'], ['quot', '"'], ['apos', "'"]]);
const REFERENCE = /&(#x[0-9a-fA-F]+|#[0-9]+|[^;&\s<]*)(;?)/g;

/** True when code point `cp` may appear in an XML 1.0 document. */
function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/**
 * Resolves XML's own references in text and attribute values. fast-xml-parser's default decoder leaves
 * `&#65;` undecoded and lets undeclared names through as text; both would change what a header says.
 */
export function decodeReferences(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(REFERENCE, (ref, name: string, semicolon: string) => {
    if (semicolon) {
      if (name.startsWith('#')) {
        const cp = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        if (isXmlChar(cp)) return String.fromCodePoint(cp);
      } else {
        const v = PREDEFINED.get(name);
        if (v !== undefined) return v;
      }
    }
    throw new BadReference(ref);
  });
}

const xmlReferences = {
  decode: decodeReferences,
  // a DTD never reaches the parser (parseXml refuses it first), so there is nothing to add or reset
  reset(): void {},
  setXmlVersion(): void {},
  setExternalEntities(): void {},
  addInputEntities(): void {},
};

function makeParser(positions: boolean): XMLParser {
  return new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    commentPropName: '#comment',
    cdataPropName: '#cdata',
    processEntities: true,
    entityDecoder: xmlReferences,
    ignoreDeclaration: true,
    ignorePiTags: true,
    captureMetaData: positions,
    // no callback of ours reads a path, and building one per element is a good part of the parse
    jPath: false,
  });
}
const plainParser = makeParser(false);
const positionParser = makeParser(true);

/** Options of {@link parseXml}. */
export interface ParseOptions {
  /** Record each element's character offset (config files); costs a little, so off for traffic. */
  readonly positions?: boolean;
  /**
   * The text was already held to XML's well-formedness rules (a SOAP head that HeadScanner checked), so
   * the separate validating pass is skipped; namespaces are still resolved and checked.
   */
  readonly wellFormed?: boolean;
  /** Namespace bindings in scope around the document (used when parsing a fragment). */
  readonly inScope?: ReadonlyMap<string, string>;
}

/** Parses a whole document and returns its root element. Throws XmlSyntaxError. */
export function parseXml(text: string, options: ParseOptions = {}): XmlElement {
  if (hasDoctype(text)) throw new XmlSyntaxError('a document type declaration (<!DOCTYPE) is not allowed');
  const verdict = options.wellFormed ? true : XMLValidator.validate(text);
  if (verdict !== true) {
    throw new XmlSyntaxError(verdict.err.msg, { line: verdict.err.line, col: verdict.err.col });
  }
  let ordered: OrderedNode[];
  try {
    ordered = (options.positions ? positionParser : plainParser).parse(text) as OrderedNode[];
  } catch (e) {
    if (e instanceof BadReference) throw new XmlSyntaxError(e.message, { offset: text.indexOf(e.ref) });
    if (e instanceof MoorError) throw e;
    // fast-xml-parser also refuses some well-formed input (an attribute named __proto__): still the sender's fault
    throw new XmlSyntaxError(`the XML cannot be read: ${(e as Error).message}`);
  }
  const scope = new Map<string, string>(options.inScope ?? []);
  if (!scope.has('xml')) scope.set('xml', NS.xml);
  const roots = convertChildren(ordered, scope).filter((n): n is XmlElement => n.type === 'element');
  const root = roots[0];
  if (!root) throw new XmlSyntaxError('the document has no root element');
  // XMLValidator lets a second root through after a self-closing first one; the second would be lost
  const second = roots[1];
  if (second) throw new XmlSyntaxError(`a document has one root element; <${second.prefix ? `${second.prefix}:` : ''}${second.name.local}> is a second one`, offsetOf(second.offset));
  return root;
}

/** True when `text` holds a document type declaration anywhere. */
export function hasDoctype(text: string): boolean {
  return /<!DOCTYPE/i.test(text);
}

type OrderedNode = Record<string, unknown> & { [META]?: { startIndex?: number } };

function convertChildren(nodes: OrderedNode[], scope: Map<string, string>): XmlNode[] {
  const out: XmlNode[] = [];
  for (const node of nodes) {
    const key = Object.keys(node).find((k) => k !== ':@');
    if (key === undefined) continue;
    const content = node[key] as OrderedNode[];
    if (key === '#text') out.push({ type: 'text', value: String(content) });
    else if (key === '#cdata') out.push({ type: 'cdata', value: innerText(content) });
    else if (key === '#comment') out.push({ type: 'comment', value: innerText(content) });
    else if (key.startsWith('?')) continue;
    else out.push(convertElement(key, node, content, scope));
  }
  return out;
}

function innerText(content: OrderedNode[]): string {
  return content.map((c) => String(c['#text'] ?? '')).join('');
}

function convertElement(raw: string, node: OrderedNode, content: OrderedNode[], outer: Map<string, string>): XmlElement {
  const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
  const offset = node[META]?.startIndex;
  const declared = new Map<string, string>();
  for (const [name, value] of Object.entries(rawAttrs)) {
    if (name === 'xmlns') declared.set('', value);
    else if (name.startsWith('xmlns:')) declared.set(name.slice(6), value);
  }
  const scope = declared.size ? new Map([...outer, ...declared]) : outer;
  const { prefix, local } = splitPrefixed(raw);
  const uri = scope.get(prefix) ?? '';
  if (prefix && !scope.has(prefix)) throw new XmlSyntaxError(`prefix "${prefix}" of <${raw}> is not declared`, offsetOf(offset));
  const attributes: XmlAttribute[] = [];
  for (const [name, value] of Object.entries(rawAttrs)) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    const a = splitPrefixed(name);
    if (a.prefix && !scope.has(a.prefix)) {
      throw new XmlSyntaxError(`prefix "${a.prefix}" of attribute ${name} is not declared`, offsetOf(offset));
    }
    // unprefixed attributes are in no namespace, whatever the default namespace is
    attributes.push({ name: { uri: a.prefix ? (scope.get(a.prefix) ?? '') : '', local: a.local }, raw: name, value });
  }
  const el: XmlElement = {
    type: 'element',
    name: { uri, local },
    prefix,
    attributes,
    namespaces: declared,
    children: convertChildren(content, scope),
    ...(offset === undefined ? {} : { offset }),
  };
  return el;
}

function offsetOf(offset: number | undefined): { offset?: number } {
  return offset === undefined ? {} : { offset };
}
