/**
 * The functions a stylesheet may call beside XPath 1.0's own: those XSLT 1.0 adds (§12, §15: current(),
 * generate-id(), system-property(), function-available(), element-available(), format-number()),
 * EXSLT's and Xalan's node-set() (a result tree fragment is a node-set here already), and the few XPath
 * 2.0 string functions WSO2 stylesheets use most (upper-case(), lower-case(), ends-with(), matches(),
 * replace(), string-join(), current-dateTime(), current-date(), abs()) — unprefixed in a version="2.0"
 * stylesheet, or with a prefix bound to the XPath functions namespace. `knownFunction` is the load-time
 * check: a stylesheet calling anything else (key(), document(), another XPath 2.0 function) is refused
 * where it calls it, not failed at run time.
 */
import { type XValue } from '../expr/xpath-lib.ts';
import { isNodeSet, nodesOf, xboolean, xnodes, xnumber, xstring, type XsltFunction } from './xpath.ts';

/** The XPath functions namespace (XPath 2.0), and the draft one Synapse's samples declare. */
export const FN_NAMESPACES: ReadonlySet<string> = new Set(['http://www.w3.org/2005/xpath-functions', 'http://www.w3.org/2005/02/xpath-functions']);
const NODE_SET_NAMESPACES: ReadonlySet<string> = new Set(['http://exslt.org/common', 'http://xml.apache.org/xalan', 'http://xml.apache.org/xslt']);
const XPATH2 = new Set(['upper-case', 'lower-case', 'ends-with', 'matches', 'replace', 'string-join', 'current-dateTime', 'current-date', 'abs']);
const XSLT1 = new Set(['current', 'generate-id', 'system-property', 'function-available', 'element-available', 'format-number', 'unparsed-entity-uri']);

/** Why a call of `local` in namespace `uri` ('' for none) is refused at load, or undefined when moor runs it. */
export function knownFunction(local: string, uri: string, version2: boolean): string | undefined {
  if (uri === '') {
    if (STANDARD.has(local) || XSLT1.has(local) || (version2 && XPATH2.has(local))) return undefined;
    if (local === 'key') return 'key() is not supported (nor <xsl:key>): select with a predicate';
    if (local === 'document') return 'document() is not supported: a transform reads only the message';
    return `${local}() is not an XPath 1.0 or XSLT 1.0 function${XPATH2.has(local) ? ' (in a version="2.0" stylesheet, moor runs it)' : version2 ? ' (moor runs XPath 1.0 and a few XPath 2.0 string functions, not this one)' : ''}`;
  }
  if (FN_NAMESPACES.has(uri)) return XPATH2.has(local) || STANDARD.has(local) ? undefined : `the XPath 2.0 function ${local}() is not one moor runs (it runs ${[...XPATH2].join(', ')})`;
  if (NODE_SET_NAMESPACES.has(uri) && (local === 'node-set' || local === 'nodeset')) return undefined;
  return `{${uri}}${local}() is an extension function, which moor does not run`;
}

/** An XPath 2.0 function of the few moor runs, or node-set(); `uri` as resolved. */
export function extensionFunction(local: string, uri: string): XsltFunction | undefined {
  if (NODE_SET_NAMESPACES.has(uri)) return local === 'node-set' || local === 'nodeset' ? (_c, v) => (v && isNodeSet(v) ? v : xnodes([])) : undefined;
  if (uri !== '' && !FN_NAMESPACES.has(uri)) return undefined;
  const str = (v: XValue | undefined): string => v?.stringValue() ?? '';
  switch (local) {
    case 'upper-case':
      return (_c, v) => xstring(str(v).toUpperCase());
    case 'lower-case':
      return (_c, v) => xstring(str(v).toLowerCase());
    case 'ends-with':
      return (_c, a, b) => xboolean(str(a).endsWith(str(b)));
    case 'matches':
      return (_c, v, re, flags) => xboolean(regex(str(re), str(flags)).test(str(v)));
    case 'replace':
      return (_c, v, re, by, flags) => xstring(str(v).replace(regex(str(re), `${str(flags)}g`), str(by)));
    case 'string-join':
      return (_c, v, sep) => xstring((v && isNodeSet(v) ? nodesOf(v, 'the first argument of string-join()').map((n) => xnodes([n]).stringValue()) : [str(v)]).join(str(sep)));
    case 'current-dateTime':
      return () => xstring(new Date().toISOString());
    case 'current-date':
      return () => xstring(new Date().toISOString().slice(0, 10));
    case 'abs':
      return (_c, v) => xnumber(Math.abs(v?.numberValue() ?? NaN));
    default:
      return undefined;
  }
}

/** An XPath 2.0 regular expression as a JavaScript one (flags s, m, i, x; the rest of the syntax is close enough). */
function regex(pattern: string, flags: string): RegExp {
  let source = pattern;
  if (flags.includes('x')) source = source.replace(/\s+/g, '');
  return new RegExp(source, [...new Set(flags.replace(/[^smig]/g, ''))].join('') + 'u');
}

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
      return (_c, name) => xboolean(knownFunction(name?.stringValue() ?? '', '', false) === undefined);
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
      return extensionFunction(local, '');
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
