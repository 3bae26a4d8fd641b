/**
 * Finds where a SOAP envelope's head ends without parsing the body: the Header always precedes the
 * Body, so the head is everything before the first child of the Envelope that is not a Header. Works on
 * bytes (every XML delimiter is ASCII, so UTF-8 never confuses it) and resumes where it stopped when
 * more bytes arrive, so a head split across many chunks costs one pass.
 *
 * It also refuses, before anything is parsed, what SOAP forbids outright: a document type declaration
 * (so entity expansion can never happen) and processing instructions. And it holds the head to XML's
 * well-formedness rules as it goes (names, attributes, references, nesting, nothing but space around the
 * root), so that parsing the head needs no second, validating pass.
 */
import { MoorError } from '../errors.ts';
import { NS, type QName, splitPrefixed } from './names.ts';
import { XmlSyntaxError } from './parse.ts';
import { checkReadable, checkReference, checkStartTag, isSpace, type TagNamespaces, textAt, XML_DECLARATION } from './well-formed.ts';

/** Limits applied while scanning. */
export interface ScanLimits {
  readonly maxHeadBytes: number;
  readonly maxDepth: number;
  readonly maxAttributes: number;
}

/** Byte offsets of the head's landmarks. */
export interface HeadBoundary {
  /** Offset just after the Envelope start tag. */
  readonly envelopeTagEnd: number;
  /** The Envelope's tag name as written, e.g. `soapenv:Envelope`. */
  readonly envelopeTag: string;
  /** Offsets of the (first) Header element, when there is one. */
  readonly header: { readonly start: number; readonly end: number } | undefined;
  /** Offset of the `<` that opens the first non-Header child of the Envelope (normally the Body). */
  readonly bodyStart: number;
  /** Offset just after that element's start tag. */
  readonly bodyTagEnd: number;
  /** Its tag name as written, and whether it closed itself (`<Body/>`). */
  readonly bodyTag: string;
  readonly bodySelfClosing: boolean;
  /** What the scan learnt of the head's structure, with every name resolved to its namespace. */
  readonly index: HeadIndex;
}

/**
 * The head's structure as the scan found it, enough to check the Envelope's shape and to find a header
 * block without parsing the whole head: every prefix in the head was checked to be declared on the way.
 */
export interface HeadIndex {
  readonly envelope: QName;
  /** The Envelope's children before the Body (all named Header, in whatever namespace). */
  readonly headers: readonly QName[];
  /** The element the head ends at, normally the Body. */
  readonly body: QName;
  /** The namespaces in scope inside the first Header (a block parsed alone needs them). */
  readonly headerScope: ReadonlyMap<string, string>;
  /** The first Header's child elements, in order, with their byte ranges. */
  readonly blocks: readonly HeadBlock[];
  /** The namespaces in scope inside the Body (the streaming check of the rest resolves prefixes in it). */
  readonly bodyScope: ReadonlyMap<string, string>;
}

/** A header block as the scan found it. */
export interface HeadBlock {
  readonly name: QName;
  /** Offsets of its `<` and just after its end tag (or of its self-closing start tag). */
  readonly start: number;
  readonly end: number;
  /** Offset just after its start tag. */
  readonly tagEnd: number;
  /**
   * True when it holds nothing but character data (no child element, comment or CDATA section), as
   * most routing headers do (ClientID, ServiceGroupId, wsa:To): such a block is read without a parser.
   */
  readonly leaf: boolean;
}

const ROOT_SCOPE: ReadonlyMap<string, string> = new Map([['xml', NS.xml]]);
/** How many bytes are first read as text; doubled while the head goes on. */
const TEXT_WINDOW = 512;

const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;

/** Result of one scan: the boundary, 'more' (need more bytes), or 'ended' (root closed, no Body seen). */
export type ScanResult = HeadBoundary | 'more' | 'ended';

/**
 * A resumable scanner over a growing byte buffer. It reads the bytes through a latin1 string of them
 * (one character per byte, extended as bytes arrive; see well-formed.ts for why).
 */
