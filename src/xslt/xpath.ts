/**
 * XPath 1.0 for XSLT: the `xpath` package (moor's XPath everywhere, expr/xpath-lib.ts) evaluated with the
 * context an XSLT instruction has — a context node, its position and size in the current node list, the
 * variables in scope and XSLT's own functions (current(), generate-id()…). The package's `evaluate()`
 * always starts at position 1 of 1, so that position() and last() at the top of a `select` inside
 * <xsl:for-each> would be wrong; this file evaluates the parsed expression under a context it builds
 * itself (the package's XPathContext and resolvers, which it exports), so that they are right.
 */
import { type XValue, xpathPackage as pkg } from '../expr/xpath-lib.ts';

interface Ctx {
  contextNode: Node;
  expressionContextNode: Node;
  contextSize: number;
  contextPosition: number;
  caseInsensitive: boolean;
  /** What `/` selects, instead of the context node's ownerDocument (the package's own option). */
  virtualRoot: Node;
  variableResolver: { getVariable(local: string, ns: string | null): XValue | undefined };
  namespaceResolver: { getNamespace(prefix: string, node: Node): string | null };
  functionResolver: { getFunction(local: string, ns: string | null): unknown; thisArg?: unknown };
}
type Evaluable = { evaluate(c: Ctx): XValue };
/** A function XSLT adds: called with the evaluated arguments and the caller's dynamic context. */
export type XsltFunction = (c: { readonly contextNode: Node }, ...args: XValue[]) => XValue;

const XPathContext = pkg.XPathContext as unknown as new (vr: Ctx['variableResolver'], nr: Ctx['namespaceResolver'], fr: Ctx['functionResolver']) => Ctx;
const FunctionResolver = pkg.FunctionResolver as unknown as new () => { getFunction(local: string, ns: string | null): unknown };
const standardFunctions = new FunctionResolver();
const XNodeSetClass = pkg.XNodeSet as unknown as new () => XValue & { addArray(nodes: Node[]): void };
const XStringClass = pkg.XString as unknown as new (s: string) => XValue;
const XNumberClass = pkg.XNumber as unknown as new (n: number) => XValue;
const XBooleanClass = pkg.XBoolean as unknown as new (b: boolean) => XValue;
const parser = new (pkg.XPathParser as unknown as new () => { parse(text: string): { expression: Evaluable } })();
const FunctionCallClass = pkg.FunctionCall as unknown as abstract new () => { functionName: string };

export const xstring = (s: string): XValue => new XStringClass(s);
export const xnumber = (n: number): XValue => new XNumberClass(n);
export const xboolean = (b: boolean): XValue => new XBooleanClass(b);
export function xnodes(nodes: readonly Node[]): XValue {
  const set = new XNodeSetClass();
  set.addArray([...nodes]);
  return set;
}
/** Whether `v` is a node-set. */
export const isNodeSet = (v: XValue): boolean => v instanceof XNodeSetClass;

/** A compiled XPath expression with the namespaces in scope where the stylesheet wrote it. */
export interface XslExpr {
  readonly text: string;
  readonly root: Evaluable;
  readonly namespaces: ReadonlyMap<string, string>;
  /** The nodes, taken without XPath, of the few selections that allow it (directSelection). */
  readonly direct: ((n: Node) => Node[]) | undefined;
}

/** Compiles `text`; throws an Error whose message says why it does not parse. */
export function compileXPath(text: string, namespaces: ReadonlyMap<string, string>): XslExpr {
  return { text, root: parser.parse(text).expression, namespaces, direct: directSelection(text) };
}

/** What an evaluation sees besides the expression. */
export interface Focus {
  readonly node: Node;
  /** What `/` is: the source document (whose nodes' ownerDocument may be another, transform.ts). */
  readonly root: Node;
  readonly position: number;
  readonly size: number;
  variable(local: string, ns: string | null): XValue | undefined;
  fn(local: string, ns: string | null): XsltFunction | undefined;
}

/** Evaluates `e` at `focus`. Throws an Error (unknown function, undeclared variable…). */
export function evaluateXPath(e: XslExpr, focus: Focus): XValue {
  // (the resolvers are given to the constructor: made by it, a FunctionResolver registers every standard function anew)
  const c = new XPathContext(
    {
      getVariable: (local, ns) => {
        const v = focus.variable(local, ns);
        if (v === undefined) throw new Error(`the variable $${ns ? `{${ns}}` : ''}${local} is not declared`);
        return v;
      },
    },
    {
      getNamespace: (prefix) => {
        if (prefix === 'xml') return 'http://www.w3.org/XML/1998/namespace';
        const uri = e.namespaces.get(prefix);
        if (uri === undefined) throw new Error(`the prefix "${prefix}" is not declared`);
        return uri;
      },
    },
    {
      getFunction: (local, ns) => {
        const own = focus.fn(local, ns);
        if (!own) return ns ? undefined : standardFunctions.getFunction(local, ns);
        return (ctx: Ctx, ...args: Evaluable[]) => own(ctx, ...args.map((a) => a.evaluate(ctx)));
      },
    },
  );
  c.contextNode = focus.node;
  c.expressionContextNode = focus.node;
  c.contextPosition = focus.position;
  c.contextSize = focus.size;
  c.caseInsensitive = false;
  c.virtualRoot = focus.root;
  return e.root.evaluate(c);
}

/**
 * The nodes of the selections stylesheets write most (`@*|node()` of the identity transform, `node()`,
 * `*`, `@*`, `text()`, `.`) taken from the node directly, in document order; undefined for any other.
 * The xpath package sorts every union by xmldom's compareDocumentPosition, which walks to the root for
 * each comparison: for the identity transform that was most of the time.
 */
export function directSelection(text: string): ((n: Node) => Node[]) | undefined {
  switch (text.replace(/\s+/g, '')) {
    case '.':
      return (n) => [n];
    case 'node()':
      return (n) => childList(n, () => true);
    case '*':
      return (n) => childList(n, (c) => c.nodeType === 1);
    case 'text()':
      return (n) => childList(n, (c) => c.nodeType === 3 || c.nodeType === 4);
    case '@*':
      return attributes;
    case '@*|node()':
    case 'node()|@*':
      return (n) => [...attributes(n), ...childList(n, () => true)];
    default:
      return undefined;
  }
}

function childList(n: Node, keep: (c: Node) => boolean): Node[] {
  const out: Node[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) if (keep(c) && c.nodeType !== 10) out.push(c);
  return out;
}

function attributes(n: Node): Node[] {
  if (n.nodeType !== 1) return [];
  const out: Node[] = [];
  const attrs = (n as Element).attributes;
  // (namespace declarations are not attributes in XPath)
  for (let i = 0; i < attrs.length; i++) if (attrs[i]!.namespaceURI !== 'http://www.w3.org/2000/xmlns/') out.push(attrs[i]!);
  return out;
}

/** The names of the functions `e` calls, as written (`count`, `fn:upper-case`), each once. */
export function functionsCalled(e: XslExpr): string[] {
  const names = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (x: unknown): void => {
    if (!x || typeof x !== 'object' || seen.has(x)) return;
    seen.add(x);
    if (x instanceof FunctionCallClass) names.add(x.functionName);
    for (const v of Object.values(x)) walk(v);
  };
  walk(e.root);
  return [...names];
}

/** The nodes of a node-set value, in document order; throws when `v` is not one. */
export function nodesOf(v: XValue, what: string): Node[] {
  if (!isNodeSet(v)) throw new Error(`${what} is not a node-set`);
  return v.nodeset().toArray();
}
