/**
 * A read-only, DOM-like view of a compact tree (compact-tree.ts): the properties the `xpath` package
 * and moor's read-only paths use (nodeType, names, parent and siblings, attributes, values,
 * ownerDocument, documentElement, compareDocumentPosition), answered from the typed arrays.
 *
 * Node objects are made when something reaches them and kept only by the view, which lives as long as
 * one evaluation: XPath compares nodes by identity, so one view gives one object per node, and once
 * the evaluation is over the objects go with it and only the arrays stay (`//x` over a large body makes
 * an object per node for that moment, not for the message's life).
 */
import { attrValue, CDATA, COMMENT, type CompactTree, DECODE, DOCUMENT, ELEMENT, PI, rawValue, TEXT, textValue } from './compact-tree.ts';
import { escapeAttr, serializeCompact } from './compact-serialize.ts';

/**
 * What a reader may use of the envelope it is given (MessageContext.envelopeView): the compact view or,
 * when one exists, xmldom's Document, both of which have these. XPath reads the rest itself.
 */
export interface ReadNode {
  readonly nodeType: number;
  readonly localName?: string | null;
  readonly firstChild: ReadNode | null;
  readonly nextSibling: ReadNode | null;
  /** The node's XML text, as xmldom writes it. */
  toString(): string;
}

/** The document a reader is given: its root element beside the node's own properties. */
export interface ReadDocument extends ReadNode {
  readonly documentElement: ReadNode | null;
}

/** One evaluation's view of a tree: its document node, and its nodes by index. */
export class CompactView {
  private readonly nodes = new Map<number, CNode>();
  private readonly attrs = new Map<number, CAttr>();

  constructor(readonly tree: CompactTree) {}

  /** The document node. */
  get document(): CDocument {
    return this.node(0) as CDocument;
  }

  /** The node at index `i` (or null for -1). */
  node(i: number): CNode | null {
    if (i < 0) return null;
    let n = this.nodes.get(i);
    if (!n) {
      const k = this.tree.kind[i]! & ~DECODE;
      n = k === ELEMENT ? new CElement(this, i) : k === DOCUMENT ? new CDocument(this, i) : k === TEXT || k === CDATA ? new CText(this, i, k) : k === COMMENT ? new CComment(this, i) : new CPi(this, i);
      this.nodes.set(i, n);
    }
    return n;
  }

  /** The attribute at index `a` of element `owner`. */
  attr(a: number, owner: number): CAttr {
    let n = this.attrs.get(a);
    if (!n) this.attrs.set(a, (n = new CAttr(this, a, owner)));
    return n;
  }
}

const FOLLOWING = 0x04;
const PRECEDING = 0x02;

