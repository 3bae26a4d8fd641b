/**
 * Runs a compiled Stylesheet over one input document and builds the result as nodes of `factory` (the
 * message's own DOM, so that the result goes into the envelope without another copy).
 *
 * The run is synchronous and bounded. Its input is the message body, which the parse budget already
 * bounds (docs/hostile-input.md), but a stylesheet can loop on a small input: a recursive named
 * template, an apply-templates that selects its own node again. So every instruction run and every
 * template applied counts one step against `limits.steps`, templates may nest `limits.depth` deep (JS
 * recursion: past that the stack would overflow), the result may hold `limits.nodes` nodes, and the
 * whole run may take `limits.ms` (looked at every 1024 steps); past any of these the transform stops
 * with an XsltError, which the mediator answers as a fault. One XPath evaluation is not interrupted:
 * over a bounded input it is polynomial, but an expression such as `//*[count(//*) > 0]` is quadratic in
 * the nodes, and nested further, worse.
 */
import { type SourceLoc } from '../errors.ts';
import { type XValue } from '../expr/xpath-lib.ts';
import { parseDom } from '../xml/dom.ts';
import { NS } from '../xml/names.ts';
import { type Avt, type Binding, type Instr, type SortKey, type Stylesheet, type Template } from './model.ts';
import { parentOf } from './patterns.ts';
import { extensionFunction, type GeneratedIds, xsltFunction } from './functions.ts';
import { declare, undeclareDefault } from './result-tree.ts';
import { evaluateXPath, type Focus, isNodeSet, nodesOf, xnodes, xstring, type XslExpr, type XsltFunction } from './xpath.ts';
import { ELEMENT, ATTRIBUTE, TEXT, CDATA, PI, COMMENT, DOCUMENT, FRAGMENT } from '../xml/node-types.ts';

export interface TransformLimits {
  /** Instructions run plus templates applied. */
  readonly steps: number;
  /** Templates nested (apply-templates and call-template within one another). */
  readonly depth: number;
  /** Nodes in the result. */
  readonly nodes: number;
  /** Milliseconds of the event loop the transform may hold (checked every 1024 steps). */
  readonly ms: number;
}

/** Used where no limits are given (a transform outside the gateway); the gateway passes `<moor:limits>`' xslt* settings. */
export const DEFAULT_LIMITS: TransformLimits = { steps: 200_000, depth: 500, nodes: 100_000, ms: 250 };

/** A transform that failed: what happened and the stylesheet's element where. */
export class XsltError extends Error {
  constructor(
    message: string,
    readonly loc: SourceLoc | undefined,
  ) {
    super(message);
  }
}

export interface TransformOptions {
  /** Values of the stylesheet's top-level <xsl:param>s, by name. */
  readonly params: ReadonlyMap<string, string>;
  /** Where result nodes are made. */
  readonly factory: Document;
  readonly limits?: TransformLimits;
  /** <xsl:message> text (terminate="yes" also fails the transform). */
  readonly message?: (text: string) => void;
}

interface Scope {
  readonly key: string;
  readonly value: XValue;
  readonly parent: Scope | undefined;
}

/** The current node, its list, and the variables in scope where an instruction runs. */
interface Here {
  readonly node: Node;
  readonly position: number;
  readonly size: number;
  readonly scope: Scope | undefined;
  readonly mode: string;
}

/**
 * Runs `sheet` over the document `input`; the result's top-level nodes, owned by `options.factory`.
 * `input`'s nodes may belong to another document (the <xslt> mediator moves the message's node into
 * `input` rather than copying it: xmldom's deep copy cost more than the transform), so `/` is `input`
 * itself, never a node's ownerDocument. A stylesheet with <xsl:strip-space> removes whitespace text from it.
 */
export function transform(sheet: Stylesheet, input: Document, options: TransformOptions): Node[] {
  try {
    return new Run(sheet, options).run(input);
  } catch (e) {
    // (the depth limit keeps templates within the stack; a deep input copied or matched may still not be)
    if (e instanceof RangeError) throw new XsltError(`the transform ran out of stack (${e.message})`, undefined);
    throw e;
  }
}

class Run {
  private steps = 0;
  private depth = 0;
  private made = 0;
  private readonly deadline: number;
  private readonly limits: TransformLimits;
  private readonly globals = new Map<string, { binding: Binding; param: boolean; value?: XValue; busy?: boolean }>();
  private readonly ids: GeneratedIds = { of: new WeakMap(), count: 0 };
  private readonly doc: Document;
  private inputRoot: Node | undefined;

