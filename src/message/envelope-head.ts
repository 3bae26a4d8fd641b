/**
 * The parsed head of a SOAP envelope: the Envelope start tag with its namespace declarations and the
 * Header blocks. The Body is represented only by its start tag; its content stays as bytes.
 *
 * The head scanner already checked the head's well-formedness and namespaces and indexed its structure,
 * so a head is parsed lazily: the Envelope's shape is checked from the index, a header block looked up
 * by name is parsed alone, and the whole head is parsed only when something needs the tree (all the
 * blocks, the Envelope element, a change). Routing on one header costs a parse of that block only, and
 * none at all when the block holds only text (read straight from the bytes).
 */
import { MoorError } from '../errors.ts';
import { childElements, childIn, element, textOf, type XmlElement } from '../xml/element.ts';
import { checkHeaders, envelopeVersion, notBody } from '../xml/envelope-shape.ts';
import { type HeadBoundary } from '../xml/head-index.ts';
import { NS, type QName, sameName, splitPrefixed, WSA_NAMESPACES } from '../xml/names.ts';
import { readLeafElement } from '../xml/leaf-element.ts';
import { parseXml } from '../xml/parse.ts';
import { serialize } from '../xml/serialize.ts';
import { envelopeNamespace, type SoapVersion } from '../xml/soap.ts';

/** The WS-Addressing message addressing properties of a message, in either WS-A namespace. */
export interface Addressing {
  readonly to?: string;
  readonly action?: string;
  readonly messageId?: string;
  readonly replyTo?: string;
  readonly relatesTo?: string;
}

export class EnvelopeHead {
  private dirty = false;
  /** Header blocks parsed one by one before the whole head was, by their place in the scan's index. */
  private readonly single = new Map<number, XmlElement>();

  private constructor(
    /** The parsed tree, once something needed it (at once for a whole message). */
    private tree: { envelope: XmlElement; header: XmlElement | undefined } | undefined,
    readonly version: SoapVersion,
    private readonly boundary: HeadBoundary | 'whole',
    /** The message's first bytes, from which the tree or single blocks are parsed. */
    private readonly bytes: Buffer,
    /** Those bytes as latin1 text, when the scanner made it (text-only blocks are read from it). */
    private readonly latin1: string | undefined,
  ) {}

  /**
   * Parses the head out of `bytes` (a prefix of the message that reaches past the Body start tag), or
   * the whole message when `boundary` is 'ended' (no Body start was seen before the root closed).
   */
  static parse(bytes: Buffer, boundary: HeadBoundary | 'ended', latin1?: string): EnvelopeHead {
    if (boundary !== 'ended') return new EnvelopeHead(undefined, checkShape(boundary), boundary, bytes, latin1);
    let text = bytes.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const root = parseXml(text);
    const version = envelopeVersion(root.name.uri, root.name.local);
    const children = childElements(root);
    const envNs = envelopeNamespace(version);
    const headers = children.filter((c) => c.name.local === 'Header');
    const body = children[children.length - 1];
    if (!body || body.name.local !== 'Body' || body.name.uri !== envNs) {
      const found = body ? `<${body.prefix ? body.prefix + ':' : ''}${body.name.local}>` : 'nothing';
      throw notBody(found);
    }
    checkHeaders(headers.map((h) => h.name), envNs);
    const header = headers[0];
    if (children.length - headers.length !== 1) {
      throw new MoorError('MOOR_ERR_NOT_ENVELOPE', 'only a Header may come before the Body in the Envelope');
    }
    // a whole message's blocks come from its tree: no text view is needed
    return new EnvelopeHead({ envelope: root, header }, version, 'whole', bytes, undefined);
  }

  /** The Envelope element; its children are the Header (if any) and a stub of the Body. */
  get envelope(): XmlElement {
    return this.full().envelope;
  }

  private get header(): XmlElement | undefined {
    return this.full().header;
  }

  /** The header blocks, in order. */
  get blocks(): XmlElement[] {
    return this.header ? childElements(this.header) : [];
  }

  /** The first header block named `name`. */
  block(name: QName): XmlElement | undefined {
    if (this.tree || this.boundary === 'whole') return this.blocks.find((b) => sameName(b.name, name));
    return this.blockAt(this.boundary.index.blocks.findIndex((b) => sameName(b.name, name)));
  }

  /** The first header block whose local name is `local` in one of `uris`. */
  blockIn(uris: readonly string[], local: string): XmlElement | undefined {
    if (this.tree || this.boundary === 'whole') return this.blocks.find((b) => b.name.local === local && uris.includes(b.name.uri));
    return this.blockAt(this.boundary.index.blocks.findIndex((b) => b.name.local === local && uris.includes(b.name.uri)));
  }