export class HeadScanner {
  private pos = 0;
  private readonly stack: string[] = [];
  private envelopeTagEnd = -1;
  private envelopeTag = '';
  private headerStart = -1;
  private headerEnd = -1;
  private sawRoot = false;
  private start = 0;
  /** The namespaces in scope inside each open element, and where its name starts (parallel to `stack`). */
  private readonly scopes: ReadonlyMap<string, string>[] = [];
  private readonly nameAt: number[] = [];
  private envelopeName: QName = { uri: '', local: '' };
  private readonly headerNames: QName[] = [];
  private headerScope: ReadonlyMap<string, string> = ROOT_SCOPE;
  /** The index's blocks, completed as the scan goes (end and leaf are known only at the block's end). */
  private readonly blocks: { -readonly [K in keyof HeadBlock]: HeadBlock[K] }[] = [];

  /** The bytes scanned so far as latin1 text: one character per byte. */
  private t = '';

  constructor(private readonly limits: ScanLimits) {}

  /** The bytes scanned so far as latin1 text, one character per byte (for readers of what was scanned). */
  get text(): string {
    return this.t;
  }

  /**
   * Scans `buf` from where the last call stopped. `buf` holds all bytes so far: each call passes the
   * same bytes as the last, and maybe more.
   */
  scan(buf: Buffer): ScanResult {
    if (this.pos === 0 && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) this.pos = this.start = 3;
    // the bytes are read as text a window at a time (doubling): a head is usually a small part of its
    // message, and the rest need not be copied into a string
    for (;;) {
      const want = Math.min(buf.length, Math.max(TEXT_WINDOW, this.t.length * 2));
      if (want > this.t.length) this.t += buf.toString('latin1', this.t.length, want);
      const r = this.scanText(buf);
      if (r !== 'more' || this.t.length >= buf.length) return r;
    }
  }