/** What every node of the view has. */
abstract class CNode {
  abstract readonly nodeType: number;
  abstract readonly nodeName: string;
  constructor(
    protected readonly view: CompactView,
    /** Index in the tree. */
    readonly index: number,
  ) {}
  get parentNode(): CNode | null {
    return this.view.node(this.view.tree.parent[this.index]!);
  }
  get nextSibling(): CNode | null {
    return this.view.node(this.view.tree.next[this.index]!);
  }
  get previousSibling(): CNode | null {
    const t = this.view.tree;
    const p = t.parent[this.index]!;
    if (p < 0) return null;
    let prev = -1;
    for (let c = p + 1; c !== this.index && c >= 0; c = t.next[c]!) prev = c;
    return this.view.node(prev);
  }
  get firstChild(): CNode | null {
    const i = this.index + 1;
    return i < this.view.tree.count && this.view.tree.parent[i] === this.index ? this.view.node(i) : null;
  }
  get lastChild(): CNode | null {
    let last: CNode | null = null;
    for (let c = this.firstChild; c; c = c.nextSibling) last = c;
    return last;
  }
  get childNodes(): CNode[] {
    const out: CNode[] = [];
    for (let c = this.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  }
  hasChildNodes(): boolean {
    return this.firstChild !== null;
  }
  get ownerDocument(): CDocument | null {
    return this.view.document;
  }
  get nodeValue(): string | null {
    return null;
  }
  get localName(): string | null {
    return null;
  }
  get namespaceURI(): string | null {
    return null;
  }
  get prefix(): string | null {
    return null;
  }
  get textContent(): string | null {
    let s = '';
    const end = this.subtreeEnd();
    const t = this.view.tree;
    for (let i = this.index + 1; i < end; i++) {
      const k = t.kind[i]! & ~DECODE;
      if (k === TEXT || k === CDATA) s += this.view.node(i)!.nodeValue!;
    }
    return s;
  }
  /** The index after this node's last descendant. */
  subtreeEnd(): number {
    const t = this.view.tree;
    for (let i: number = this.index; i >= 0; i = t.parent[i]!) if (t.next[i]! >= 0) return t.next[i]!;
    return t.count;
  }
  /** Document order by index; an attribute comes after its element and before the element's children. */
  compareDocumentPosition(other: unknown): number {
    return compare(this, other);
  }
  toString(): string {
    return serializeCompact(this.view.tree, this.index);
  }
}

function orderOf(n: CNode | CAttr): [number, number] {
  return n instanceof CAttr ? [n.owner, n.index] : [n.index, -1];
}

/**
 * DOM's compareDocumentPosition between nodes of one view. Anything else (the `xpath` package's
 * namespace nodes) is answered "disconnected", as xmldom answers it, so node-sets order the same.
 */
function compare(self: CNode | CAttr, other: unknown): number {
  if (!(other instanceof CNode || other instanceof CAttr)) return 0x01;
  const [a, b] = [orderOf(self), orderOf(other)];
  return a[0] !== b[0] ? (b[0] < a[0] ? PRECEDING : FOLLOWING) : b[1] < a[1] ? PRECEDING : FOLLOWING;
}

/** The document node. */
export class CDocument extends CNode {
  readonly nodeType = 9;
  readonly nodeName = '#document';
  override get ownerDocument(): null {
    return null;
  }
  get documentElement(): CElement | null {
    for (let c = this.firstChild; c; c = c.nextSibling) if (c.nodeType === ELEMENT) return c as CElement;
    return null;
  }
  override get textContent(): null {
    return null;
  }
}

/** An element. */
export class CElement extends CNode {
  readonly nodeType = 1;
  private attrList: CAttrs | undefined;
  private get n() {
    return this.view.tree.names[this.view.tree.name[this.index]!]!;
  }
  get nodeName(): string {
    return this.n.qname;
  }
  get tagName(): string {
    return this.n.qname;
  }
  override get localName(): string {
    return this.n.local;
  }
  override get namespaceURI(): string | null {
    return this.n.uri;
  }
  override get prefix(): string | null {
    return this.n.prefix;
  }
  get attributes(): CAttrs {
    return (this.attrList ??= attrsOf(this.view, this.index));
  }
  getAttribute(name: string): string | null {
    const list = this.attributes;
    for (let i = 0; i < list.length; i++) if (list.item(i)!.name === name) return list.item(i)!.value;
    return null;
  }
  getAttributeNS(uri: string | null, local: string): string | null {
    const list = this.attributes;
    for (let i = 0; i < list.length; i++) {
      const a = list.item(i)!;
      if (a.localName === local && (a.namespaceURI ?? '') === (uri ?? '')) return a.value;
    }
    return null;
  }
}

/** An element's attributes, as xmldom's NamedNodeMap (namespace declarations among them; indexable too). */
type CAttrs = CAttr[] & { item(i: number): CAttr | null };

function attrsOf(view: CompactView, owner: number): CAttrs {
  const list: CAttr[] = [];
  for (let a = view.tree.start[owner]!; a < view.tree.stop[owner]!; a++) list.push(view.attr(a, owner));
  return Object.assign(list, { item: (i: number) => list[i] ?? null });
}

/** An attribute (or a namespace declaration, which xmldom also lists among the attributes). */
export class CAttr {
  readonly nodeType = 2;
  readonly parentNode = null;
  readonly firstChild = null;
  readonly nextSibling = null;
  readonly previousSibling = null;
  constructor(
    private readonly view: CompactView,
    /** Index among the tree's attributes. */
    readonly index: number,
    /** The element's index. */
    readonly owner: number,
  ) {}
  private get n() {
    return this.view.tree.names[this.view.tree.attrName[this.index]!]!;
  }
  get name(): string {
    return this.n.qname;
  }
  get nodeName(): string {
    return this.n.qname;
  }
  get localName(): string {
    return this.n.local;
  }
  get prefix(): string | null {
    return this.n.prefix;
  }
  get namespaceURI(): string | null {
    return this.n.uri;
  }
  get value(): string {
    const t = this.view.tree;
    const [s, e] = [t.attrStart[this.index]!, t.attrStop[this.index]!];
    return t.attrDecode[this.index] ? attrValue(t.text, s, e) : t.text.slice(s, e);
  }
  get nodeValue(): string {
    return this.value;
  }
  get textContent(): string {
    return this.value;
  }
  get ownerElement(): CElement {
    return this.view.node(this.owner) as CElement;
  }
  get ownerDocument(): CDocument {
    return this.view.document;
  }
  compareDocumentPosition(other: unknown): number {
    return compare(this, other);
  }
  toString(): string {
    return ` ${this.name}="${escapeAttr(this.value)}"`; // as xmldom writes an attribute, space first
  }
}

/** A text node or a CDATA section. */
class CText extends CNode {
  readonly nodeName: string;
  constructor(
    view: CompactView,
    index: number,
    readonly nodeType: number,
  ) {
    super(view, index);
    this.nodeName = nodeType === TEXT ? '#text' : '#cdata-section';
  }
  override get nodeValue(): string {
    const t = this.view.tree;
    const [s, e] = [t.start[this.index]!, t.stop[this.index]!];
    if (!(t.kind[this.index]! & DECODE)) return t.text.slice(s, e);
    return this.nodeType === TEXT ? textValue(t.text, s, e) : rawValue(t.text, s, e);
  }
  get data(): string {
    return this.nodeValue;
  }
  override get textContent(): string {
    return this.nodeValue;
  }
  override get firstChild(): null {
    return null;
  }
}

/** A comment. */
class CComment extends CText {
  constructor(view: CompactView, index: number) {
    super(view, index, COMMENT);
  }
  override readonly nodeName = '#comment';
  override get nodeValue(): string {
    const t = this.view.tree;
    return rawValue(t.text, t.start[this.index]!, t.stop[this.index]!);
  }
}

/** The XML declaration, which xmldom keeps as a processing instruction. */
class CPi extends CText {
  constructor(view: CompactView, index: number) {
    super(view, index, PI);
  }
  override readonly nodeName = 'xml';
  readonly target = 'xml';
  override get nodeValue(): string {
    const t = this.view.tree;
    return t.text.slice(t.start[this.index]!, t.stop[this.index]!);
  }
}
