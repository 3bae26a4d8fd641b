/**
 * The streaming well-formedness check of a whole SOAP message: fed the bytes chunk by chunk as they are
 * forwarded, it holds them to XML's rules (tags balanced, names and prefixes bound, only the five
 * predefined entities and character references, no raw control character) and to SOAP's shape (one
 * Envelope in a SOAP namespace; at most one Header, then exactly one Body, and nothing after it; no
 * processing instruction, no document type declaration), without building a tree and without keeping
 * the bytes: it keeps only the open elements' names and namespace declarations, and the few bytes of a
 * construct split between two chunks.
 *
 * It starts either at the first byte (a reply streamed through unread) or where the head scanner
 * stopped, just after the Body start tag (a request, whose head is always read), so that the head is
 * not scanned twice. Like the head scanner it reads bytes through a latin1 string of them (see
 * well-formed.ts for why).
 */
import { MoorError } from '../errors.ts';
import { doctype, envelopeVersion, headerOutsideEnvelopeNamespace, moreThanOneHeader, noBody, notBody, processingInstruction } from './envelope-shape.ts';
import { type HeadBoundary } from './head-index.ts';
import { NS } from './names.ts';
import { XmlSyntaxError } from './parse.ts';
import { envelopeNamespace } from './soap.ts';
import { checkReference, checkStartTag, CONTROL, hasWide, isSpace, isXmlDeclaration } from './well-formed.ts';

/** What the check holds a message to besides XML and SOAP. */
export interface CheckLimits {
  /** Element nesting in the whole message. */
  readonly maxDepth: number;
  /** Attributes on one element. */
  readonly maxAttributes: number;
  /** The longest single construct (a start tag with its attributes, the XML declaration) kept across chunks. */
  readonly maxHeadBytes: number;
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQ = 0x3d;

/** Where the check stands in the document. */
const PROLOG = 0;
const CONTENT = 1;
const EPILOG = 2;

/** Inside what markup the last chunk ended. */
const MARKUP = 0;
const COMMENT = 1;
const CDATA = 2;

/** The Envelope's children so far: none, a Header, the Body open, the Body closed. */
const NONE = 0;
const HEADER = 1;
const BODY_OPEN = 2;
const BODY_CLOSED = 3;

/** A reference longer than this that has not ended is not one (`&#x10FFFF;` is 10 bytes). */
const MAX_REFERENCE = 40;

export class EnvelopeCheck {
  private place = PROLOG;
  private mode = MARKUP;
  private children = NONE;
  /** The open elements' names as latin1 text (compared with end tags as they are written). */
  private readonly names: string[] = [];
  /** The namespace declarations of each open element, parallel to `names` (undefined: none). */
  private readonly declared: ([string, string][] | undefined)[] = [];
  /** The namespaces in scope around the open elements' own declarations. */
  private base: ReadonlyMap<string, string> = ROOT_SCOPE;
  private envelopeNs = '';
  /** True until anything but a byte order mark was read: only then may the XML declaration come. */
  private atStart = true;
  private pendingText = '';
  private pendingBytes: Buffer | undefined;
  private done = false;
  /** The start tag read last: the tag that followed it before is tried first (see KnownTag.next). */
  private lastTag: KnownTag | undefined;

  private constructor(private readonly limits: CheckLimits) {}

  /** A check from the first byte of a message. */
  static fresh(limits: CheckLimits): EnvelopeCheck {
    const c = new EnvelopeCheck(limits);
    c.lastTag = FIRST_OF_MESSAGE;
    return c;
  }

  /** A check that goes on where the head scanner stopped: just after the Body start tag. */
  static after(boundary: HeadBoundary, limits: CheckLimits): EnvelopeCheck {
    const c = new EnvelopeCheck(limits);
    c.lastTag = FIRST_IN_BODY;
    c.place = CONTENT;
    c.atStart = false;
    c.envelopeNs = boundary.index.envelope.uri;
    c.base = boundary.index.bodyScope;
    // (the scanner decoded the names as UTF-8; end tags are compared as they are written, in latin1)
    c.names.push(latin1(boundary.envelopeTag));
    c.declared.push(undefined);
    if (boundary.bodySelfClosing) c.children = BODY_CLOSED;
    else {
      c.children = BODY_OPEN;
      c.names.push(latin1(boundary.bodyTag));
      c.declared.push(undefined);
    }
    return c;
  }

