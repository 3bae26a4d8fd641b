/**
 * MI 4.4's Synapse expressions, `${…}`: the language of MI's "Synapse Expressions" reference, as far as
 * moor reads it.
 *
 *   access      payload.a.b[0]  $.a  payload..name  payload.items[*].id  payload.users[?(@.age >= var.min)]
 *               vars.x  var["x"]  vars.doc.a[1]     (variables, `<variable>`; var. and vars. both)
 *               headers.Host  headers["Content-Type"]
 *               properties.synapse.p  props.axis2.p
 *               params.queryParams.q  params.uriParams.u  params.functionParams.f
 *   literals    "text" 'text'  12  1.5  true  false  null
 *   operators   + - * / %   == != < > <= >=   && and || or   !   ( )   c ? a : b
 *   functions   length toUpper toLower subString startsWith endsWith contains trim replace split charAt
 *               indexOf abs floor ceil sqrt log pow base64encode base64decode urlEncode urlDecode
 *               isNumber isString isArray isObject integer float string boolean object array
 *               exists not now xpath("…")
 *
 * As in MI, an evaluation that goes wrong (a missing value in arithmetic, a function given the wrong
 * type) gives an empty result rather than failing the message. Refused when the configuration loads
 * (MOOR_ERR_UNSUPPORTED, naming the construct): registry(), secret(), config.…, formatDateTime() and
 * any other function, xpath() over a variable, and `${…}` inside other text where a whole value is taken (<log><message> is
 * the one template: SynapseTemplate). Never read as a literal or as XPath. The grammar is
 * synapse-expression-parse.ts; this file evaluates it.
 */
import { MoorError } from '../errors.ts';
import { headerValue, type MessageContext } from '../message/context.ts';
import { type Node, Parser, tokenize, type V } from './synapse-expression-parse.ts';
import { jsonPayload } from './json-path.ts';
import { JavaDouble } from './java-double.ts';
import { readProperty } from './properties.ts';

/** A value as variables hold it: typed, or JSON (`{ json }`), or XML text (`{ xml }`). */
export type SynapseValue = string | number | bigint | boolean | { readonly json: unknown } | { readonly xml: string } | undefined;

/** True when `text` is or holds a Synapse expression. */
export function hasSynapseExpression(text: string): boolean {
  return text.includes('${');
}


/** Evaluation that went wrong: the whole expression is empty, as in MI. */
class Empty extends Error {}

/**
 * What a JSONPath step that selects several values gives (`[*]`, `..name`, a filter): the steps after
 * it apply to each, as in JSONPath (`payload.users[?(@.age > 18)].name` is every such user's name).
 * Anywhere else it is the array of them.
 */
class Many {
  constructor(readonly items: readonly V[]) {}
}

/** A value as operators, functions and results see it: several selected values as their array. */
function val(v: V): V {
  return v instanceof Many ? [...v.items] : v;
}

function each(of: V, step: (x: V) => V): V {
  if (!(of instanceof Many)) return step(of);
  const out: V[] = [];
  for (const x of of.items) {
    const v = step(x);
    if (v instanceof Many) out.push(...v.items);
    else if (v !== undefined) out.push(v);
  }
  return new Many(out);
}

/** What a message gives an evaluation. */
interface Scope {
  readonly msg: MessageContext;
  readonly current: V;
}

/** A compiled `${…}`; the constructor throws MOOR_ERR_UNSUPPORTED (what is not read) or MOOR_ERR_BAD_VALUE. */
export class SynapseExpression {
  private readonly tree: Node;

  constructor(readonly text: string, namespaces: ReadonlyMap<string, string>) {
    const whole = /^\s*\$\{([\s\S]*)\}\s*$/.exec(text);
    if (!whole || splitTemplate(text).length !== 1) {
      throw new MoorError('MOOR_ERR_UNSUPPORTED', `"${text}": moor reads a Synapse expression only as the whole value, \${…}, not within other text (but in <log><message>)`);
    }
    this.tree = compileInner(whole[1]!, text, namespaces);
  }

