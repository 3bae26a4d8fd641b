/**
 * How an expression's result becomes a string wherever Synapse takes one (a property's expression,
 * a log property, a header, `{…}` keys, payloadFactory args, filter source, switch source, xpath() in
 * `${…}`): SynapseXPath.stringValueOf as WSO2 MI 4.x has it (wso2/wso2-synapse,
 * modules/core/.../util/xpath/SynapseXPath.java), not XPath's string(), which keeps the first node only.
 *
 * Only the final conversion is Synapse's: string(), concat() and the rest inside the expression keep
 * XPath 1.0's rules, since Jaxen evaluates them before stringValueOf sees the result.
 *
 * - a string is itself; a boolean is true/false; a number is Java's Double.toString (Jaxen's numbers are
 *   Doubles): count(//i) is "3.0", not "3";
 * - a node-set is the concatenation, in document order, of each node's part:
 *   - a text or CDATA node: its text;
 *   - an attribute: its value (WSO2's addition; Apache Synapse skipped attributes), a namespace
 *     declaration none;
 *   - the document node: its root element serialised;
 *   - an element, when it is the only node: its own text (Axiom's getText(): the text and CDATA children,
 *     not the descendants'), no-break spaces made spaces and trimmed as Java trims; when that is empty,
 *     the element serialised as XML;
 *   - an element among several (or alone, when the expression's text contains `node()`): the element
 *     serialised, its own text written trimmed in place (a literal replace of the raw text, as Java's
 *     String.replace does);
 *   - a comment, a processing instruction or a namespace node: nothing;
 * - a lone text node selected by an expression containing `node()` stands for its parent element
 *   (MI's backward-compatibility rule for `…/node()`).
 */
import { requireCommonJs } from '../commonjs.ts';
import { type XValue } from './xpath-lib.ts';

const pkg = requireCommonJs('xpath') as { XNodeSet: new () => unknown; XNumber: new () => unknown; XBoolean: new () => unknown };

const NBSP = '\u00a0';

/** Synapse's string of `value`, the result of the expression written as `text`. */
export function synapseStringOf(value: XValue, text: string): string {
  if (value instanceof pkg.XNumber) return javaDouble(value.numberValue());
  if (value instanceof pkg.XBoolean) return value.booleanValue() ? 'true' : 'false';
  if (!(value instanceof pkg.XNodeSet)) return value.stringValue();
  const nodes = value.nodeset().toArray();
  const alone = nodes.length === 1;
  const mentionsNode = text.includes('node()');
  let out = '';
  for (let n of nodes) {
    if (alone && mentionsNode && isText(n) && n.parentNode) n = n.parentNode;
    if (isText(n)) out += n.nodeValue ?? '';
    else if (n.nodeType === ELEMENT) out += elementPart(n, alone && !mentionsNode);
    else if (n.nodeType === DOCUMENT) out += String((n as Document).documentElement ?? '');
    else if (n.nodeType === ATTRIBUTE) out += n.nodeValue ?? '';
  }
  return out;
}

const ELEMENT = 1;
const ATTRIBUTE = 2;
const DOCUMENT = 9;

function isText(n: Node): boolean {
  return n.nodeType === 3 || n.nodeType === 4;
}

/** An element's part: its own text, trimmed, when `textOnly`; else its XML with that text trimmed in place. */
function elementPart(el: Node, textOnly: boolean): string {
  let own = '';
  for (let c = el.firstChild; c; c = c.nextSibling) if (isText(c)) own += c.nodeValue ?? '';
  const trimmed = javaTrim(own.split(NBSP).join(' '));
  if (trimmed === '') return String(el);
  if (textOnly) return trimmed;
  return String(el).split(own).join(trimmed);
}

/** Java's String.trim(): every character up to U+0020 off both ends (JavaScript's trim() takes others too). */
export function javaTrim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) <= 0x20) a++;
  while (b > a && s.charCodeAt(b - 1) <= 0x20) b--;
  return s.slice(a, b);
}

/**
 * Java's Double.toString: "3.0" for 3, plain digits from 10^-3 up to 10^7, "1.0E7" and "1.5E-4" outside;
 * the digits are the shortest that name the number, as JavaScript's are.
 */
export function javaDouble(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(n);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exponent] = n.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}