  /** Scans the text so far from where the last call stopped. */
  private scanText(buf: Buffer): ScanResult {
    const t = this.t;
    for (;;) {
      const lt = t.indexOf('<', this.pos);
      if (lt < 0 || lt + 1 >= t.length) return this.needMore();
      this.checkText(t, buf, this.pos, lt);
      const next = t.charCodeAt(lt + 1);
      if (next === QUESTION) {
        const end = t.indexOf('?>', lt + 2);
        if (end < 0) return this.needMore();
        const target = t.slice(lt + 2, Math.min(end, lt + 6));
        // only the XML declaration, and only as the very first thing, is allowed
        if (this.sawRoot || lt !== this.start || !/^xml\s/.test(target)) {
          throw new MoorError('MOOR_ERR_NOT_ENVELOPE', 'a SOAP message must not contain processing instructions');
        }
        if (!XML_DECLARATION.test(t.slice(lt, end + 2))) throw new XmlSyntaxError('the XML declaration is malformed', { offset: lt });
        this.pos = end + 2;
      } else if (next === BANG) {
        const r = this.skipMarkup(t, lt);
        if (r === 'more') return this.needMore();
        this.markupInBlock();
        this.pos = r;
      } else if (next === SLASH) {
        const end = t.indexOf('>', lt + 2);
        if (end < 0) return this.needMore();
        if (isSpace(t.charCodeAt(lt + 2))) throw new XmlSyntaxError('an end tag must not have space after </', { offset: lt });
        let nameEnd = end;
        while (nameEnd > lt + 2 && isSpace(t.charCodeAt(nameEnd - 1))) nameEnd--;
        const open = this.stack.pop();
        this.scopes.pop();
        const at = this.nameAt.pop() ?? -1;
        // compared as bytes with the start tag's name, which is still in the buffer
        if (open === undefined || !sameRun(buf, lt + 2, at, nameEnd - lt - 2) || !isNameEnd(t.charCodeAt(at + nameEnd - lt - 2))) {
          throw new XmlSyntaxError(`expected </${open ?? '(nothing)'}> but found </${buf.toString('utf8', lt + 2, nameEnd)}>`, { offset: lt });
        }
        if (this.stack.length === 2 && this.headerEnd < 0) this.blocks[this.blocks.length - 1]!.end = end + 1;
        if (this.stack.length === 1 && this.headerStart >= 0 && this.headerEnd < 0) this.headerEnd = end + 1;
        this.pos = end + 1;
        if (this.stack.length === 0) {
          this.checkHeadSize(end + 1);
          return 'ended';
        }
      } else {
        const tag = this.startTag(t, buf, lt);
        if (tag === 'more') return this.needMore();
        const { name, selfClosing } = tag;
        const end = lt + tag.length;
        const known = tag;
        const depth = this.stack.length;
        if (depth === 0 && this.sawRoot) throw new XmlSyntaxError('more than one root element', { offset: lt });
        const parent = depth ? this.scopes[depth - 1]! : ROOT_SCOPE;
        // a known tag inside the same scope as last time (the usual case: scopes are shared, and the
        // root's scope is kept with its tag) has its scope and name already worked out
        let scope: ReadonlyMap<string, string>;
        let qname: QName | undefined;
        if (known.parentScope === parent) {
          scope = known.scope!;
          qname = known.qname;
        } else {
          scope = inScope(parent, tag.namespaces, name, lt);
          // only the Envelope, its children and the header blocks are named in the index
          qname = depth <= 2 ? resolve(scope, name) : undefined;
          known.parentScope = parent;
          known.scope = scope;
          known.qname = qname ?? resolve(scope, name);
        }
        if (depth === 0) {
          this.sawRoot = true;
          this.envelopeTag = name;
          this.envelopeTagEnd = end;
          this.envelopeName = qname!;
          if (selfClosing) return 'ended';
        } else if (depth === 1) {
          if (qname!.local !== 'Header') return this.boundary(lt, end, name, selfClosing, qname!, scope);
          this.headerNames.push(qname!);
          if (this.headerStart < 0) {
            this.headerStart = lt;
            this.headerScope = scope;
            if (selfClosing) this.headerEnd = end;
          }
        } else if (depth === 2 && this.headerEnd < 0) {
          this.blocks.push({ name: qname!, start: lt, end: selfClosing ? end : -1, tagEnd: end, leaf: true });
        } else if (depth > 2) this.markupInBlock();
        if (!selfClosing) {
          this.stack.push(name);
          this.scopes.push(scope);
          this.nameAt.push(lt + 1);
          if (this.stack.length > this.limits.maxDepth) {
            throw new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `the SOAP head nests deeper than ${this.limits.maxDepth} elements`);
          }
        }
        this.pos = end;
      }
    }
  }

  /** A comment, CDATA section or element inside the current header block: it is not a leaf. */
  private markupInBlock(): void {
    if (this.stack.length >= 3 && this.headerStart >= 0 && this.headerEnd < 0) this.blocks[this.blocks.length - 1]!.leaf = false;
  }

  private boundary(start: number, end: number, tag: string, selfClosing: boolean, body: QName, bodyScope: ReadonlyMap<string, string>): HeadBoundary {
    // the limit holds however the bytes were chunked: a head that arrived in one piece is no smaller
    this.checkHeadSize(end);
    return {
      envelopeTagEnd: this.envelopeTagEnd,
      envelopeTag: this.envelopeTag,
      header: this.headerStart >= 0 && this.headerEnd >= 0 ? { start: this.headerStart, end: this.headerEnd } : undefined,
      bodyStart: start,
      bodyTagEnd: end,
      bodyTag: tag,
      bodySelfClosing: selfClosing,
      index: { envelope: this.envelopeName, headers: this.headerNames, body, headerScope: this.headerScope, blocks: this.blocks, bodyScope },
    };
  }

  private needMore(): 'more' {
    // (the text scanned so far: a head that has not ended within the limit is too large)
    this.checkHeadSize(this.t.length);
    return 'more';
  }

  private checkHeadSize(bytes: number): void {
    if (bytes > this.limits.maxHeadBytes) {
      throw new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `the SOAP head is larger than ${this.limits.maxHeadBytes} bytes`);
    }
  }

  /** `<!--…-->`, `<![CDATA[…]]>`; a DOCTYPE is refused. Returns the offset after the construct. */
  private skipMarkup(t: string, lt: number): number | 'more' {
    if (t.length < lt + 9) {
      // not enough bytes to tell a comment from a DOCTYPE yet, unless it is clearly a comment
      if (!t.startsWith('<!--', lt)) return 'more';
    }
    const head = t.slice(lt, lt + 9);
    if (head.startsWith('<!--')) {
      const end = t.indexOf('-->', lt + 4);
      return end < 0 ? 'more' : end + 3;
    }
    if (head === '<![CDATA[') {
      const end = t.indexOf(']]>', lt + 9);
      return end < 0 ? 'more' : end + 3;
    }
    if (head.toUpperCase() === '<!DOCTYPE') {
      throw new MoorError('MOOR_ERR_DOCTYPE', 'a SOAP message must not contain a document type declaration (<!DOCTYPE)');
    }
    throw new XmlSyntaxError(`unexpected markup ${JSON.stringify(head)}`, { offset: lt });
  }

  /** Character data in [from, to): only space outside the root, and only well-formed references. */
  private checkText(t: string, buf: Buffer, from: number, to: number): void {
    if (from >= to) return;
    if (this.stack.length === 0) {
      for (let k = from; k < to; k++) {
        if (!isSpace(t.charCodeAt(k))) throw new XmlSyntaxError('only white space may stand outside the root element', { offset: k });
      }
      return;
    }
    // inside the root only references need a look: found natively, not byte by byte
    for (let k = t.indexOf('&', from); k >= 0 && k < to; k = t.indexOf('&', k + 1)) checkReference(t, buf, k, to);
  }

  /** Reads a start tag, honouring quotes; counts attributes against the limit. */
  private startTag(t: string, buf: Buffer, lt: number): KnownTag | 'more' {
    // a tag seen before is found by its bytes up to the first '>': a known tag has no '>' inside its
    // quotes (or that would have been its first), so if those bytes are one, the tag ends there
    const gt = t.indexOf('>', lt + 1);
    if (gt < 0) return 'more';
    const seen = gt - lt < KNOWN_TAG_LENGTH ? knownTagAt(t, buf, lt, gt) : undefined;
    if (seen && seen.attributes <= this.limits.maxAttributes) return seen;
    let i = lt + 1;
    let quote = 0;
    let attrs = 0;
    let nameEnd = -1;
    let wide = false;
    for (; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (quote) {
        if (c === quote) quote = 0;
        continue;
      }
      if (c === 0x22 || c === 0x27) quote = c;
      else if (c === 0x3d) attrs++;
      else if (c === GT) break;
      else if (nameEnd < 0 && (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === SLASH)) nameEnd = i;
      else if (nameEnd < 0 && c >= 0x80) wide = true;
    }
    if (i >= t.length) return 'more';
    if (attrs > this.limits.maxAttributes) {
      throw new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `an element of the SOAP head has more than ${this.limits.maxAttributes} attributes`);
    }
    const namespaces = checkStartTag(t, buf, lt, i);
    const name = textAt(t, buf, lt + 1, nameEnd < 0 ? i : nameEnd, wide);
    if (!name) throw new XmlSyntaxError('a start tag has no name', { offset: lt });
    checkReadable(name, lt);
    // (the tag's own copy of its bytes: a slice of the message's would keep the message alive)
    const tag: KnownTag = {
      bytes: Buffer.from(buf.subarray(lt, i + 1)),
      length: i + 1 - lt,
      name,
      selfClosing: t.charCodeAt(i - 1) === SLASH,
      namespaces,
      attributes: attrs,
      parentScope: undefined,
      scope: undefined,
      qname: undefined,
    };
    if (i - lt < KNOWN_TAG_LENGTH) remember(tag, fingerprint(t, lt, i));
    return tag;
  }
}