  /** The value, typed as it is held (a variable's own type; JSON from the payload). */
  async value(msg: MessageContext): Promise<SynapseValue> {
    try {
      return toSynapse(val(await evaluate(this.tree, { msg, current: undefined })));
    } catch (e) {
      if (e instanceof Empty) return undefined;
      throw e;
    }
  }

  /** The value as text (a JSON value as JSON, a JSON string as itself; nothing as ''). */
  async string(msg: MessageContext): Promise<string> {
    return stringOf(await this.value(msg));
  }

  /** The value as a condition (<filter xpath="${…}">): true, a non-empty string or non-zero number. */
  async boolean(msg: MessageContext): Promise<boolean> {
    const v = await this.value(msg);
    return truthy(v === undefined ? undefined : typeof v === 'object' ? ('json' in v ? v.json : v.xml) : v);
  }
}

/** Text with `${…}` parts (<log><message>): each part evaluated and put in as text. */
export class SynapseTemplate {
  private readonly parts: readonly (string | SynapseExpression)[];

  constructor(readonly text: string, namespaces: ReadonlyMap<string, string>) {
    this.parts = splitTemplate(text).map((p) => (p.startsWith('${') ? new SynapseExpression(p, namespaces) : p));
  }

  async string(msg: MessageContext): Promise<string> {
    let out = '';
    for (const p of this.parts) out += typeof p === 'string' ? p : await p.string(msg);
    return out;
  }
}

/** `text` cut into literal text and whole `${…}` parts (braces inside strings do not count). */
function splitTemplate(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  let literal = '';
  while (i < text.length) {
    if (text.startsWith('${', i)) {
      let depth = 0;
      let j = i + 1;
      let quote: string | undefined;
      for (; j < text.length; j++) {
        const c = text[j]!;
        if (quote) {
          if (c === '\\') j++;
          else if (c === quote) quote = undefined;
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '{') depth++;
        else if (c === '}' && --depth === 0) break;
      }
      if (j >= text.length) throw new MoorError('MOOR_ERR_BAD_VALUE', `"${text}": a \${ is not closed`);
      if (literal) out.push(literal);
      literal = '';
      out.push(text.slice(i, j + 1));
      i = j + 1;
    } else literal += text[i++];
  }
  if (literal) out.push(literal);
  return out;
}

function compileInner(inner: string, text: string, namespaces: ReadonlyMap<string, string>): Node {
  try {
    return new Parser(tokenize(inner), namespaces).parseAll();
  } catch (e) {
    if (e instanceof MoorError) throw new MoorError(e.code, `the Synapse expression "${text}": ${e.message}`);
    throw e;
  }
}

async function evaluate(n: Node, s: Scope): Promise<V> {
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'root':
      return rootValue(n.name, s);
    case 'member': {
      if (n.of.t === 'root' && n.of.name !== 'payload' && n.of.name !== 'current') return namedValue(n.of.name, n.name, s);
      if (n.of.t === 'member' && n.of.of.t === 'root' && (n.of.of.name === 'props' || n.of.of.name === 'params')) return scopedValue(n.of.of.name, n.of.name, n.name, s);
      return each(await evaluate(n.of, s), (x) => member(x, n.name));
    }
    case 'deep':
      return each(await evaluate(n.of, s), (x) => {
        const out: V[] = [];
        collectDeep(x, n.name, out);
        return new Many(out);
      });
    case 'index': {
      const index = await evaluate(n.index, s);
      if (n.of.t === 'root' && n.of.name !== 'payload' && n.of.name !== 'current') return namedValue(n.of.name, String(index), s);
      const of = await evaluate(n.of, s);
      return each(of, (x) => (Array.isArray(x) && typeof index === 'number' ? x[index < 0 ? x.length + index : index] : member(x, String(index))));
    }
    case 'all':
      return each(await evaluate(n.of, s), (x) => new Many(Array.isArray(x) ? x : x && typeof x === 'object' ? Object.values(x) : []));
    case 'filter': {
      const of = val(await evaluate(n.of, s));
      if (!Array.isArray(of)) return undefined;
      const out: V[] = [];
      for (const item of of) if (truthy(val(await evaluate(n.cond, { msg: s.msg, current: item })))) out.push(item);
      return new Many(out);
    }
    case 'unary': {
      const v = val(await evaluate(n.of, s));
      if (n.op === '!') return !truthy(v);
      return -num(v);
    }
    case 'binary':
      return binary(n.op, n.a, n.b, s);
    case 'cond':
      return truthy(val(await evaluate(n.test, s))) ? evaluate(n.yes, s) : evaluate(n.no, s);
    case 'call':
      return call(n, s);
  }
}

