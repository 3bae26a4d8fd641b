/**
 * A parsed message held compactly (issue 10: a parsed body costs a small multiple of its bytes): the
 * one source string plus typed arrays — per node its kind, name, parent, next sibling and the source
 * offsets of its content; per attribute its name and the offsets of its value. Names (with the
 * namespace each resolves to) are interned, so a body of repeated line items costs ~21 bytes a node
 * and 13 an attribute beside its own bytes, where xmldom's DOM costs ~41 bytes per message byte
 * (docs/hostile-input.md gives the measurements). Values are decoded only when read.
 *
 * Nodes are in document order (index 0 is the document), so an element's first child is the next
 * index and document order is index order. The tree mirrors what xmldom builds from the same text
 * (xmldom's own reading of the XML declaration, of white space around the root, of line ends and of
 * white space in attribute values), so XPath over it answers as over xmldom's DOM
 * (test/xml/compact-tree.test.ts checks that on generated documents). It is read-only.
 *
 * The parser is strict rather than complete: anything it does not expect (a DOCTYPE, a processing
 * instruction other than the declaration, an entity other than the five predefined and character
 * references, an unbound prefix, a mismatched tag…) makes it give up and answer undefined, and the
 * caller parses the text with xmldom as before, with xmldom's outcome. The streaming envelope check
 * has refused all of these already on the gateway's paths, so that is rare.
 */
import { CDATA, COMMENT, DOCUMENT, ELEMENT, PI, TEXT } from './node-types.ts';
import { NS } from './names.ts';

/** Node kinds are the DOM's nodeType numbers (node-types.ts), so the view hands them on as they are. */
export { CDATA, COMMENT, DOCUMENT, ELEMENT, PI, TEXT };

/** An interned element or attribute name with the namespace it resolved to. */
export interface CompactName {
  readonly qname: string;
  readonly prefix: string | null;
  readonly local: string;
  readonly uri: string | null;
}

/** Set in `kind` when the node's text holds references or carriage returns to decode on reading. */
export const DECODE = 0x80;

/** The parsed form: read it through compact-dom.ts (a DOM-like view) or directly. */
export interface CompactTree {
  readonly text: string;
  readonly count: number;
  /** nodeType, | DECODE when the content needs decoding. */
  readonly kind: Uint8Array;
  /** Element: index into names. */
  readonly name: Int32Array;
  readonly parent: Int32Array;
  /** Next sibling, or -1. */
  readonly next: Int32Array;
  /** Text, CDATA, comment, PI: the content's offsets in text. Element: its attributes [start, stop). */
  readonly start: Uint32Array;
  readonly stop: Uint32Array;
  readonly attrName: Int32Array;
  readonly attrStart: Uint32Array;
  readonly attrStop: Uint32Array;
  /** 1 when the attribute's value needs decoding. */
  readonly attrDecode: Uint8Array;
  readonly names: readonly CompactName[];
}

class Fail extends Error {}
const fail = (): never => {
  throw new Fail();
};

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
/** Characters that end a name (or may not be in one). */
const endsName = (c: number): boolean => c <= 0x20 || c === 0x3e || c === 0x2f || c === 0x3d || c === 0x3c || c === 0x22 || c === 0x27 || c === 0x26 || Number.isNaN(c);

/** Parses `text` (no byte order mark) into a compact tree, or undefined where xmldom should decide. */
export function parseCompact(text: string): CompactTree | undefined {
  try {
    return new Builder(text).run();
  } catch (e) {
    if (e instanceof Fail || e instanceof RangeError) return undefined;
    throw e;
  }
}

class Builder {
  private n = 0;
  private cap: number;
  private kind: Uint8Array;
  private name: Int32Array;
  private parent: Int32Array;
  private next: Int32Array;
  private start: Uint32Array;
  private stop: Uint32Array;
  private an = 0;
  private acap: number;
  private attrName: Int32Array;
  private attrStart: Uint32Array;
  private attrStop: Uint32Array;
  private attrDecode: Uint8Array;
  private readonly names: CompactName[] = [];
  private readonly nameIds = new Map<string, number>();
  /** The last child of each open element (its next sibling is set when another comes). */
  private readonly lastChild: number[] = [];
  private readonly open: number[] = [];
  /** Namespace bindings as a stack of [prefix, uri] with the stack height at each open element. */
  private readonly bindings: [string, string][] = [];
  private readonly marks: number[] = [];
  private pos = 0;

