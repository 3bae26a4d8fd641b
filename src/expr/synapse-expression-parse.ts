/**
 * The grammar of MI 4.4's Synapse expressions, as moor reads them (expr/synapse-expression.ts says what
 * each form means): a tokenizer and a recursive-descent parser by precedence, from the conditional
 * (lowest) through || && == < + * to the unary operators, then accesses, calls and literals. A function
 * moor lacks, config. and an xpath() whose arguments are not written strings are MOOR_ERR_UNSUPPORTED;
 * anything that does not parse is MOOR_ERR_BAD_VALUE.
 */
import { MoorError } from '../errors.ts';
import { Expression } from './expression.ts';

/** A plain value while evaluating: JSON's kinds, and `undefined` for "empty". */
export type V = unknown;

export type Node =
  | { readonly t: 'lit'; readonly v: V }
  | { readonly t: 'root'; readonly name: 'payload' | 'var' | 'headers' | 'props' | 'params' | 'current' }
  | { readonly t: 'member'; readonly of: Node; readonly name: string }
  | { readonly t: 'deep'; readonly of: Node; readonly name: string }
  | { readonly t: 'index'; readonly of: Node; readonly index: Node }
  | { readonly t: 'all'; readonly of: Node }
  | { readonly t: 'filter'; readonly of: Node; readonly cond: Node }
  | { readonly t: 'unary'; readonly op: '!' | '-'; readonly of: Node }
  | { readonly t: 'binary'; readonly op: string; readonly a: Node; readonly b: Node }
  | { readonly t: 'cond'; readonly test: Node; readonly yes: Node; readonly no: Node }
  | { readonly t: 'call'; readonly name: string; readonly args: readonly Node[]; readonly xpath?: Expression };

const FUNCTIONS = new Set([
  'length', 'toUpper', 'toLower', 'subString', 'startsWith', 'endsWith', 'contains', 'trim', 'replace', 'split', 'charAt', 'indexOf',
  'abs', 'floor', 'ceil', 'sqrt', 'log', 'pow', 'base64encode', 'base64decode', 'urlEncode', 'urlDecode',
  'isNumber', 'isString', 'isArray', 'isObject', 'integer', 'float', 'string', 'boolean', 'object', 'array', 'exists', 'not', 'now', 'xpath',
]);
const ROOTS: Readonly<Record<string, Extract<Node, { t: 'root' }>['name']>> = { payload: 'payload', $: 'payload', var: 'var', vars: 'var', headers: 'headers', properties: 'props', props: 'props', params: 'params' };

type Token = { readonly k: 'num'; readonly v: number } | { readonly k: 'str'; readonly v: string } | { readonly k: 'id'; readonly v: string } | { readonly k: 'op'; readonly v: string };

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = src.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(rest))) out.push({ k: 'num', v: Number(m[0]) });
    else if ((m = /^"((?:[^"\\]|\\.)*)"|^'((?:[^'\\]|\\.)*)'/.exec(rest))) out.push({ k: 'str', v: (m[1] ?? m[2]!).replace(/\\(.)/g, '$1') });
    else if ((m = /^[A-Za-z_][\w]*/.exec(rest))) out.push({ k: 'id', v: m[0] });
    else if ((m = /^(?:\.\.|==|!=|<=|>=|&&|\|\||[-+*/%<>!?:()[\].,$@])/.exec(rest))) out.push({ k: 'op', v: m[0] });
    else throw new MoorError('MOOR_ERR_BAD_VALUE', `cannot read "${rest.slice(0, 20)}"`);
    i += m[0].length;
  }
  return out;
}

