/**
 * The XML text of a node of a compact tree, written as xmldom's XMLSerializer writes the same node of
 * its DOM (the same escapes, `<a/>` for an empty element, the namespace declarations it would add), so
 * `<log level="full">` logs the same line whether the body was held compactly or as a DOM
 * (test/xml/compact-tree.test.ts compares the two on generated documents). Iterative: depth is bounded
 * by maxDepth, but no recursion is needed either.
 */
import { CDATA, COMMENT, type CompactName, type CompactTree, DECODE, DOCUMENT, ELEMENT, PI, TEXT, attrValue, rawValue, textValue } from './compact-tree.ts';
import { NS } from './names.ts';

interface Visible {
  readonly prefix: string | null;
  readonly uri: string;
}

const escapeText = (s: string): string => (/[<&>]/.test(s) ? s.replace(/[<&>]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&amp;')) : s);
const ATTR_ESCAPE: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };
/** An attribute value escaped as xmldom escapes it. */
export const escapeAttr = (s: string): string => (/[<>&"\t\n\r]/.test(s) ? s.replace(/[<>&"\t\n\r]/g, (c) => ATTR_ESCAPE[c]!) : s);

/** xmldom's needNamespaceDefine: whether `n` (element or attribute name) needs a declaration here. */
function needsDefine(n: CompactName, visible: readonly Visible[]): boolean {
  const prefix = n.prefix ?? '';
  if (!n.uri) return false;
  if ((prefix === 'xml' && n.uri === NS.xml) || n.uri === NS.xmlns) return false;
  for (let i = visible.length - 1; i >= 0; i--) if (visible[i]!.prefix === prefix) return visible[i]!.uri !== n.uri;
  return true;
}

/** The text of node `index` and its descendants. */
export function serializeCompact(tree: CompactTree, index: number): string {
  const t = tree.text;
  const out: string[] = [];
  // open elements: [index, tag written, the namespaces visible to its children]
  const stack: [number, string, Visible[]][] = [];
  let visible: Visible[] = [];
  const value = (i: number): string => {
    const k = tree.kind[i]!;
    const [s, e] = [tree.start[i]!, tree.stop[i]!];
    if (!(k & DECODE)) return t.slice(s, e);
    return (k & ~DECODE) === TEXT ? textValue(t, s, e) : rawValue(t, s, e);
  };
  let i = index;
  const end = subtreeEnd(tree, index);
  while (i < end) {
    const k = tree.kind[i]! & ~DECODE;
    if (k === ELEMENT) {
      const n = tree.names[tree.name[i]!]!;
      const [a0, a1] = [tree.start[i]!, tree.stop[i]!];
      let tag = n.qname;
      if (!n.prefix && n.uri) {
        let dflt: string | undefined;
        for (let a = a0; a < a1 && dflt === undefined; a++) if (tree.names[tree.attrName[a]!]!.qname === 'xmlns') dflt = attr(tree, a);
        if (!dflt) for (let v = visible.length - 1; v >= 0; v--) if (visible[v]!.prefix === '' && visible[v]!.uri === n.uri) (dflt = n.uri), (v = 0);
        if (dflt !== n.uri) {
          for (let v = visible.length - 1; v >= 0; v--) {
            if (visible[v]!.uri === n.uri) {
              if (visible[v]!.prefix) tag = `${visible[v]!.prefix!}:${n.qname}`;
              break;
            }
          }
        }
      }
      out.push('<', tag);
      const inner = visible.slice();
      for (let a = a0; a < a1; a++) {
        const an = tree.names[tree.attrName[a]!]!;
        if (an.prefix === 'xmlns') inner.push({ prefix: an.local, uri: attr(tree, a) });
        else if (an.qname === 'xmlns') inner.push({ prefix: '', uri: attr(tree, a) });
      }
      for (let a = a0; a < a1; a++) {
        const an = tree.names[tree.attrName[a]!]!;
        if (needsDefine(an, inner)) {
          out.push(' ', an.prefix ? `xmlns:${an.prefix}` : 'xmlns', '="', escapeAttr(an.uri!), '"');
          inner.push({ prefix: an.prefix ?? '', uri: an.uri! });
        }
        out.push(' ', an.qname, '="', escapeAttr(attr(tree, a)), '"');
      }
      if (tag === n.qname && needsDefine(n, inner)) {
        out.push(' ', n.prefix ? `xmlns:${n.prefix}` : 'xmlns', '="', escapeAttr(n.uri!), '"');
        inner.push({ prefix: n.prefix ?? '', uri: n.uri! });
      }
      const hasChild = i + 1 < tree.count && tree.parent[i + 1] === i;
      if (!hasChild) {
        out.push('/>');
        i = close(i);
        continue;
      }
      out.push('>');
      stack.push([i, tag, visible]);
      visible = inner;
      i++;
      continue;
    }
    if (k === TEXT) out.push(escapeText(value(i)));
    else if (k === CDATA) out.push('<![CDATA[', value(i).replace(/]]>/g, ']]]]><![CDATA[>'), ']]>');
    else if (k === COMMENT) out.push('<!--', value(i), '-->');
    else if (k === PI) out.push('<?xml ', value(i), '?>');
    else if (k !== DOCUMENT) throw new Error(`unexpected node kind ${k}`);
    i = k === DOCUMENT ? i + 1 : close(i);
  }
  return out.join('');

  /** Moves past node `i`: to its next sibling, closing the elements that end on the way. */
  function close(i: number): number {
    for (;;) {
      const nx = tree.next[i]!;
      if (nx >= 0 || i === index) return nx >= 0 && i !== index ? nx : end;
      const p = tree.parent[i]!;
      const top = stack.pop();
      if (!top || top[0] !== p) return end;
      out.push('</', top[1], '>');
      visible = top[2];
      i = p;
    }
  }
}

function attr(tree: CompactTree, a: number): string {
  const [s, e] = [tree.attrStart[a]!, tree.attrStop[a]!];
  return tree.attrDecode[a] ? attrValue(tree.text, s, e) : tree.text.slice(s, e);
}

/** The index after node `i`'s last descendant. */
export function subtreeEnd(tree: CompactTree, i: number): number {
  for (let n = i; n >= 0; n = tree.parent[n]!) if (tree.next[n]! >= 0) return tree.next[n]!;
  return tree.count;
}