  /** Checks the next bytes of the message. Throws MoorError at the first problem. */
  feed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let text = chunk.toString('latin1');
    // one native search per chunk: no control character may stand anywhere, escaped or not
    if (CONTROL.test(text)) throw new XmlSyntaxError('the message holds a control character, which XML does not allow');
    let bytes = chunk;
    if (this.atStart && this.place === PROLOG && !this.pendingBytes && text.startsWith('\u00ef\u00bb\u00bf')) {
      text = text.slice(3);
      bytes = chunk.subarray(3);
    }
    if (this.pendingBytes) {
      text = this.pendingText + text;
      bytes = Buffer.concat([this.pendingBytes, bytes]);
      this.pendingText = '';
      this.pendingBytes = undefined;
    }
    const keep = this.run(text, bytes);
    if (keep < text.length) {
      if (text.length - keep > this.limits.maxHeadBytes) {
        throw new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `a tag or declaration of the message is longer than ${this.limits.maxHeadBytes} bytes`);
      }
      this.pendingText = text.slice(keep);
      // (a copy: a slice would keep the whole chunk alive)
      this.pendingBytes = Buffer.from(bytes.subarray(keep));
    }
  }

  /** The message ended: it must have closed its Envelope. Throws MoorError when it did not. */
  end(): void {
    if (this.done) return;
    this.done = true;
    if (this.mode === COMMENT) throw new XmlSyntaxError('the message ends inside a comment');
    if (this.mode === CDATA) throw new XmlSyntaxError('the message ends inside a CDATA section');
    if (this.pendingBytes || this.place !== EPILOG) {
      if (this.place === PROLOG && !this.pendingBytes) throw new MoorError('MOOR_ERR_NOT_ENVELOPE', 'the message has no content');
      throw new XmlSyntaxError(`the message ends before its ${this.names.length ? `<${utf8(this.names[this.names.length - 1]!)}>` : 'Envelope'} closes`);
    }
  }

  /** Checks `t` (`b` as latin1) from the start; returns where the bytes to keep for the next chunk begin. */
  private run(t: string, b: Buffer): number {
    const n = t.length;
    let p = 0;
    while (p < n) {
      if (this.mode === COMMENT) {
        const e = t.indexOf('--', p);
        if (e < 0) return Math.max(p, n - 1);
        if (e + 2 >= n) return e;
        if (t.charCodeAt(e + 2) !== GT) throw new XmlSyntaxError('a comment must not contain --');
        this.mode = MARKUP;
        p = e + 3;
        continue;
      }
      if (this.mode === CDATA) {
        const e = t.indexOf(']]>', p);
        if (e < 0) return Math.max(p, n - 2);
        this.mode = MARKUP;
        p = e + 3;
        continue;
      }
      const lt = t.indexOf('<', p);
      const textEnd = lt < 0 ? n : lt;
      if (textEnd > p) {
        const keep = this.text(t, b, p, textEnd, lt < 0);
        if (keep >= 0) return keep;
      }
      if (lt < 0) return n;
      if (lt + 1 >= n) return lt;
      const next = t.charCodeAt(lt + 1);
      let end: number;
      if (next === SLASH) end = this.endTag(t, b, lt);
      else if (next === BANG) end = this.bang(t, lt);
      else if (next === QUESTION) end = this.question(t, lt);
      else end = this.startTag(t, b, lt);
      if (end < 0) return lt;
      this.atStart = false;
      p = end;
    }
    return n;
  }

  /**
   * Character data in [from, to): only white space outside the root and between the Envelope's
   * children; well-formed references inside them. `open` when the chunk ends in it: a reference cut
   * by the chunk's end is kept (its offset is returned); otherwise -1.
   */
  private text(t: string, b: Buffer, from: number, to: number, open: boolean): number {
    if (this.place !== CONTENT || this.names.length === 1) {
      for (let k = from; k < to; k++) {
        if (!isSpace(t.charCodeAt(k))) {
          if (this.place === CONTENT) throw new MoorError('MOOR_ERR_NOT_ENVELOPE', 'the Envelope holds text beside its Header and Body');
          throw new XmlSyntaxError(this.place === EPILOG ? 'nothing but white space and comments may follow the Envelope' : 'only white space may stand before the Envelope');
        }
      }
      this.atStart = false;
      return -1;
    }
    for (let k = t.indexOf('&', from); k >= 0 && k < to; k = t.indexOf('&', k + 1)) {
      if (open) {
        const semi = t.indexOf(';', k + 1);
        if (semi < 0 && to - k < MAX_REFERENCE) return k;
      }
      checkReference(t, b, k, to);
    }
    return -1;
  }

  /** `<!--`, `<![CDATA[`; a DOCTYPE or other `<!` is refused. The offset after its opening, or -1 for more bytes. */
  private bang(t: string, lt: number): number {
    if (t.startsWith('<!--', lt)) {
      this.mode = COMMENT;
      return lt + 4;
    }
    const head = t.slice(lt, lt + 9);
    if (head.length < 9 && ('<![CDATA['.startsWith(head) || '<!DOCTYPE'.startsWith(head.toUpperCase()) || '<!--'.startsWith(head))) return -1;
    if (head === '<![CDATA[') {
      if (this.place !== CONTENT || this.names.length === 1) throw new MoorError('MOOR_ERR_NOT_ENVELOPE', 'character data may stand only inside the Header and Body');
      this.mode = CDATA;
      return lt + 9;
    }
    if (head.toUpperCase() === '<!DOCTYPE') throw doctype();
    throw new XmlSyntaxError(`unexpected markup ${JSON.stringify(head)}`);
  }

  /** `<?`: the XML declaration as the very first thing; any other processing instruction is refused. */
  private question(t: string, lt: number): number {
    if (!this.atStart) throw processingInstruction();
    const end = t.indexOf('?>', lt + 2);
    if (end >= 0 && isXmlDeclaration(t.slice(lt, end + 2))) return end + 2;
    // not (yet) a declaration: a processing instruction, or one whose end has not arrived
    const opening = t.slice(lt, lt + 6);
    if (opening.length < 6 && '<?xml'.startsWith(opening)) return -1;
    if (!/^<\?xml\s/.test(opening)) throw processingInstruction();
    if (end < 0) return -1;
    throw new XmlSyntaxError('the XML declaration is malformed');
  }

  /** An end tag: it must close the innermost open element. The offset after it, or -1 for more bytes. */
  private endTag(t: string, b: Buffer, lt: number): number {
    const gt = t.indexOf('>', lt + 2);
    if (gt < 0) return -1;
    if (isSpace(t.charCodeAt(lt + 2))) throw new XmlSyntaxError('an end tag must not have space after </');
    let nameEnd = gt;
    while (nameEnd > lt + 2 && isSpace(t.charCodeAt(nameEnd - 1))) nameEnd--;
    const open = this.names.pop();
    if (open === undefined || this.place !== CONTENT) throw new XmlSyntaxError(`</${b.toString('utf8', lt + 2, nameEnd)}> closes no element`);
    // (a slice compared natively costs less than startsWith at an offset)
    if (open.length !== nameEnd - lt - 2 || t.slice(lt + 2, nameEnd) !== open) {
      throw new XmlSyntaxError(`expected </${utf8(open)}> but found </${b.toString('utf8', lt + 2, nameEnd)}>`);
    }
    this.declared.pop();
    const depth = this.names.length;
    if (depth === 1 && this.children === BODY_OPEN) this.children = BODY_CLOSED;
    else if (depth === 0) this.closeEnvelope();
    return gt + 1;
  }

  private closeEnvelope(): void {
    if (this.children !== BODY_CLOSED) throw noBody();
    this.place = EPILOG;
  }

  /** A start tag, checked whole once its `>` arrived. The offset after it, or -1 for more bytes. */
  private startTag(t: string, b: Buffer, lt: number): number {
    // a tag seen before is found by its bytes up to the first '>': a known tag has no '>' inside its
    // quotes (or that would have been its end), so if those bytes are one, the tag ends there
    const first = t.indexOf('>', lt + 1);
    let known: KnownTag | undefined;
    if (first >= 0 && first - lt < KNOWN_TAG_LENGTH) {
      // messages repeat their tags in the same order: the tag that came after the last one is compared
      // first (a slice and one native comparison), and only a different tag is looked up by its hash
      const text = t.slice(lt, first + 1);
      const next = this.lastTag?.next;
      known = next !== undefined && next.text === text ? next : KNOWN_TAGS.get(text);
    }
    const tag = known && known.attributes <= this.limits.maxAttributes ? known : this.readStartTag(t, b, lt);
    if (tag === undefined) return -1;
    link(this.lastTag, tag);
    this.lastTag = tag;
    const { name, declared, selfClosing } = tag;
    const uri = this.lookup(tag.prefix, declared);
    if (uri === undefined) throw new XmlSyntaxError(`prefix "${tag.prefix}" of <${utf8(name)}> is not declared`);
    if (tag.used) for (const p of tag.used) if (this.lookup(p, declared) === undefined) throw new XmlSyntaxError(`prefix "${p}" of an attribute of <${utf8(name)}> is not declared`);
    const depth = this.names.length;
    if (this.place === PROLOG) this.openEnvelope(uri, tag.local, selfClosing);
    else if (this.place === EPILOG) throw new XmlSyntaxError('nothing but white space and comments may follow the Envelope');
    else if (depth === 1) this.envelopeChild(uri, tag.local, selfClosing);
    if (!selfClosing) {
      this.names.push(name);
      this.declared.push(declared);
      if (this.names.length > this.limits.maxDepth) throw new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `the message nests deeper than ${this.limits.maxDepth} elements`);
    }
    return lt + tag.length;
  }

  /** Reads and checks a start tag from its bytes alone (remembered, when short); undefined until its '>' arrived. */
  private readStartTag(t: string, b: Buffer, lt: number): KnownTag | undefined {
    // the end of the tag, honouring quotes (a '>' may stand in an attribute value), counting attributes
    const n = t.length;
    let i = lt + 1;
    let quote = 0;
    let attributes = 0;
    for (; i < n; i++) {
      const c = t.charCodeAt(i);
      if (quote) {
        if (c === quote) quote = 0;
      } else if (c === GT) break;
      else if (c === 0x22 || c === 0x27) quote = c;
      else if (c === EQ) attributes++;
      else if (c === LT) throw new XmlSyntaxError('a start tag holds <');
    }
    if (i >= n) return undefined;
    if (attributes > this.limits.maxAttributes) {
      throw new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `an element of the message has more than ${this.limits.maxAttributes} attributes`);
    }
    const ns = checkStartTag(t, b, lt, i);
    let nameEnd = lt + 1;
    while (nameEnd < i && !isSpace(t.charCodeAt(nameEnd)) && t.charCodeAt(nameEnd) !== SLASH) nameEnd++;
    const name = t.slice(lt + 1, nameEnd);
    const declared = ns?.declared;
    if (declared) {
      for (const [prefix, uri] of declared) {
        if (prefix && !uri) throw new XmlSyntaxError(`prefix "${prefix}" is declared with an empty namespace name`);
        if (prefix === 'xmlns' || (prefix === 'xml' && uri !== NS.xml)) throw new XmlSyntaxError(`prefix "${prefix}" cannot be declared`);
      }
    }
    const colon = name.indexOf(':');
    const tag: KnownTag = {
      text: i - lt < KNOWN_TAG_LENGTH ? t.slice(lt, i + 1) : '',
      epoch: -1,
      next: undefined,
      length: i + 1 - lt,
      name,
      prefix: colon < 0 ? '' : utf8(name.slice(0, colon)),
      local: colon < 0 ? name : name.slice(colon + 1),
      selfClosing: t.charCodeAt(i - 1) === SLASH,
      declared,
      used: ns?.used,
      attributes,
    };
    if (i - lt < KNOWN_TAG_LENGTH) remember(tag.text, tag);
    return tag;
  }

  /** The root: a SOAP Envelope. */
  private openEnvelope(uri: string, local: string, selfClosing: boolean): void {
    const version = envelopeVersion(uri, utf8(local));
    if (selfClosing) throw noBody();
    this.envelopeNs = envelopeNamespace(version);
    this.place = CONTENT;
  }

  /** A child of the Envelope: at most one Header, then the Body, then nothing. */
  private envelopeChild(uri: string, local: string, selfClosing: boolean): void {
    const soap = uri === this.envelopeNs;
    if (this.children >= BODY_OPEN) {
      const what = soap && local === 'Body' ? 'a second Body' : soap && local === 'Header' ? 'a Header' : `<${utf8(local)}>`;
      throw new MoorError('MOOR_ERR_NOT_ENVELOPE', `${what} follows the SOAP Body; the Body must be the Envelope's last child`);
    }
    if (soap && local === 'Header' && this.children === NONE) this.children = HEADER;
    else if (soap && local === 'Body') this.children = selfClosing ? BODY_CLOSED : BODY_OPEN;
    else if (local === 'Header') throw this.children === HEADER ? moreThanOneHeader() : headerOutsideEnvelopeNamespace();
    else throw notBody(`<${utf8(local)}>`);
  }

  /** The namespace `prefix` is bound to inside the open elements (and `own`, the tag's own declarations). */
  private lookup(prefix: string, own: [string, string][] | undefined): string | undefined {
    if (own) for (let k = 0; k < own.length; k++) if (own[k]![0] === prefix) return own[k]![1];
    for (let i = this.declared.length - 1; i >= 0; i--) {
      const d = this.declared[i];
      if (d) for (let k = 0; k < d.length; k++) if (d[k]![0] === prefix) return d[k]![1];
    }
    const found = this.base.get(prefix);
    // an unprefixed name outside any default namespace is in no namespace
    return found ?? (prefix === '' ? '' : undefined);
  }
}