  constructor(private readonly text: string) {
    this.cap = Math.max(16, text.length >> 4);
    this.kind = new Uint8Array(this.cap);
    this.name = new Int32Array(this.cap);
    this.parent = new Int32Array(this.cap);
    this.next = new Int32Array(this.cap);
    this.start = new Uint32Array(this.cap);
    this.stop = new Uint32Array(this.cap);
    this.acap = Math.max(16, text.length >> 5);
    this.attrName = new Int32Array(this.acap);
    this.attrStart = new Uint32Array(this.acap);
    this.attrStop = new Uint32Array(this.acap);
    this.attrDecode = new Uint8Array(this.acap);
  }

  run(): CompactTree {
    const t = this.text;
    this.add(DOCUMENT, 0, 0, -1);
    this.open.push(0);
    this.lastChild.push(-1);
    let root = false;
    if (t.startsWith('<?xml') && isSpace(t.charCodeAt(5))) {
      const end = t.indexOf('?>', 6);
      if (end < 0) fail();
      let s = 6;
      while (isSpace(t.charCodeAt(s))) s++;
      this.child(PI, s, end, 0);
      this.pos = end + 2;
    }
    // the prolog and what follows the root: comments and white space (which xmldom keeps as text,
    // except at the very end)
    while (this.pos < t.length) {
      const p = this.pos;
      const c = t.charCodeAt(p);
      if (c === 0x3c) {
        if (t.startsWith('<!--', p)) this.comment();
        else if (!root && !endsName(t.charCodeAt(p + 1))) {
          this.element();
          root = true;
        } else fail();
        continue;
      }
      let e = p;
      while (e < t.length && isSpace(t.charCodeAt(e))) e++;
      if (e < t.length && t.charCodeAt(e) !== 0x3c) fail();
      if (e < t.length) this.child(t.indexOf('\r', p) >= 0 && t.indexOf('\r', p) < e ? TEXT | DECODE : TEXT, p, e, 0);
      this.pos = e;
    }
    if (!root) fail();
    return this.finish();
  }

  private finish(): CompactTree {
    const n = this.n;
    const a = this.an;
    return {
      text: this.text,
      count: n,
      kind: this.kind.slice(0, n),
      name: this.name.slice(0, n),
      parent: this.parent.slice(0, n),
      next: this.next.slice(0, n),
      start: this.start.slice(0, n),
      stop: this.stop.slice(0, n),
      attrName: this.attrName.slice(0, a),
      attrStart: this.attrStart.slice(0, a),
      attrStop: this.attrStop.slice(0, a),
      attrDecode: this.attrDecode.slice(0, a),
      names: this.names,
    };
  }

  private add(kind: number, start: number, stop: number, parent: number): number {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.kind[i] = kind;
    this.start[i] = start;
    this.stop[i] = stop;
    this.parent[i] = parent;
    this.next[i] = -1;
    return i;
  }

  /** Adds a node as the next child of the innermost open element. */
  private child(kind: number, start: number, stop: number, name: number): number {
    const depth = this.open.length - 1;
    const i = this.add(kind, start, stop, this.open[depth]!);
    this.name[i] = name;
    const last = this.lastChild[depth]!;
    if (last >= 0) this.next[last] = i;
    this.lastChild[depth] = i;
    return i;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const more = <T extends Uint8Array | Int32Array | Uint32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.kind = more(this.kind);
    this.name = more(this.name);
    this.parent = more(this.parent);
    this.next = more(this.next);
    this.start = more(this.start);
    this.stop = more(this.stop);
    this.cap = cap;
  }

  private growAttrs(): void {
    const cap = this.acap * 2;
    const more = <T extends Uint8Array | Int32Array | Uint32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.attrName = more(this.attrName);
    this.attrStart = more(this.attrStart);
    this.attrStop = more(this.attrStop);
    this.attrDecode = more(this.attrDecode);
    this.acap = cap;
  }

  private comment(): void {
    const t = this.text;
    const s = this.pos + 4;
    const e = t.indexOf('--', s);
    if (e < 0 || t.charCodeAt(e + 2) !== 0x3e) fail();
    this.child(t.indexOf('\r', s) >= 0 && t.indexOf('\r', s) < e ? COMMENT | DECODE : COMMENT, s, e, 0);
    this.pos = e + 3;
  }