async function rootValue(name: Extract<Node, { t: 'root' }>['name'], s: Scope): Promise<V> {
  if (name === 'current') return s.current;
  if (name === 'payload') return jsonPayload(s.msg);
  throw new Empty();
}

/** `var.x`, `headers.X`: the first name under a root that is not JSON. */
async function namedValue(root: Extract<Node, { t: 'root' }>['name'], name: string, s: Scope): Promise<V> {
  if (root === 'var') return plain(s.msg.properties.variables.get(name) as SynapseValue);
  if (root === 'headers') return headerValue(s.msg.transport, name);
  throw new Empty();
}

/** `props.synapse.p`, `props.axis2.p`, `params.queryParams.q`, `params.uriParams.u`, `params.functionParams.f`. */
async function scopedValue(root: 'props' | 'params', group: string, name: string, s: Scope): Promise<V> {
  const at =
    root === 'props' ? (group === 'synapse' ? (['default', name] as const) : group === 'axis2' ? (['axis2', name] as const) : undefined)
    : group === 'queryParams' ? (['default', `query.param.${name}`] as const)
    : group === 'uriParams' || group === 'pathParams' ? (['default', `uri.var.${name}`] as const)
    : group === 'functionParams' ? (['func', name] as const)
    : undefined;
  if (!at) throw new Empty();
  const v = readProperty(s.msg, at[0], at[1]);
  // (a DOUBLE property is a number here, to compute with)
  if (v instanceof JavaDouble) return v.value;
  return v === null ? undefined : typeof v === 'object' && v !== undefined ? String(v) : v;
}

/** A held value as a plain one. */
function plain(v: SynapseValue): V {
  if (v === undefined || typeof v !== 'object') return v;
  return 'json' in v ? v.json : v.xml;
}

function member(of: V, name: string): V {
  if (of === null || typeof of !== 'object') return undefined;
  return Object.prototype.hasOwnProperty.call(of, name) ? (of as Record<string, V>)[name] : undefined;
}

function collectDeep(v: V, name: string, into: V[]): void {
  if (Array.isArray(v)) for (const x of v) collectDeep(x, name, into);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === name) into.push(x);
      collectDeep(x, name, into);
    }
  }
}

function truthy(v: V): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (typeof v === 'string') return v.toLowerCase() !== 'false';
  return true;
}

function num(v: V): number {
  const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (Number.isNaN(n)) throw new Empty();
  return n;
}

function str(v: V): string {
  if (v === undefined) throw new Empty();
  return typeof v === 'string' ? v : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
}

async function binary(op: string, an: Node, bn: Node, s: Scope): Promise<V> {
  if (op === '&&') return truthy(val(await evaluate(an, s))) && truthy(val(await evaluate(bn, s)));
  if (op === '||') return truthy(val(await evaluate(an, s))) || truthy(val(await evaluate(bn, s)));
  const [a, b] = [val(await evaluate(an, s)), val(await evaluate(bn, s))];
  switch (op) {
    case '+':
      return typeof a === 'number' && typeof b === 'number' ? a + b : str(a) + str(b);
    case '-':
      return num(a) - num(b);
    case '*':
      return num(a) * num(b);
    case '/': {
      const d = num(b);
      if (d === 0) throw new Empty();
      return num(a) / d;
    }
    case '%':
      return num(a) % num(b);
    case '==':
      return same(a, b);
    case '!=':
      return !same(a, b);
    default: {
      const numeric = typeof a === 'number' || typeof b === 'number';
      const [x, y] = numeric ? [num(a), num(b)] : [str(a), str(b)];
      return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
    }
  }
}