  constructor(
    private readonly sheet: Stylesheet,
    private readonly options: TransformOptions,
  ) {
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.deadline = performance.now() + this.limits.ms;
    this.doc = options.factory;
    for (const g of sheet.globals) this.globals.set(g.name, { binding: g, param: g.param });
  }

  run(input: Node): Node[] {
    this.inputRoot = input;
    if (this.sheet.space.some((t) => t.strip)) this.stripSpace(input);
    const out = this.doc.createDocumentFragment();
    this.applyTo([input], { node: input, position: 1, size: 1, scope: undefined, mode: '' }, '', [], out);
    const nodes: Node[] = [];
    for (let c = out.firstChild; c; c = c.nextSibling) nodes.push(c);
    return nodes;
  }

  // ── templates ──

  private applyTo(nodes: Node[], here: Here, mode: string, params: readonly { key: string; value: XValue }[], out: Node): void {
    this.depth++;
    if (this.depth > this.limits.depth) throw new XsltError(`templates nest deeper than ${this.limits.depth} (a template that applies or calls itself without end?)`, undefined);
    try {
      for (let i = 0; i < nodes.length; i++) {
        const node = nodes[i]!;
        const at: Here = { node, position: i + 1, size: nodes.length, scope: undefined, mode };
        const template = this.ruleFor(node, at, mode);
        this.step(template?.loc);
        if (template) this.instantiate(template, at, params, out);
        else this.builtIn(node, at, mode, out);
      }
    } finally {
      this.depth--;
    }
  }

  private ruleFor(node: Node, here: Here, mode: string): Template | undefined {
    const focusAt = (n: Node): Focus => this.focus({ ...here, node: n, position: 1, size: 1 });
    for (const r of this.sheet.rules.get(mode) ?? []) {
      try {
        if (r.part.matches(node, focusAt)) return r.template;
      } catch (e) {
        throw new XsltError(`matching <xsl:template> failed: ${(e as Error).message}`, r.template.loc);
      }
    }
    return undefined;
  }

  private builtIn(node: Node, here: Here, mode: string, out: Node): void {
    const t = node.nodeType;
    if (t === DOCUMENT || t === FRAGMENT || t === ELEMENT) this.applyTo(children(node), here, mode, [], out);
    else if (t === TEXT || t === CDATA) this.text(node.nodeValue ?? '', out);
    else if (t === ATTRIBUTE) this.text((node as Attr).value, out);
  }

  private instantiate(template: Template, here: Here, params: readonly { key: string; value: XValue }[], out: Node): void {
    let scope: Scope | undefined;
    for (const p of template.params) {
      const given = params.find((g) => g.key === p.name);
      scope = { key: p.name, value: given ? given.value : this.bind(p, { ...here, scope }), parent: scope };
    }
    this.run_(template.body, { ...here, scope }, out);
  }

  // ── instructions ──

  private run_(body: readonly Instr[], here: Here, out: Node): void {
    let scope = here.scope;
    for (const i of body) {
      this.step(undefined);
      const at = scope === here.scope ? here : { ...here, scope };
      if (i.k === 'variable') {
        scope = { key: i.binding.name, value: this.bind(i.binding, at), parent: scope };
        continue;
      }
      this.one(i, at, out);
    }
  }