/**
 * A start tag and what checking it found, kept by the tag's exact bytes: clients send the same Envelope
 * tag, with the same namespace declarations, and the same header tags in every message, and reading
 * and checking tags is most of a scan. The result depends on nothing but the bytes, so a tag seen
 * before is not read again.
 */
interface KnownTag {
  /** Its bytes, from `<` to `>`. */
  readonly bytes: Buffer;
  readonly length: number;
  readonly name: string;
  readonly selfClosing: boolean;
  readonly namespaces: TagNamespaces | undefined;
  /** How many attributes it has (held against each scanner's own limit). */
  readonly attributes: number;
  /**
   * The scope it was last found in, the scope inside it, and its resolved name there: found again in
   * that same scope (scopes are shared objects), it needs neither (the root's scope is always the same).
   */
  parentScope: ReadonlyMap<string, string> | undefined;
  scope: ReadonlyMap<string, string> | undefined;
  qname: QName | undefined;
}

/**
 * Known tags by a fingerprint of their bytes (length, middle and last character before the `>`): a
 * number is hashed at once, where a string key would be read whole to be hashed (an Envelope tag with
 * its namespace declarations is hundreds of bytes); the few tags of one fingerprint are compared whole.
 */
const KNOWN_TAGS = new Map<number, KnownTag[]>();
let knownTagCount = 0;
/** Bounds on what is kept: at most this many tags (then it starts over), each shorter than this. */
const KNOWN_TAG_COUNT = 512;
const KNOWN_TAG_LENGTH = 2048;