const ROOT_SCOPE: ReadonlyMap<string, string> = new Map([['xml', NS.xml]]);

/**
 * A start tag and what checking it found, which depends on nothing but its bytes: messages repeat the
 * same tags (the same line items, the same response elements), and reading and checking tags is most
 * of the check's work, so a tag seen before is not read again. (Where its prefixes are bound, and where
 * it stands in the envelope, is checked every time.)
 */
interface KnownTag {
  /** Its bytes, from `<` to `>`, as latin1 text (its key). */
  readonly text: string;
  readonly length: number;
  /**
   * The tag read right after it last time, tried first next time. Only tags remembered in the same
   * epoch of KNOWN_TAGS are linked, so the links never keep more tags alive than one epoch holds.
   */
  next: KnownTag | undefined;
  /** The epoch it was remembered in; -1 when it was not (too long). */
  epoch: number;
  /** Its name as latin1 text, as end tags are compared with it. */
  readonly name: string;
  readonly prefix: string;
  readonly local: string;
  readonly selfClosing: boolean;
  readonly declared: [string, string][] | undefined;
  readonly used: string[] | undefined;
  /** How many attributes it has (held against each check's own limit). */
  readonly attributes: number;
}

/** Known tags by their text; at most this many (then it starts over), each shorter than this. */
const KNOWN_TAGS = new Map<string, KnownTag>();
const KNOWN_TAG_COUNT = 1024;
const KNOWN_TAG_LENGTH = 256;