  private one(i: Instr, here: Here, out: Node): void {
    switch (i.k) {
      case 'text':
        return i.raw ? this.markup(i.text, out) : this.text(i.text, out);
      case 'literal': {
        const el = this.element(i.name.uri, i.prefix, i.name.local, out);
        for (const [p, uri] of i.namespaces) declare(el, p, uri, out);
        for (const a of i.attributes) this.setAttribute(el, a.name.uri, a.prefix, a.name.local, this.avt(a.value, here));
        this.run_(i.body, here, el);
        return;
      }
      case 'apply': {
        const nodes = i.select ? this.nodes(i.select, here, i.loc) : children(here.node);
        const params = i.params.map((p) => ({ key: p.name, value: this.bind(p, here) }));
        return this.applyTo(this.sorted(nodes, i.sorts, here, i.loc), here, i.mode, params, out);
      }
      case 'call': {
        const t = this.sheet.named.get(i.name);
        if (!t) throw new XsltError(`no template is named "${i.name}"`, i.loc);
        const params = i.params.map((p) => ({ key: p.name, value: this.bind(p, here) }));
        this.depth++;
        try {
          if (this.depth > this.limits.depth) throw new XsltError(`templates nest deeper than ${this.limits.depth} (a template that calls itself without end?)`, i.loc);
          this.instantiate(t, { ...here, scope: undefined }, params, out);
        } finally {
          this.depth--;
        }
        return;
      }
      case 'value-of': {
        const s = this.eval(i.select, here, i.loc).stringValue();
        return i.raw ? this.markup(s, out) : this.text(s, out);
      }
      case 'copy-of': {
        const v = this.eval(i.select, here, i.loc);
        if (!isNodeSet(v)) return this.text(v.stringValue(), out);
        for (const n of v.nodeset().toArray()) this.copyOf(n, out);
        return;
      }
      case 'copy':
        return this.copy(here, i.body, out);
      case 'for-each': {
        const nodes = this.sorted(this.nodes(i.select, here, i.loc), i.sorts, here, i.loc);
        for (let n = 0; n < nodes.length; n++) this.run_(i.body, { ...here, node: nodes[n]!, position: n + 1, size: nodes.length }, out);
        return;
      }
      case 'if':
        if (this.eval(i.test, here, i.loc).booleanValue()) this.run_(i.body, here, out);
        return;
      case 'choose': {
        const when = i.whens.find((w) => this.eval(w.test, here, i.loc).booleanValue());
        return this.run_(when ? when.body : i.otherwise, here, out);
      }
      case 'element': {
        const { uri, prefix, local } = this.qname(i.name, i.namespace, i.scope, here, i.loc, true);
        const el = this.element(uri, prefix, local, out);
        this.run_(i.body, here, el);
        return;
      }
      case 'attribute': {
        if (out.nodeType !== ELEMENT) return; // XSLT 1.0 §7.1.3: an attribute with no element to go on is ignored
        const { uri, prefix, local } = this.qname(i.name, i.namespace, i.scope, here, i.loc, false);
        this.setAttribute(out as Element, uri, prefix, local, this.textOf(i.body, here));
        return;
      }
      case 'comment':
        this.count();
        out.appendChild(this.doc.createComment(this.textOf(i.body, here).replace(/--/g, '- -')));
        return;
      case 'pi':
        this.count();
        out.appendChild(this.doc.createProcessingInstruction(this.avt(i.name, here), this.textOf(i.body, here)));
        return;
      case 'message': {
        const text = this.textOf(i.body, here);
        this.options.message?.(text);
        if (i.terminate) throw new XsltError(`<xsl:message terminate="yes">: ${text}`, i.loc);
        return;
      }
      case 'variable':
        return; // handled by run_
    }
  }

  private copy(here: Here, body: readonly Instr[], out: Node): void {
    const n = here.node;
    switch (n.nodeType) {
      case ELEMENT: {
        const e = n as Element;
        const el = this.element(e.namespaceURI ?? '', e.prefix ?? '', e.localName ?? '', out);
        // its namespace nodes go with it (XSLT 1.0 §7.5): a prefix used only in content, xsi:type="ax21:T", stays declared
        for (let i = 0; i < e.attributes.length; i++) {
          const a = e.attributes[i]!;
          if (a.namespaceURI === NS.xmlns) declare(el, a.localName === 'xmlns' ? '' : (a.localName ?? ''), a.value, out);
        }
        this.run_(body, here, el);
        return;
      }
      case ATTRIBUTE: {
        const a = n as Attr;
        if (out.nodeType === ELEMENT) this.setAttribute(out as Element, a.namespaceURI ?? '', a.prefix ?? '', a.localName ?? a.name, a.value);
        return;
      }
      case DOCUMENT:
      case FRAGMENT:
        return this.run_(body, here, out);
      default:
        return this.copyOf(n, out);
    }
  }

