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
 *
 * This file is the walk over the envelope: the element stack, the namespaces in scope, and where the
 * Envelope, the Header, its blocks and the Body are. Reading each tag is head-tokens.ts; what the walk
 * finds is described in head-index.ts.
 */
import { MoorError } from '../errors.ts';
import { processingInstruction } from './envelope-shape.ts';
import { type HeadBlock, type HeadBoundary, type ScanResult } from './head-index.ts';
import { closesTag, type KnownTag, readStartTag, skipMarkup } from './head-tokens.ts';
import { NS, type QName, splitPrefixed } from './names.ts';
import { XmlSyntaxError } from './parse.ts';
import { checkReference, CONTROL, isSpace, isXmlDeclaration, type TagNamespaces } from './well-formed.ts';

/** Limits applied while scanning. */
export interface ScanLimits {
  readonly maxHeadBytes: number;
  readonly maxDepth: number;
  readonly maxAttributes: number;
}

const ROOT_SCOPE: ReadonlyMap<string, string> = new Map([['xml', NS.xml]]);
/** How many bytes are first read as text; doubled while the head goes on. */
const TEXT_WINDOW = 512;

const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;

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
  /** The start tag read last (head-tokens.ts tries the tag that followed it before first). */
  private lastTag: KnownTag | undefined;
  /** The offset up to which `t` was searched for control characters. */
  private controlsTo = 0;

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
      this.checkControls(r === 'more' || r === 'ended' ? this.pos : r.bodyTagEnd);
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
        // only the XML declaration, and only as the very first thing, is allowed
        if (this.sawRoot || lt !== this.start) throw processingInstruction();
        if (!isXmlDeclaration(t.slice(lt, end + 2))) {
          if (!/^xml\s/.test(t.slice(lt + 2, Math.min(end, lt + 6)))) throw processingInstruction();
          throw new XmlSyntaxError('the XML declaration is malformed', { offset: lt });
        }
        this.pos = end + 2;
      } else if (next === BANG) {
        const r = skipMarkup(t, lt);
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
        if (open === undefined || !closesTag(t, buf, lt, nameEnd, at)) {
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
        const tag = readStartTag(t, buf, lt, this.limits.maxAttributes, this.lastTag);
        if (tag === 'more') return this.needMore();
        this.lastTag = tag;
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

  /**
   * No raw control character in what was scanned, up to `to`: one native search of the bytes not
   * searched yet (after the scan, so a head refused for another reason keeps its fault). The check of
   * the rest (envelope-check.ts) searches from the end of the Body start tag on: each byte once.
   */
  private checkControls(to: number): void {
    if (to <= this.controlsTo) return;
    if (CONTROL.test(this.controlsTo === 0 && to === this.t.length ? this.t : this.t.slice(this.controlsTo, to))) {
      throw new XmlSyntaxError('the SOAP head holds a control character, which XML does not allow');
    }
    this.controlsTo = to;
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

