/**
 * The functions XSLT 1.0 adds to XPath (§12, §15): current(), generate-id(), system-property(),
 * function-available(), element-available(), format-number(). document() and key() are refused with
 * a reason (a transform reads only its message; <xsl:key> is not compiled), not left "unknown".
 */
import { nodesOf, xboolean, xnodes, xstring, type XsltFunction } from './xpath.ts';

/** generate-id()'s ids of one transform. */
export interface GeneratedIds {
  readonly of: WeakMap<Node, string>;
  count: number;
}

/** The XSLT function `local` (no namespace), for a run whose current node is `current`. */
export function xsltFunction(local: string, current: Node, ids: GeneratedIds): XsltFunction | undefined {
  switch (local) {
    case 'current':
      return () => xnodes([current]);
    case 'generate-id':
      return (c, arg) => {
        const n = arg ? nodesOf(arg, 'the argument of generate-id()')[0] : c.contextNode;
        if (!n) return xstring('');
        let id = ids.of.get(n);
        if (!id) ids.of.set(n, (id = `moor${++ids.count}`));
        return xstring(id);
      };
    case 'system-property':
      return (_c, name) => {
        const n = name?.stringValue() ?? '';
        return xstring(n === 'xsl:version' ? '1.0' : n === 'xsl:vendor' ? 'moor' : '');
      };
    case 'function-available':
      return (_c, name) => xboolean(/^(current|generate-id|system-property|format-number|function-available|element-available)$/.test(name?.stringValue() ?? '') || STANDARD.has(name?.stringValue() ?? ''));
    case 'element-available':
      return (_c, name) => xboolean(AVAILABLE.has((name?.stringValue() ?? '').replace(/^xsl:/, '')));
    case 'format-number':
      return (_c, n, pattern) => xstring(formatNumber(n?.numberValue() ?? NaN, pattern?.stringValue() ?? ''));
    case 'document':
      return () => {
        throw new Error('document() is not supported: a transform reads only the message');
      };
    case 'key':
      return () => {
        throw new Error('key() is not supported');
      };
    case 'unparsed-entity-uri':
      return () => xstring('');
    default:
      return undefined;
  }
}

/** XPath 1.0's function names (for function-available()). */
const STANDARD = new Set(
  'last position count id local-name namespace-uri name string concat starts-with contains substring-before substring-after substring string-length normalize-space translate boolean not true false lang number sum floor ceiling round'.split(' '),
);
const AVAILABLE = new Set(['apply-templates', 'call-template', 'value-of', 'copy-of', 'copy', 'for-each', 'if', 'choose', 'when', 'otherwise', 'text', 'element', 'attribute', 'comment', 'processing-instruction', 'variable', 'param', 'with-param', 'sort', 'message']);

/** format-number() for the common patterns: `0` and `#` digits, `,` grouping, `.` decimals, a `%` suffix, `;` a negative pattern. */
export function formatNumber(n: number, pattern: string): string {
  if (Number.isNaN(n)) return 'NaN';
  const [positive = '', negative] = pattern.split(';');
  const m = /^([^#0,.]*)([#0,]*)(?:\.([0#]*))?([^#0,.]*)$/.exec(n < 0 && negative !== undefined ? negative : positive);
  if (!m) return String(n);
  const [, prefix = '', int = '', frac = '', suffix = ''] = m;
  const v = Math.abs(n) * (suffix.includes('%') ? 100 : 1);
  const minFrac = frac.replace(/#/g, '').length;
  let [i = '', f = ''] = v.toFixed(frac.length).split('.');
  while (f.length > minFrac && f.endsWith('0')) f = f.slice(0, -1);
  const minInt = int.replace(/[#,]/g, '').length;
  if (minInt === 0 && i === '0') i = '';
  i = i.padStart(minInt, '0');
  const group = int.includes(',') ? int.length - int.lastIndexOf(',') - 1 : 0;
  if (group > 0) i = i.replace(new RegExp(`\\B(?=(\\d{${group}})+(?!\\d))`, 'g'), ',');
  return `${n < 0 && negative === undefined ? '-' : ''}${prefix}${i}${f ? `.${f}` : ''}${suffix}`;
}