/** Counts the times KNOWN_TAGS started over. */
let knownEpoch = 0;

/**
 * Where a check starts, as if a tag had been read there: the first tag of a message (its Envelope, the
 * same for every message of one backend) and the first tag in a Body are predicted like any other.
 */
const FIRST_OF_MESSAGE = start();
const FIRST_IN_BODY = start();

function start(): KnownTag {
  return { text: '', length: 0, next: undefined, epoch: -1, name: '', prefix: '', local: '', selfClosing: false, declared: undefined, used: undefined, attributes: 0 };
}

/**
 * Links `tag` as the one read after `last`, when both were remembered in the same epoch (a start
 * takes the epoch of the tag it is linked to: the tag it held from an earlier epoch is let go).
 */
function link(last: KnownTag | undefined, tag: KnownTag): void {
  if (!last || last.next === tag || tag.epoch < 0) return;
  if (last === FIRST_OF_MESSAGE || last === FIRST_IN_BODY) last.epoch = tag.epoch;
  if (last.epoch === tag.epoch) last.next = tag;
}

function remember(text: string, tag: KnownTag): void {
  if (KNOWN_TAGS.size >= KNOWN_TAG_COUNT) {
    KNOWN_TAGS.clear();
    knownEpoch++;
  }
  tag.epoch = knownEpoch;
  KNOWN_TAGS.set(text, tag);
}

/** A UTF-8 string as latin1 text of its bytes. */
function latin1(s: string): string {
  return hasWide(s, 0, s.length) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

/** Latin1 text of UTF-8 bytes as the string they encode (for messages and prefixes). */
function utf8(s: string): string {
  return hasWide(s, 0, s.length) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}