function same(a: V, b: V): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (typeof a === 'number' && typeof b === 'string') return b.trim() !== '' && a === Number(b);
  if (typeof b === 'number' && typeof a === 'string') return a.trim() !== '' && b === Number(a);
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

async function call(n: Extract<Node, { t: 'call' }>, s: Scope): Promise<V> {
  if (n.name === 'xpath') return n.xpath!.string(s.msg);
  if (n.name === 'now') return Date.now();
  if (n.name === 'exists') {
    const arg = n.args[0];
    return arg ? present(await evaluate(arg, s).catch(() => undefined)) : false;
  }
  const args: V[] = [];
  for (const a of n.args) args.push(val(await evaluate(a, s)));
  const [a, b, c] = args;
  switch (n.name) {
    case 'length':
      return Array.isArray(a) ? a.length : str(a).length;
    case 'toUpper':
      return str(a).toUpperCase();
    case 'toLower':
      return str(a).toLowerCase();
    case 'subString':
      return c === undefined ? str(a).slice(num(b)) : str(a).slice(num(b), num(c));
    case 'startsWith':
      return str(a).startsWith(str(b));
    case 'endsWith':
      return str(a).endsWith(str(b));
    case 'contains':
      return Array.isArray(a) ? a.some((x) => same(x, b)) : str(a).includes(str(b));
    case 'trim':
      return str(a).trim();
    case 'replace':
      return str(a).split(str(b)).join(str(c));
    case 'split':
      return str(a).split(str(b));
    case 'charAt':
      return str(a).charAt(num(b));
    case 'indexOf':
      return str(a).indexOf(str(b), c === undefined ? 0 : num(c));
    case 'abs':
      return Math.abs(num(a));
    case 'floor':
      return Math.floor(num(a));
    case 'ceil':
      return Math.ceil(num(a));
    case 'sqrt':
      return Math.sqrt(num(a));
    case 'log':
      return Math.log(num(a));
    case 'pow':
      return Math.pow(num(a), num(b));
    case 'base64encode':
      return Buffer.from(str(a), b === undefined ? 'utf8' : encodingOf(str(b))).toString('base64');
    case 'base64decode':
      return Buffer.from(str(a), 'base64').toString('utf8');
    case 'urlEncode':
      return encodeURIComponent(str(a));
    case 'urlDecode':
      return decodeURIComponent(str(a));
    case 'isNumber':
      return typeof a === 'number';
    case 'isString':
      return typeof a === 'string';
    case 'isArray':
      return Array.isArray(a);
    case 'isObject':
      return a !== null && typeof a === 'object' && !Array.isArray(a);
    case 'integer':
      return Math.trunc(num(a));
    case 'float':
      return num(a);
    case 'string':
      return str(a);
    case 'boolean':
      return typeof a === 'string' ? a.trim().toLowerCase() === 'true' : truthy(a);
    case 'object':
    case 'array': {
      const v = typeof a === 'string' ? parseJson(a) : a;
      if (n.name === 'array' ? !Array.isArray(v) : v === null || typeof v !== 'object' || Array.isArray(v)) throw new Empty();
      return v;
    }
    case 'not':
      return !truthy(a);
    default:
      throw new Empty();
  }
}

/** exists(): something was found (a selection of several, at least one). */
function present(v: V): boolean {
  return v instanceof Many ? v.items.length > 0 : v !== undefined;
}

function parseJson(text: string): V {
  try {
    return JSON.parse(text);
  } catch {
    throw new Empty();
  }
}

function encodingOf(charset: string): BufferEncoding {
  const c = charset.toLowerCase();
  if (c === 'iso-8859-1' || c === 'latin1') return 'latin1';
  if (c === 'us-ascii' || c === 'ascii') return 'ascii';
  if (c === 'utf-16le') return 'utf16le';
  return 'utf8';
}

/** A plain result as a held value. */
function toSynapse(v: V): SynapseValue {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  return { json: v };
}

/** A value as text. */
export function stringOf(v: SynapseValue): string {
  if (v === undefined) return '';
  if (typeof v !== 'object') return String(v);
  if ('xml' in v) return v.xml;
  return typeof v.json === 'string' ? v.json : JSON.stringify(v.json);
}