  private readName(): string {
    const t = this.text;
    const s = this.pos;
    let e = s;
    while (!endsName(t.charCodeAt(e))) e++;
    if (e === s) fail();
    this.pos = e;
    return t.slice(s, e);
  }

  private skipSpace(): boolean {
    const s = this.pos;
    while (isSpace(this.text.charCodeAt(this.pos))) this.pos++;
    return this.pos > s;
  }

  /** Checks the references in [s, e) and tells whether the range needs decoding. */
  private checkRefs(s: number, e: number): boolean {
    const t = this.text;
    let decode = false;
    for (let i = s; i < e; i++) {
      const c = t.charCodeAt(i);
      if (c === 0x26) {
        const semi = t.indexOf(';', i);
        if (semi < 0 || semi >= e) fail();
        if (decodeRef(t.slice(i + 1, semi)) === undefined) fail();
        decode = true;
        i = semi;
      } else if (c === 0x0d) decode = true;
      else if (c < 0x20 && c !== 0x09 && c !== 0x0a) fail();
    }
    return decode;
  }

  /** The start tag at pos (the element, its attributes and its namespace declarations), then its content. */
  private element(): void {
    const t = this.text;
    this.pos++;
    const qname = this.readName();
    const firstAttr = this.an;
    const attrQnames: string[] = [];
    this.marks.push(this.bindings.length);
    for (;;) {
      const spaced = this.skipSpace();
      const c = t.charCodeAt(this.pos);
      if (c === 0x3e || c === 0x2f) break;
      if (!spaced) fail();
      const aname = this.readName();
      this.skipSpace();
      if (t.charCodeAt(this.pos) !== 0x3d) fail();
      this.pos++;
      this.skipSpace();
      const q = t.charCodeAt(this.pos);
      if (q !== 0x22 && q !== 0x27) fail();
      const vs = this.pos + 1;
      const ve = t.indexOf(q === 0x22 ? '"' : "'", vs);
      if (ve < 0) fail();
      const lt = t.indexOf('<', vs);
      if (lt >= 0 && lt < ve) fail();
      if (attrQnames.includes(aname)) fail();
      attrQnames.push(aname);
      if (this.an === this.acap) this.growAttrs();
      const a = this.an++;
      this.attrStart[a] = vs;
      this.attrStop[a] = ve;
      let decode = this.checkRefs(vs, ve);
      if (!decode) for (let i = vs; i < ve && !decode; i++) decode = isSpace(t.charCodeAt(i)) && t.charCodeAt(i) !== 0x20;
      this.attrDecode[a] = decode ? 1 : 0;
      if (aname === 'xmlns' || aname.startsWith('xmlns:')) {
        const uri = decode ? attrValue(t, vs, ve) : t.slice(vs, ve);
        const p = aname === 'xmlns' ? '' : aname.slice(6);
        if (p !== '' && uri === '') fail();
        if (p === 'xmlns' || (p === 'xml' && uri !== NS.xml)) fail();
        this.bindings.push([p, uri]);
      }
      this.pos = ve + 1;
    }
    for (let a = firstAttr; a < this.an; a++) this.attrName[a] = this.intern(attrQnames[a - firstAttr]!, true);
    const el = this.child(ELEMENT, firstAttr, this.an, this.intern(qname, false));
    if (t.charCodeAt(this.pos) === 0x2f) {
      if (t.charCodeAt(this.pos + 1) !== 0x3e) fail();
      this.pos += 2;
      this.bindings.length = this.marks.pop()!;
      return;
    }
    this.pos++;
    this.open.push(el);
    this.lastChild.push(-1);
    const outer = this.open.length;
    // the content, iteratively: nested elements open and close here without recursion
    while (this.open.length >= outer) this.content();
  }

