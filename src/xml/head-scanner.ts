/**
 * Finds where a SOAP envelope's head ends without parsing the body: the Header always precedes the
 * Body, so the head is everything before the first child of the Envelope that is not a Header. Works on
 * bytes (every XML delimiter is ASCII, so UTF-8 never confuses it) and resumes where it stopped when
 * more bytes arrive, so a head split across many chunks costs one pass.
 *
 * It also refuses, before anything is parsed, what SOAP forbids outright: a document type declaration
 * (so entity expansion can never happen) and processing instructions.
 */
import { MoorError } from '../errors.ts';
import { XmlSyntaxError } from './parse.ts';

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
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;

/** Result of one scan: the boundary, 'more' (need more bytes), or 'ended' (root closed, no Body seen). */
export type ScanResult = HeadBoundary | 'more' | 'ended';

/** A resumable scanner over a growing byte buffer. */
export class HeadScanner {
  private pos = 0;
  private readonly stack: string[] = [];
  private envelopeTagEnd = -1;
  private envelopeTag = '';
  private headerStart = -1;
  private headerEnd = -1;
  private sawRoot = false;
  private start = 0;

  constructor(private readonly limits: ScanLimits) {}

  /** Scans `buf` (all bytes so far, a prefix of the message) from where the last call stopped. */
  scan(buf: Buffer): ScanResult {
    if (this.pos === 0 && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) this.pos = this.start = 3;
    for (;;) {
      const lt = buf.indexOf(LT, this.pos);
      if (lt < 0 || lt + 1 >= buf.length) return this.needMore(buf);
      const next = buf[lt + 1];
      if (next === QUESTION) {
        const end = buf.indexOf('?>', lt + 2, 'latin1');
        if (end < 0) return this.needMore(buf);
        const target = buf.toString('latin1', lt + 2, Math.min(end, lt + 6));
        // only the XML declaration, and only as the very first thing, is allowed
        if (this.sawRoot || lt !== this.start || !/^xml\s/.test(target)) {
          throw new MoorError('MOOR_ERR_NOT_ENVELOPE', 'a SOAP message must not contain processing instructions');
        }
        this.pos = end + 2;
      } else if (next === BANG) {
        const r = this.skipMarkup(buf, lt);
        if (r === 'more') return this.needMore(buf);
        this.pos = r;
      } else if (next === SLASH) {
        const end = buf.indexOf(GT, lt + 2);
        if (end < 0) return this.needMore(buf);
        const name = buf.toString('utf8', lt + 2, end).trim();
        const open = this.stack.pop();
        if (open !== name) {
          throw new XmlSyntaxError(`expected </${open ?? '(nothing)'}> but found </${name}>`, { offset: lt });
        }
        if (this.stack.length === 1 && this.headerStart >= 0 && this.headerEnd < 0) this.headerEnd = end + 1;
        this.pos = end + 1;
        if (this.stack.length === 0) {
          this.checkHeadSize(end + 1);
          return 'ended';
        }
      } else {
        const tag = this.startTag(buf, lt);
        if (tag === 'more') return this.needMore(buf);
        const { name, end, selfClosing } = tag;
        const depth = this.stack.length;
        if (depth === 0) {
          if (this.sawRoot) throw new XmlSyntaxError('more than one root element', { offset: lt });
          this.sawRoot = true;
          this.envelopeTag = name;
          this.envelopeTagEnd = end;
          if (selfClosing) return 'ended';
        } else if (depth === 1) {
          if (localOf(name) !== 'Header') return this.boundary(lt, end, name, selfClosing);
          if (this.headerStart < 0) {
            this.headerStart = lt;
            if (selfClosing) this.headerEnd = end;
          }
        }
        if (!selfClosing) {
          this.stack.push(name);
          if (this.stack.length > this.limits.maxDepth) {
            throw new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `the SOAP head nests deeper than ${this.limits.maxDepth} elements`);
          }
        }
        this.pos = end;
      }
    }
  }

  private boundary(start: number, end: number, tag: string, selfClosing: boolean): HeadBoundary {
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
    };
  }

  private needMore(buf: Buffer): 'more' {
    this.checkHeadSize(buf.length);
    return 'more';
  }

  private checkHeadSize(bytes: number): void {
    if (bytes > this.limits.maxHeadBytes) {
      throw new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `the SOAP head is larger than ${this.limits.maxHeadBytes} bytes`);
    }
  }

  /** `<!--…-->`, `<![CDATA[…]]>`; a DOCTYPE is refused. Returns the offset after the construct. */
  private skipMarkup(buf: Buffer, lt: number): number | 'more' {
    if (buf.length < lt + 9) {
      // not enough bytes to tell a comment from a DOCTYPE yet, unless it is clearly a comment
      if (buf.toString('latin1', lt, lt + 4) !== '<!--') return 'more';
    }
    const head = buf.toString('latin1', lt, lt + 9);
    if (head.startsWith('<!--')) {
      const end = buf.indexOf('-->', lt + 4, 'latin1');
      return end < 0 ? 'more' : end + 3;
    }
    if (head === '<![CDATA[') {
      const end = buf.indexOf(']]>', lt + 9, 'latin1');
      return end < 0 ? 'more' : end + 3;
    }
    if (head.toUpperCase() === '<!DOCTYPE') {
      throw new MoorError('MOOR_ERR_DOCTYPE', 'a SOAP message must not contain a document type declaration (<!DOCTYPE)');
    }
    throw new XmlSyntaxError(`unexpected markup ${JSON.stringify(head)}`, { offset: lt });
  }

  /** Reads a start tag, honouring quotes; counts attributes against the limit. */
  private startTag(buf: Buffer, lt: number): { name: string; end: number; selfClosing: boolean } | 'more' {
    let i = lt + 1;
    let quote = 0;
    let attrs = 0;
    let nameEnd = -1;
    for (; i < buf.length; i++) {
      const c = buf[i]!;
      if (quote) {
        if (c === quote) quote = 0;
        continue;
      }
      if (c === 0x22 || c === 0x27) quote = c;
      else if (c === 0x3d) attrs++;
      else if (c === GT) break;
      else if (nameEnd < 0 && (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === SLASH)) nameEnd = i;
    }
    if (i >= buf.length) return 'more';
    if (attrs > this.limits.maxAttributes) {
      throw new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `an element of the SOAP head has more than ${this.limits.maxAttributes} attributes`);
    }
    const name = buf.toString('utf8', lt + 1, nameEnd < 0 ? i : nameEnd);
    if (!name) throw new XmlSyntaxError('a start tag has no name', { offset: lt });
    return { name, end: i + 1, selfClosing: buf[i - 1] === SLASH };
  }
}

function localOf(name: string): string {
  const c = name.indexOf(':');
  return c < 0 ? name : name.slice(c + 1);
}