  private copyOf(n: Node, out: Node): void {
    // (text made anew: xmldom's importNode walks even a text node as a tree)
    if (n.nodeType === TEXT || n.nodeType === CDATA) return this.text(n.nodeValue ?? '', out);
    if (n.nodeType === DOCUMENT || n.nodeType === FRAGMENT) {
      for (const c of children(n)) this.copyOf(c, out);
      return;
    }
    if (n.nodeType === ATTRIBUTE) {
      const a = n as Attr;
      if (out.nodeType === ELEMENT) this.setAttribute(out as Element, a.namespaceURI ?? '', a.prefix ?? '', a.localName ?? a.name, a.value);
      return;
    }
    this.count(countNodes(n));
    const copy = this.doc.importNode(n, true);
    out.appendChild(copy);
    if (copy.nodeType === ELEMENT) undeclareDefault(copy as Element, out);
  }

  // ── values ──

  /** A binding's value: its select, its content as a result tree fragment, or ''. */
  private bind(b: Binding, here: Here): XValue {
    if (b.select) return this.eval(b.select, here, b.loc);
    if (!b.body) return xstring('');
    const frag = this.doc.createDocumentFragment();
    this.run_(b.body, here, frag);
    return xnodes([frag]);
  }

  private eval(e: XslExpr, here: Here, loc: SourceLoc | undefined): XValue {
    try {
      return evaluateXPath(e, this.focus(here));
    } catch (err) {
      if (err instanceof XsltError) throw err;
      throw new XsltError(`evaluating "${e.text}" failed: ${(err as Error).message}`, loc);
    }
  }

  private nodes(e: XslExpr, here: Here, loc: SourceLoc): Node[] {
    if (e.direct) return e.direct(here.node);
    const v = this.eval(e, here, loc);
    try {
      return nodesOf(v, `"${e.text}"`);
    } catch (err) {
      throw new XsltError((err as Error).message, loc);
    }
  }

  private focus(here: Here): Focus {
    return {
      node: here.node,
      root: this.inputRoot!,
      position: here.position,
      size: here.size,
      variable: (local, ns) => this.variable(ns ? `{${ns}}${local}` : local, here.scope),
      fn: (local, ns) => (ns ? extensionFunction(local, ns) : this.fn(local, here)),
    };
  }

  private variable(key: string, scope: Scope | undefined): XValue | undefined {
    for (let s = scope; s; s = s.parent) if (s.key === key) return s.value;
    const g = this.globals.get(key);
    if (!g) return undefined;
    if (g.value) return g.value;
    if (g.busy) throw new XsltError(`the global variable $${key} depends on itself`, g.binding.loc);
    const given = g.param ? this.options.params.get(key) : undefined;
    if (given !== undefined) return (g.value = xstring(given));
    g.busy = true;
    try {
      const root = { node: this.inputRoot!, position: 1, size: 1, scope: undefined, mode: '' };
      return (g.value = this.bind(g.binding, root));
    } finally {
      g.busy = false;
    }
  }

  /** XSLT's functions (XSLT 1.0 §12) beside XPath's own (functions.ts), with this run's current node and ids. */
  private fn(local: string, here: Here): XsltFunction | undefined {
    return xsltFunction(local, here.node, this.ids);
  }

  private avt(parts: Avt, here: Here): string {
    let s = '';
    for (const p of parts) s += typeof p === 'string' ? p : this.eval(p, here, undefined).stringValue();
    return s;
  }

  /** The text a body makes (for attributes, comments, messages). */
  private textOf(body: readonly Instr[], here: Here): string {
    const frag = this.doc.createDocumentFragment();
    this.run_(body, here, frag);
    return frag.textContent ?? '';
  }

  private sorted(nodes: Node[], sorts: readonly SortKey[], here: Here, loc: SourceLoc): Node[] {
    if (!sorts.length) return nodes;
    const keys = nodes.map((node, i) => ({
      node,
      i,
      k: sorts.map((s) => {
        const v = this.eval(s.select, { ...here, node, position: i + 1, size: nodes.length }, loc);
        return s.number ? v.numberValue() : v.stringValue();
      }),
    }));
    keys.sort((a, b) => {
      for (let s = 0; s < sorts.length; s++) {
        const x = a.k[s]!;
        const y = b.k[s]!;
        let c = typeof x === 'number' ? cmpNumber(x, y as number) : (x as string) < (y as string) ? -1 : x > y ? 1 : 0;
        if (sorts[s]!.descending) c = -c;
        if (c) return c;
      }
      return a.i - b.i;
    });
    return keys.map((k) => k.node);
  }

  // ── the result ──