/** A recursive-descent parser over the tokens, by precedence (ternary lowest, then || && == < + * unary). */
export class Parser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly namespaces: ReadonlyMap<string, string>,
  ) {}

  parseAll(): Node {
    const n = this.ternary();
    if (this.at < this.tokens.length) throw new MoorError('MOOR_ERR_BAD_VALUE', `unexpected "${this.show(this.tokens[this.at]!)}"`);
    return n;
  }

  private peek(v?: string): boolean {
    const t = this.tokens[this.at];
    return t !== undefined && (v === undefined || ((t.k === 'op' || t.k === 'id') && t.v === v));
  }
  private eat(v: string): boolean {
    if (!this.peek(v)) return false;
    this.at++;
    return true;
  }
  private expect(v: string): void {
    if (!this.eat(v)) throw new MoorError('MOOR_ERR_BAD_VALUE', `expected "${v}"${this.tokens[this.at] ? ` before "${this.show(this.tokens[this.at]!)}"` : ' at the end'}`);
  }
  private show(t: Token): string {
    return t.k === 'str' ? JSON.stringify(t.v) : String(t.v);
  }

  private ternary(): Node {
    const test = this.or();
    if (!this.eat('?')) return test;
    const yes = this.ternary();
    this.expect(':');
    return { t: 'cond', test, yes, no: this.ternary() };
  }
  private or(): Node {
    let a = this.and();
    while (this.eat('||') || this.eat('or')) a = { t: 'binary', op: '||', a, b: this.and() };
    return a;
  }
  private and(): Node {
    let a = this.eq();
    while (this.eat('&&') || this.eat('and')) a = { t: 'binary', op: '&&', a, b: this.eq() };
    return a;
  }
  private eq(): Node {
    return this.level(['==', '!='], () => this.rel());
  }
  private rel(): Node {
    return this.level(['<=', '>=', '<', '>'], () => this.add());
  }
  private add(): Node {
    return this.level(['+', '-'], () => this.mul());
  }
  private mul(): Node {
    return this.level(['*', '/', '%'], () => this.unary());
  }
  /** One precedence level of left-associative binary operators `ops` over operands parsed by `next`. */
  private level(ops: readonly string[], next: () => Node): Node {
    let a = next();
    for (;;) {
      const op = ops.find((o) => this.eat(o));
      if (!op) return a;
      a = { t: 'binary', op, a, b: next() };
    }
  }
  private unary(): Node {
    if (this.eat('!')) return { t: 'unary', op: '!', of: this.unary() };
    if (this.eat('-')) return { t: 'unary', op: '-', of: this.unary() };
    return this.postfix(this.primary());
  }

  private primary(): Node {
    const t = this.tokens[this.at++];
    if (!t) throw new MoorError('MOOR_ERR_BAD_VALUE', 'the expression ends too soon');
    if (t.k === 'num') return { t: 'lit', v: t.v };
    if (t.k === 'str') return { t: 'lit', v: t.v };
    if (t.k === 'op' && t.v === '(') {
      const n = this.ternary();
      this.expect(')');
      return n;
    }
    if (t.k === 'op' && t.v === '$') return { t: 'root', name: 'payload' };
    if (t.k === 'op' && t.v === '@') return { t: 'root', name: 'current' };
    if (t.k === 'id') {
      if (t.v === 'true' || t.v === 'false') return { t: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { t: 'lit', v: null };
      if (this.peek('(')) return this.call(t.v);
      const root = ROOTS[t.v];
      if (root) return { t: 'root', name: root };
      if (t.v === 'config') throw new MoorError('MOOR_ERR_UNSUPPORTED', 'config. (deployment configuration parameters) is not read by moor');
      throw new MoorError('MOOR_ERR_BAD_VALUE', `"${t.v}" is not something a Synapse expression can read (payload, $, var, headers, properties, params)`);
    }
    throw new MoorError('MOOR_ERR_BAD_VALUE', `unexpected "${this.show(t)}"`);
  }

  private call(name: string): Node {
    if (!FUNCTIONS.has(name)) {
      throw new MoorError('MOOR_ERR_UNSUPPORTED', `the function ${name}() is not one moor reads${name === 'registry' || name === 'secret' || name === 'formatDateTime' ? '' : ' (it reads length, toUpper, subString, contains, integer, exists, not, now, xpath… : docs/configuration.md)'}`);
    }
    this.expect('(');
    const args: Node[] = [];
    if (!this.eat(')')) {
      do args.push(this.ternary());
      while (this.eat(','));
      this.expect(')');
    }
    // exists('var.x') names what it checks as a string, as MI's examples write it: read once, here
    const named = args[0];
    if (name === 'exists' && named?.t === 'lit' && typeof named.v === 'string') return { t: 'call', name, args: [new Parser(tokenize(named.v), this.namespaces).parseAll()] };
    if (name !== 'xpath') return { t: 'call', name, args };
    const [expr] = args;
    if (args.length > 1) throw new MoorError('MOOR_ERR_UNSUPPORTED', 'xpath() over a variable (a second argument) is not read by moor');
    if (!expr || expr.t !== 'lit' || typeof expr.v !== 'string') throw new MoorError('MOOR_ERR_UNSUPPORTED', 'xpath() takes its expression as a written string');
    return { t: 'call', name, args, xpath: new Expression(expr.v, this.namespaces) };
  }

  private postfix(of: Node): Node {
    for (;;) {
      if (this.eat('..')) {
        of = { t: 'deep', of, name: this.name() };
      } else if (this.eat('.')) {
        if (this.eat('*')) of = { t: 'all', of };
        else of = { t: 'member', of, name: this.name() };
      } else if (this.peek('[')) {
        this.at++;
        if (this.eat('*')) of = { t: 'all', of };
        else if (this.eat('?')) {
          this.expect('(');
          const cond = this.ternary();
          this.expect(')');
          of = { t: 'filter', of, cond };
        } else of = { t: 'index', of, index: this.ternary() };
        this.expect(']');
      } else return of;
    }
  }
  private name(): string {
    const t = this.tokens[this.at++];
    if (t && (t.k === 'id' || t.k === 'num')) return String(t.v);
    throw new MoorError('MOOR_ERR_BAD_VALUE', 'a name must follow "."');
  }
}