  /** One piece of content of the innermost open element: text, CDATA, a comment, a child, or its end tag. */
  private content(): void {
    const t = this.text;
    const p = this.pos;
    if (t.charCodeAt(p) !== 0x3c) {
      let e = t.indexOf('<', p);
      if (e < 0) fail();
      const decode = this.checkRefs(p, e);
      const gt = t.indexOf(']]>', p);
      if (gt >= 0 && gt < e) fail();
      this.child(decode ? TEXT | DECODE : TEXT, p, e, 0);
      this.pos = e;
      return;
    }
    const c = t.charCodeAt(p + 1);
    if (c === 0x2f) {
      this.pos = p + 2;
      const qname = this.readName();
      this.skipSpace();
      if (t.charCodeAt(this.pos) !== 0x3e) fail();
      this.pos++;
      const el = this.open.pop()!;
      this.lastChild.pop();
      if (this.names[this.name[el]!]!.qname !== qname) fail();
      this.bindings.length = this.marks.pop()!;
      return;
    }
    if (c === 0x21) {
      if (t.startsWith('<!--', p)) return this.comment();
      if (t.startsWith('<![CDATA[', p)) {
        const s = p + 9;
        const e = t.indexOf(']]>', s);
        if (e < 0) fail();
        for (let i = s; i < e; i++) {
          const ch = t.charCodeAt(i);
          if (ch < 0x20 && ch !== 0x09 && ch !== 0x0a && ch !== 0x0d) fail();
        }
        // xmldom makes no node of an empty section and joins the text around it: one node that no
        // single range of the source holds, so xmldom is left to it
        if (e === s) fail();
        this.child(t.indexOf('\r', s) >= 0 && t.indexOf('\r', s) < e ? CDATA | DECODE : CDATA, s, e, 0);
        this.pos = e + 3;
        return;
      }
      fail();
    }
    if (endsName(c)) fail();
    this.element();
  }

  /** The id of `qname` as it resolves here (an attribute without a prefix is in no namespace). */
  private intern(qname: string, attribute: boolean): number {
    const colon = qname.indexOf(':');
    if (colon === 0 || colon === qname.length - 1 || (colon > 0 && qname.indexOf(':', colon + 1) >= 0)) fail();
    const prefix = colon > 0 ? qname.slice(0, colon) : null;
    let uri: string | null;
    if (attribute && (qname === 'xmlns' || prefix === 'xmlns')) uri = NS.xmlns;
    else if (prefix === 'xml') uri = NS.xml;
    else if (attribute && prefix === null) uri = null;
    else uri = this.lookup(prefix ?? '');
    const key = uri === null ? qname : `${qname}\u0000${uri}`;
    let id = this.nameIds.get(key);
    if (id === undefined) {
      id = this.names.length;
      const local = colon > 0 ? qname.slice(colon + 1) : qname;
      this.names.push({ qname, prefix, local, uri });
      this.nameIds.set(key, id);
    }
    return id;
  }

  private lookup(prefix: string): string | null {
    for (let i = this.bindings.length - 1; i >= 0; i--) {
      const [p, u] = this.bindings[i]!;
      if (p === prefix) return u === '' ? null : u;
    }
    if (prefix !== '') fail();
    return null;
  }
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** The text of a reference's name (`amp`, `#38`, `#x26`), or undefined when it is not one XML allows here. */
function decodeRef(ref: string): string | undefined {
  if (ref.charCodeAt(0) !== 0x23) return PREDEFINED[ref];
  const hex = ref.charCodeAt(1) === 0x78;
  const digits = ref.slice(hex ? 2 : 1);
  if (digits === '' || !(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) return undefined;
  const cp = parseInt(digits, hex ? 16 : 10);
  const ok = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
  return ok ? String.fromCodePoint(cp) : undefined;
}

/** Text content [s, e) decoded as xmldom reads it: references replaced, CR LF and CR as LF. */
export function textValue(t: string, s: number, e: number): string {
  return decodeRange(t, s, e, false);
}

/** An attribute value [s, e) decoded as xmldom reads it: also tab, LF and CR (not from references) as spaces. */
export function attrValue(t: string, s: number, e: number): string {
  return decodeRange(t, s, e, true);
}

function decodeRange(t: string, s: number, e: number, attribute: boolean): string {
  let out = '';
  let from = s;
  for (let i = s; i < e; i++) {
    const c = t.charCodeAt(i);
    if (c === 0x26) {
      const semi = t.indexOf(';', i);
      out += t.slice(from, i) + decodeRef(t.slice(i + 1, semi))!;
      i = semi;
      from = i + 1;
    } else if (c === 0x0d || (attribute && (c === 0x0a || c === 0x09))) {
      out += t.slice(from, i) + (attribute ? ' ' : '\n');
      if (c === 0x0d && t.charCodeAt(i + 1) === 0x0a) i++;
      from = i + 1;
    }
  }
  return out + t.slice(from, e);
}

/** CDATA or comment content [s, e) with its line ends as LF. */
export function rawValue(t: string, s: number, e: number): string {
  return t.slice(s, e).replace(/\r\n?/g, '\n');
}
