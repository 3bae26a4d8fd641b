/**
 * XSLT 1.0 match patterns (`match="m0:CheckPriceRequest"`, `"*"`, `"@*|node()"`, `"a/b"`, `"/"`): each
 * alternative of the union with its default priority (XSLT 1.0 §5.5) and a test of a node. The common
 * single-step patterns are tested directly on the node; any other is an XPath location path, and a node
 * matches it when evaluating the path from one of the node's ancestors (or the node itself) selects it,
 * which is the definition in §5.2.
 */
import { type XValue } from '../expr/xpath-lib.ts';
import { compileXPath, evaluateXPath, type Focus, isNodeSet, type XslExpr } from './xpath.ts';
import { ELEMENT, ATTRIBUTE, TEXT, CDATA, PI, COMMENT, DOCUMENT } from '../xml/node-types.ts';

/** One alternative of a pattern. */
export interface PatternPart {
  readonly priority: number;
  matches(node: Node, focus: (node: Node) => Focus): boolean;
}

const NAME = /^(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*|\*)$/;

/** Compiles `text` into its alternatives; throws an Error when it is not a pattern. */
export function compilePattern(text: string, namespaces: ReadonlyMap<string, string>): PatternPart[] {
  const parts = splitUnion(text);
  if (parts.some((p) => p === '')) throw new Error(`"${text}" is not a pattern`);
  return parts.map((p) => part(p, namespaces));
}

function part(text: string, namespaces: ReadonlyMap<string, string>): PatternPart {
  const uriOf = (prefix: string | undefined): string => {
    if (!prefix) return '';
    const uri = namespaces.get(prefix);
    if (uri === undefined) throw new Error(`the prefix "${prefix}" is not declared`);
    return uri;
  };
  if (text === '/') return { priority: 0.5, matches: (n) => n.nodeType === DOCUMENT };
  const attr = text.startsWith('@') ? text.slice(1) : text.startsWith('attribute::') ? text.slice(11) : undefined;
  const step = attr ?? (text.startsWith('child::') ? text.slice(7) : text);
  const m = NAME.exec(step);
  if (m) {
    const [, prefix, local] = m;
    const uri = uriOf(prefix);
    const type = attr !== undefined ? ATTRIBUTE : ELEMENT;
    // QName: 0; prefix:*: -0.25; *: -0.5
    const priority = local !== '*' ? 0 : prefix ? -0.25 : -0.5;
    return {
      priority,
      matches: (n) =>
        n.nodeType === type &&
        (local === '*' || (n as Element).localName === local) &&
        (local === '*' && !prefix ? true : ((n as Element).namespaceURI ?? '') === uri),
    };
  }
  const typeTest = /^(node|text|comment|processing-instruction)\(\)$/.exec(step);
  if (typeTest && attr === undefined) {
    const kind = typeTest[1];
    return {
      priority: -0.5,
      matches: (n) => {
        const t = n.nodeType;
        if (kind === 'node') return t === ELEMENT || t === TEXT || t === CDATA || t === COMMENT || t === PI;
        if (kind === 'text') return t === TEXT || t === CDATA;
        return kind === 'comment' ? t === COMMENT : t === PI;
      },
    };
  }
  if (attr !== undefined && step === 'node()') return { priority: -0.5, matches: (n) => n.nodeType === ATTRIBUTE };
  // any other path: it must be a location path (possibly with predicates); checked by the compile below
  if (/^\s*(\$|\(|[\d'"-])/.test(text)) throw new Error(`"${text}" is not a pattern (a pattern is a location path)`);
  const expr = compileXPath(text, namespaces);
  const absolute = text.startsWith('/');
  return {
    priority: 0.5,
    matches: (n, focus) => {
      if (absolute) return selects(expr, focus(rootOf(n)), n);
      for (let a: Node | null = parentOf(n); a; a = parentOf(a)) if (selects(expr, focus(a), n)) return true;
      return false;
    },
  };
}

function selects(expr: XslExpr, focus: Focus, n: Node): boolean {
  const v: XValue = evaluateXPath(expr, focus);
  return isNodeSet(v) && v.nodeset().toArray().includes(n);
}

/** The parent in the XPath data model: an attribute's parent is its element. */
export function parentOf(n: Node): Node | null {
  return n.nodeType === ATTRIBUTE ? ((n as Attr).ownerElement as Node | null) : n.parentNode;
}

function rootOf(n: Node): Node {
  let r = n;
  for (let p = parentOf(r); p; p = parentOf(p)) r = p;
  return r;
}

/** Splits a pattern at its top-level `|` (outside predicates, parentheses and string literals). */
function splitUnion(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === '|' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out;
}
