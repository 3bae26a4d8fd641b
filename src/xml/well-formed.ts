/**
 * XML well-formedness on bytes, for the head scanner: names, start tags and their attributes, character
 * and entity references. They hold a SOAP head to the rules that fast-xml-parser's separate validating
 * pass would, in the one pass that finds the head, so the parser itself runs only on what is read.
 *
 * They read the bytes through `t`, the same bytes as a latin1 string (one character per byte, made
 * once per scan): a string's charCodeAt, indexOf and slice cost far less than a Buffer's element access
 * and toString per name. Every XML delimiter is ASCII, so offsets in `t` are byte offsets; where a name
 * or value holds bytes from 0x80 on, it is decoded from `buf` as UTF-8.
 */
import { decodeReferences, XmlSyntaxError } from './parse.ts';

const LT = 0x3c;
const SLASH = 0x2f;
const AMP = 0x26;
const EQ = 0x3d;
const COLON = 0x3a;

/**
 * Names fast-xml-parser refuses to read (they would reach JavaScript's object machinery). They are well
 * formed XML, but the head is parsed with it, so they are refused up front like a malformed head.
 */
const UNREADABLE = new Set(['__proto__', 'constructor', 'prototype']);

/** Refuses an element or attribute name that the parser cannot hold. */
export function checkReadable(name: string, at: number): void {
  if ((name.length === 9 || name.length === 11) && UNREADABLE.has(name)) throw new XmlSyntaxError(`the XML cannot be read: the name ${name} cannot be held by the parser`, { offset: at });
}

/** XML 1.0's XMLDecl: version, then optionally encoding and standalone, in that order. */
export const XML_DECLARATION = /^<\?xml\s+version\s*=\s*(["'])1\.[0-9]+\1(?:\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\3)?\s*\?>$/;

/** Characters XML 1.0 forbids anywhere, even escaped (as latin1 text: one byte each; UTF-8 never makes them). */
export const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f]/;

/**
 * Characters XML 1.0 cannot hold, even escaped, in a JavaScript string: controls but tab, CR and LF;
 * U+FFFE and U+FFFF; a lone surrogate.
 */
export const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;

/** The last XML declaration that passed: clients and backends send the same one in every message. */
let lastDeclaration = '';

/**
 * True when `decl` (from `<?` to `?>`) is a well-formed XML declaration: one equal to the last that
 * passed needs no regular expression (it starts with `<?xml` and white space, as XML_DECLARATION requires).
 */
export function isXmlDeclaration(decl: string): boolean {
  if (decl === lastDeclaration) return true;
  if (!XML_DECLARATION.test(decl)) return false;
  if (decl.length <= 128) lastDeclaration = decl;
  return true;
}

/** True for XML's white space characters. */
export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** ASCII name characters: 2 may start a name, 1 may only follow. Bytes from 0x80 on are checked by NAME. */
const NAME_CHARS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[:A-Z_a-z]/.test(ch)) NAME_CHARS[c] = 2;
  else if (/[-.0-9]/.test(ch)) NAME_CHARS[c] = 1;
}
/** XML 1.0's Name production, for names with characters beyond ASCII. */
const NAME =
  /^[:A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\u{10000}-\u{EFFFF}][-.0-9\u00B7\u0300-\u036F\u203F\u2040:A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\u{10000}-\u{EFFFF}]*$/u;

/** The offset just after the XML Name that starts at `from` (before `to`); `from` when none starts there. */
export function nameEnd(t: string, buf: Buffer, from: number, to: number): number {
  let i = from;
  let wide = false;
  for (; i < to; i++) {
    const c = t.charCodeAt(i);
    if (c >= 0x80) wide = true;
    else if (NAME_CHARS[c] === 0) break;
  }
  if (i === from) return from;
  const first = t.charCodeAt(from);
  if (first < 0x80 && NAME_CHARS[first] !== 2) return from;
  if (wide && !NAME.test(buf.toString('utf8', from, i))) return from;
  return i;
}

/** Bytes [from, to) as text: the latin1 view's slice when it is ASCII, else decoded as UTF-8. */
export function textAt(t: string, buf: Buffer, from: number, to: number, wide: boolean): string {
  return wide ? buf.toString('utf8', from, to) : t.slice(from, to);
}

/** True when [from, to) of `t` holds a byte from 0x80 on (part of a multi-byte UTF-8 character). */
export function hasWide(t: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (t.charCodeAt(i) >= 0x80) return true;
  return false;
}