  /** The block at `i` in the scan's index, parsed alone in the namespaces of the Header. */
  private blockAt(i: number): XmlElement | undefined {
    if (i < 0 || this.boundary === 'whole') return undefined;
    let el = this.single.get(i);
    if (!el) {
      const { start, end, tagEnd, leaf } = this.boundary.index.blocks[i]!;
      const scope = this.boundary.index.headerScope;
      el = (leaf ? readLeafElement(this.latin1 ?? this.bytes.toString('latin1', 0, end), this.bytes, start, tagEnd, end, scope) : undefined) ?? parseXml(this.bytes.toString('utf8', start, end), { wellFormed: true, inScope: scope });
      this.single.set(i, el);
    }
    return el;
  }

  /** The whole head as a tree, parsed on first use. */
  private full(): { envelope: XmlElement; header: XmlElement | undefined } {
    if (!this.tree) {
      const b = this.boundary as HeadBoundary;
      let text = this.bytes.toString('utf8', 0, b.bodyTagEnd);
      if (!b.bodySelfClosing) text += `</${b.bodyTag}>`;
      text += `</${b.envelopeTag}>`;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const envelope = parseXml(text, { wellFormed: true });
      this.tree = { envelope, header: childElements(envelope).find((c) => c.name.local === 'Header') };
    }
    return this.tree;
  }

  /** The WS-Addressing properties found in the header. */
  get addressing(): Addressing {
    const text = (local: string): string | undefined => {
      const b = this.blockIn(WSA_NAMESPACES, local);
      return b ? textOf(b).trim() : undefined;
    };
    const replyTo = this.blockIn(WSA_NAMESPACES, 'ReplyTo');
    const replyAddress = replyTo && childIn(replyTo, WSA_NAMESPACES, 'Address');
    const out: { -readonly [K in keyof Addressing]: Addressing[K] } = {};
    const to = text('To');
    if (to !== undefined) out.to = to;
    const action = text('Action');
    if (action !== undefined) out.action = action;
    const messageId = text('MessageID');
    if (messageId !== undefined) out.messageId = messageId;
    if (replyAddress) out.replyTo = textOf(replyAddress).trim();
    const relatesTo = text('RelatesTo');
    if (relatesTo !== undefined) out.relatesTo = relatesTo;
    return out;
  }

  /** Adds `block` to the header, replacing the blocks of the same name. */
  setBlock(block: XmlElement): void {
    const header = this.ensureHeader();
    const at = header.children.findIndex((c) => c.type === 'element' && sameName(c.name, block.name));
    header.children = header.children.filter((c) => !(c.type === 'element' && sameName(c.name, block.name)));
    header.children.splice(at < 0 ? header.children.length : at, 0, block);
    this.dirty = true;
  }

  /** Removes every header block named `name`; true when one was there. */
  removeBlock(name: QName): boolean {
    if (!this.header) return false;
    const before = this.header.children.length;
    this.header.children = this.header.children.filter((c) => !(c.type === 'element' && sameName(c.name, name)));
    const removed = this.header.children.length !== before;
    this.dirty ||= removed;
    return removed;
  }

  /** True once a header block was added or removed. */
  get changed(): boolean {
    return this.dirty;
  }

  /**
   * The bytes that replace [0, end) of the original message when the head changed: the original bytes
   * up to the Header (or to the end of the Envelope start tag when there was none), the Header written
   * anew, then the original bytes up to the Body. Undefined when nothing changed, so the original bytes
   * flow untouched.
   */
  rewrite(original: Buffer): { bytes: Buffer; end: number } | undefined {
    if (!this.dirty || !this.header || this.boundary === 'whole') return undefined;
    const b = this.boundary;
    const scope = new Map<string, string>([['xml', NS.xml], ...this.envelope.namespaces]);
    const header = Buffer.from(serialize(this.header, scope));
    const after = b.header ? original.subarray(b.header.end, b.bodyStart) : original.subarray(b.envelopeTagEnd, b.bodyStart);
    // whatever stood between the Envelope start tag and the Header (indentation, comments) stays
    const before = original.subarray(0, b.header ? b.header.start : b.envelopeTagEnd);
    return { bytes: Buffer.concat([before, header, after]), end: b.bodyStart };
  }

  private ensureHeader(): XmlElement {
    const tree = this.full();
    if (!tree.header) {
      tree.header = element({ uri: envelopeNamespace(this.version), local: 'Header' }, tree.envelope.prefix);
      tree.envelope.children.unshift(tree.header);
    }
    return tree.header;
  }
}

/**
 * The checks `parse` makes on a parsed Envelope, made on the scan's index instead: the SOAP version,
 * a Body in its namespace, at most one Header, in that namespace too.
 */
function checkShape(boundary: HeadBoundary): SoapVersion {
  const { envelope, headers, body } = boundary.index;
  const version = envelopeVersion(envelope.uri, envelope.local);
  const envNs = envelopeNamespace(version);
  if (body.local !== 'Body' || body.uri !== envNs) {
    const { prefix } = splitPrefixed(boundary.bodyTag);
    throw notBody(`<${prefix ? prefix + ':' : ''}${body.local}>`);
  }
  checkHeaders(headers, envNs);
  return version;
}