/** The fingerprint of the tag from `lt` to the `>` at `gt` (a small integer: its length is bounded). */
function fingerprint(t: string, lt: number, gt: number): number {
  const n = gt - lt;
  return (n << 16) | (t.charCodeAt(lt + (n >> 1)) << 8) | t.charCodeAt(gt - 1);
}

/**
 * The known tag whose bytes are those from `lt` to the `>` at `gt`, if any. (Compared as bytes, natively:
 * a long tag compares several times faster so than character by character in the text.)
 */
function knownTagAt(t: string, buf: Buffer, lt: number, gt: number): KnownTag | undefined {
  const same = KNOWN_TAGS.get(fingerprint(t, lt, gt));
  if (same) for (const k of same) if (buf.compare(k.bytes, 0, k.length, lt, gt + 1) === 0) return k;
  return undefined;
}

function remember(tag: KnownTag, print: number): void {
  if (knownTagCount >= KNOWN_TAG_COUNT) {
    KNOWN_TAGS.clear();
    knownTagCount = 0;
  }
  const same = KNOWN_TAGS.get(print);
  if (same) same.push(tag);
  else KNOWN_TAGS.set(print, [tag]);
  knownTagCount++;
}

/**
 * The namespaces in scope inside an element: its parent's plus its own declarations. Its own prefix and
 * its attributes' prefixes must be declared, as the parser will require when it reads the element.
 */
function inScope(parent: ReadonlyMap<string, string>, ns: TagNamespaces | undefined, name: string, at: number): ReadonlyMap<string, string> {
  let scope = parent;
  if (ns?.declared) {
    const m = new Map(parent);
    for (const [p, uri] of ns.declared) m.set(p, uri);
    scope = m;
  }
  const colon = name.indexOf(':');
  if (colon > 0 && !scope.has(name.slice(0, colon))) throw new XmlSyntaxError(`prefix "${name.slice(0, colon)}" of <${name}> is not declared`, { offset: at });
  if (ns?.used) for (const p of ns.used) if (p && !scope.has(p)) throw new XmlSyntaxError(`prefix "${p}" of an attribute of <${name}> is not declared`, { offset: at });
  return scope;
}

/** The element name `name` resolved in `scope` (its prefix is known to be declared). */
function resolve(scope: ReadonlyMap<string, string>, name: string): QName {
  const { prefix, local } = splitPrefixed(name);
  return { uri: scope.get(prefix) ?? '', local };
}

/** True when the `n` bytes of `buf` at `a` are those at `b` (no string made for either). */
function sameRun(buf: Buffer, a: number, b: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (buf[a + k] !== buf[b + k]) return false;
  return true;
}

/** True when `c` may follow a name in a start tag (so a start tag's name is not longer than an end tag's). */
function isNameEnd(c: number): boolean {
  return c === GT || c === SLASH || isSpace(c);
}