/** True when code point `cp` may appear in an XML 1.0 document. */
function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** Checks the reference at `at` (an `&`, before `limit`): a character reference to an XML character, or one of the five predefined entities. */
export function checkReference(t: string, buf: Buffer, at: number, limit: number): void {
  const semi = t.indexOf(';', at + 1);
  const ref = semi < 0 || semi >= limit ? '' : t.slice(at + 1, semi);
  let ok: boolean;
  if (ref.startsWith('#x')) ok = /^#x[0-9a-fA-F]+$/.test(ref) && isXmlChar(parseInt(ref.slice(2), 16));
  else if (ref.startsWith('#')) ok = /^#[0-9]+$/.test(ref) && isXmlChar(parseInt(ref.slice(1), 10));
  else ok = ref === 'amp' || ref === 'lt' || ref === 'gt' || ref === 'quot' || ref === 'apos';
  if (!ok) {
    const shown = buf.toString('utf8', at, Math.min(limit, at + 12));
    throw new XmlSyntaxError(`${JSON.stringify(shown)} is neither a character reference to an XML character nor one of XML's predefined entities (&amp; &lt; &gt; &quot; &apos;)`, { offset: at });
  }
}

/** What a start tag says about namespaces: its declarations, and the prefixes its attributes use. */
export interface TagNamespaces {
  /** [prefix ('' for the default namespace), namespace name] for each xmlns attribute. */
  readonly declared: [string, string][] | undefined;
  /** Prefixes of its other attributes, each to be in scope. */
  readonly used: string[] | undefined;
}

/**
 * Holds the complete start tag [lt, gt] to XML's grammar: `<Name (S Name S? = S? "value")* S? /?>`,
 * each attribute named once, values without `<` and with well-formed references. Returns the namespace
 * declarations and attribute prefixes, or undefined when it has none.
 */
export function checkStartTag(t: string, buf: Buffer, lt: number, gt: number): TagNamespaces | undefined {
  const last = t.charCodeAt(gt - 1) === SLASH ? gt - 1 : gt;
  let p = nameEnd(t, buf, lt + 1, last);
  if (p === lt + 1) throw new XmlSyntaxError('a start tag does not begin with a valid element name', { offset: lt });
  // attribute names as [start, end) pairs, compared character by character: no string per attribute
  let seen: number[] | undefined;
  let declared: [string, string][] | undefined;
  let used: string[] | undefined;
  for (;;) {
    let q = p;
    while (q < last && isSpace(t.charCodeAt(q))) q++;
    if (q === last) return declared || used ? { declared, used } : undefined;
    if (q === p) throw new XmlSyntaxError('attributes must be separated by white space', { offset: q });
    const n = nameEnd(t, buf, q, last);
    if (n === q) throw new XmlSyntaxError('a start tag holds something that is not an attribute', { offset: q });
    let e = n;
    while (e < last && isSpace(t.charCodeAt(e))) e++;
    if (t.charCodeAt(e) !== EQ) throw new XmlSyntaxError(`attribute ${buf.toString('utf8', q, n)} has no value`, { offset: q });
    e++;
    while (e < last && isSpace(t.charCodeAt(e))) e++;
    const quote = t.charCodeAt(e);
    if (quote !== 0x22 && quote !== 0x27) throw new XmlSyntaxError(`the value of attribute ${buf.toString('utf8', q, n)} is not quoted`, { offset: e });
    // the quote-aware search that found `gt` guarantees the closing quote before it
    const close = t.indexOf(quote === 0x22 ? '"' : "'", e + 1);
    let refs = false;
    let wide = false;
    for (let k = e + 1; k < close; k++) {
      const c = t.charCodeAt(k);
      if (c === LT) throw new XmlSyntaxError(`the value of attribute ${buf.toString('utf8', q, n)} contains <`, { offset: k });
      if (c === AMP) {
        checkReference(t, buf, k, close);
        refs = true;
      } else if (c >= 0x80) wide = true;
    }
    if (seen && repeated(t, seen, q, n)) throw new XmlSyntaxError(`attribute ${buf.toString('utf8', q, n)} appears twice`, { offset: q });
    (seen ??= []).push(q, n);
    if (n - q === 9 || n - q === 11) checkReadable(t.slice(q, n), q);
    if (n - q >= 5 && t.startsWith('xmlns', q) && (n - q === 5 || t.charCodeAt(q + 5) === COLON)) {
      // the value as the parser reports it: line ends normalised, references resolved
      let value = textAt(t, buf, e + 1, close, wide);
      if (value.includes('\r')) value = value.replace(/\r\n?/g, '\n');
      if (refs) value = decodeReferences(value);
      (declared ??= []).push([n - q === 5 ? '' : textAt(t, buf, q + 6, n, hasWide(t, q + 6, n)), value]);
    } else {
      const colon = t.indexOf(':', q);
      if (colon >= 0 && colon < n) (used ??= []).push(textAt(t, buf, q, colon, hasWide(t, q, colon)));
    }
    p = close + 1;
  }
}

/** True when [q, n) of `t` equals one of the [start, end) ranges in `seen`. */
function repeated(t: string, seen: readonly number[], q: number, n: number): boolean {
  for (let i = 0; i < seen.length; i += 2) {
    const s = seen[i]!;
    if (seen[i + 1]! - s === n - q && t.startsWith(t.slice(q, n), s)) return true;
  }
  return false;
}