  private qname(name: Avt, namespace: Avt | undefined, scope: ReadonlyMap<string, string>, here: Here, loc: SourceLoc, element: boolean): { uri: string; prefix: string; local: string } {
    const q = this.avt(name, here).trim();
    const m = /^(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)$/.exec(q);
    if (!m) throw new XsltError(`"${q}" is not a name for an ${element ? 'element' : 'attribute'}`, loc);
    const prefix = m[1] ?? '';
    const local = m[2]!;
    if (namespace) {
      const uri = this.avt(namespace, here);
      // an attribute in a namespace needs a prefix; one is made up when the name has none
      return { uri, prefix: uri && !prefix && !element ? 'ns0' : prefix, local };
    }
    if (prefix) {
      const uri = scope.get(prefix);
      if (uri === undefined) throw new XsltError(`the prefix of "${q}" is not declared`, loc);
      return { uri, prefix, local };
    }
    return { uri: element ? (scope.get('') ?? '') : '', prefix: '', local };
  }

  private element(uri: string, prefix: string, local: string, out: Node): Element {
    this.count();
    const el = this.doc.createElementNS(uri || null, prefix && uri ? `${prefix}:${local}` : local);
    out.appendChild(el);
    if (uri) declare(el, prefix && uri ? prefix : '', uri, out);
    else undeclareDefault(el, out);
    return el;
  }

  private setAttribute(el: Element, uri: string, prefix: string, local: string, value: string): void {
    if (uri === NS.xmlns) return;
    if (!uri) el.setAttribute(local, value);
    else {
      const p = prefix || 'ns0';
      el.setAttributeNS(uri, `${p}:${local}`, value);
      declare(el, p, uri, el.parentNode ?? el);
    }
  }

  /**
   * disable-output-escaping="yes": the text is markup. Synapse serialises the result and reads it back, so
   * such text that is well-formed XML becomes elements (`<xsl:value-of select="//payload"
   * disable-output-escaping="yes"/>` of escaped XML); text that is not stays text.
   */
  private markup(s: string, out: Node): void {
    if (!s.includes('<') && !s.includes('&')) return this.text(s, out);
    const { doc, failure } = parseDom(`<moor-fragment>${s}</moor-fragment>`);
    if (failure || !doc?.documentElement) return this.text(s, out);
    for (const c of children(doc.documentElement)) this.copyOf(c, out);
  }

  private text(s: string, out: Node): void {
    if (s === '') return;
    this.count();
    out.appendChild(this.doc.createTextNode(s));
  }

  private step(loc: SourceLoc | undefined): void {
    if (++this.steps > this.limits.steps) throw new XsltError(`the transform ran more than ${this.limits.steps} steps (a loop in the stylesheet?)`, loc);
    if ((this.steps & 1023) === 0 && performance.now() > this.deadline) throw new XsltError(`the transform ran longer than ${this.limits.ms} ms`, loc);
  }

  private count(n = 1): void {
    this.made += n;
    if (this.made > this.limits.nodes) throw new XsltError(`the result would hold more than ${this.limits.nodes} nodes`, undefined);
  }

  private stripSpace(doc: Node): void {
    const strips = (el: Element): boolean => {
      let best: { strip: boolean; rank: number } | undefined;
      for (const t of this.sheet.space) {
        const rank = t.local !== '*' ? 2 : t.uri !== undefined ? 1 : 0;
        const hit = (t.local === '*' || t.local === el.localName) && (t.uri === undefined || t.uri === (el.namespaceURI ?? ''));
        if (hit && (!best || rank >= best.rank)) best = { strip: t.strip, rank };
      }
      return best?.strip ?? false;
    };
    const walk = (n: Node): void => {
      for (let c = n.firstChild; c; ) {
        const next = c.nextSibling;
        if (c.nodeType === ELEMENT) walk(c);
        else if (c.nodeType === TEXT && n.nodeType === ELEMENT && (c.nodeValue ?? '').trim() === '' && strips(n as Element)) n.removeChild(c);
        c = next;
      }
    };
    walk(doc);
  }

}

function children(n: Node): Node[] {
  const out: Node[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function countNodes(n: Node): number {
  let k = 1;
  for (let c = n.firstChild; c; c = c.nextSibling) k += countNodes(c);
  return k;
}

function cmpNumber(x: number, y: number): number {
  // NaN sorts first (XSLT 1.0 §10)
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1;
  if (Number.isNaN(y)) return 1;
  return x - y;
}

