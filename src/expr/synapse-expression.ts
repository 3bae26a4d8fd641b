/**
 * MI 4.4's Synapse expressions, `${…}`, as far as moor reads them: one access, the whole attribute.
 *
 *   ${vars.x}  ${vars["x"]}  ${vars.x.a[0]}        a variable (<variable>), and a JSONPath into a JSON one
 *                                                 (`var.x`, the spelling of MI 4.4's first releases, too)
 *   ${payload}  ${payload.a.b[0]}  ${$.a}         the payload as JSON (as json-eval(): expr/json-path.ts)
 *   ${headers.X}  ${headers["Content-Type"]}      a transport header of the message
 *   ${properties.synapse.p}  ${props.axis2.p}     a property of the default (synapse) or axis2 scope
 *   ${params.queryParams.q}  ${params.uriParams.u}  ${params.functionParams.f}
 *                                                 an API's query.param.q / uri.var.u, a template's parameter
 *   ${xpath("//p:a")}                             an XPath over the envelope (prefixes from the element)
 *
 * The rest of the language (operators, literals, conditionals, functions other than xpath(), config.,
 * JSONPath filters) is refused when the configuration loads (MOOR_ERR_UNSUPPORTED, naming the
 * construct), as is `${…}` inside other text: never read as a literal or as XPath.
 */
import { MoorError } from '../errors.ts';
import { headerValue, type MessageContext } from '../message/context.ts';
import { Expression } from './expression.ts';
import { JsonPath, jsonPayload } from './json-path.ts';
import { readProperty } from './properties.ts';

/** A value as variables hold it: typed, or JSON (`{ json }`), or XML text (`{ xml }`). */
export type SynapseValue = string | number | bigint | boolean | { readonly json: unknown } | { readonly xml: string } | undefined;

/** True when `text` is or holds a Synapse expression. */
export function hasSynapseExpression(text: string): boolean {
  return text.includes('${');
}

type Access =
  | { readonly kind: 'var'; readonly name: string; readonly path: JsonPath | undefined }
  | { readonly kind: 'payload'; readonly path: JsonPath }
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'property'; readonly scope: 'default' | 'axis2' | 'func'; readonly name: string }
  | { readonly kind: 'xpath'; readonly expr: Expression };

const NAME = String.raw`(?:\.([A-Za-z_]\w*)|\.?\[\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\])`;
const PATH = String.raw`((?:\.\.?[A-Za-z_$][\w$-]*|\.\*|\[\s*(?:-?\d+|\*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\])*)`;
const PARAMS: Readonly<Record<string, (n: string) => { scope: 'default' | 'func'; name: string }>> = {
  queryParams: (n) => ({ scope: 'default', name: `query.param.${n}` }),
  uriParams: (n) => ({ scope: 'default', name: `uri.var.${n}` }),
  functionParams: (n) => ({ scope: 'func', name: n }),
};

/** A compiled `${…}`; the constructor throws MOOR_ERR_UNSUPPORTED (what is not read) or MOOR_ERR_BAD_VALUE. */
export class SynapseExpression {
  private readonly access: Access;

  constructor(readonly text: string, namespaces: ReadonlyMap<string, string>) {
    const whole = /^\s*\$\{([\s\S]*)\}\s*$/.exec(text);
    if (!whole || whole[1]!.includes('${')) {
      throw new MoorError('MOOR_ERR_UNSUPPORTED', `"${text}": moor reads a Synapse expression only as the whole value, \${…}, not within other text`);
    }
    const inner = whole[1]!.trim();
    const name = (m: RegExpExecArray, at: number): string => (m[at] ?? m[at + 1]?.replace(/\\(.)/g, '$1') ?? m[at + 2]!.replace(/\\(.)/g, '$1'));
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^vars?${NAME}${PATH}$`).exec(inner))) {
      this.access = { kind: 'var', name: name(m, 1), path: m[4] ? new JsonPath(`$${m[4]}`) : undefined };
    } else if ((m = new RegExp(`^(?:payload|\\$)${PATH}$`).exec(inner))) {
      this.access = { kind: 'payload', path: new JsonPath(`$${m[1] ?? ''}`) };
    } else if ((m = new RegExp(`^headers${NAME}$`).exec(inner))) {
      this.access = { kind: 'header', name: name(m, 1) };
    } else if ((m = new RegExp(`^(?:properties|props)\\.(synapse|axis2)${NAME}$`).exec(inner))) {
      this.access = { kind: 'property', scope: m[1] === 'axis2' ? 'axis2' : 'default', name: name(m, 2) };
    } else if ((m = new RegExp(`^params\\.(queryParams|uriParams|functionParams)${NAME}$`).exec(inner))) {
      this.access = { kind: 'property', ...PARAMS[m[1]!]!(name(m, 2)) };
    } else if ((m = /^xpath\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)$/.exec(inner))) {
      this.access = { kind: 'xpath', expr: new Expression((m[1] ?? m[2]!).replace(/\\(.)/g, '$1'), namespaces) };
    } else {
      throw new MoorError('MOOR_ERR_UNSUPPORTED', `the Synapse expression "${text}" uses ${construct(inner)}, which moor does not read (it reads one access: vars.x, payload…, headers.x, properties.synapse|axis2.x, params.queryParams|uriParams|functionParams.x, xpath("…"))`);
    }
  }

  /** The value, typed as it is held (a variable's own type; JSON from the payload). */
  async value(msg: MessageContext): Promise<SynapseValue> {
    const a = this.access;
    switch (a.kind) {
      case 'var': {
        const v = msg.properties.variables.get(a.name) as SynapseValue;
        if (!a.path) return v;
        if (v === undefined || typeof v !== 'object' || !('json' in v)) return undefined;
        return fromJson(a.path.select(v.json));
      }
      case 'payload':
        return fromJson(a.path.select(await jsonPayload(msg)));
      case 'header':
        return headerValue(msg.transport, a.name);
      case 'property': {
        const v = readProperty(msg, a.scope, a.name);
        return v === undefined || v === null ? undefined : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : String(v);
      }
      case 'xpath':
        return a.expr.string(msg);
    }
  }

  /** The value as text (a JSON value as JSON, a JSON string as itself; nothing as ''). */
  async string(msg: MessageContext): Promise<string> {
    return stringOf(await this.value(msg));
  }
}

/** A value as text. */
export function stringOf(v: SynapseValue): string {
  if (v === undefined) return '';
  if (typeof v !== 'object') return String(v);
  if ('xml' in v) return v.xml;
  return typeof v.json === 'string' ? v.json : JSON.stringify(v.json);
}

/** What a JSONPath selected, as a value: one as itself (objects and arrays as JSON), several as an array. */
function fromJson(found: unknown[]): SynapseValue {
  if (found.length === 0) return undefined;
  const one = found.length === 1 ? found[0] : found;
  if (one === null) return undefined;
  if (typeof one === 'string' || typeof one === 'number' || typeof one === 'boolean') return one;
  return { json: one };
}

/** The first construct of `inner` that moor does not read, for the error. */
function construct(inner: string): string {
  const fn = /^([A-Za-z_]\w*)\s*\(/.exec(inner);
  if (fn) return `the function ${fn[1]}()`;
  if (/^config\b/.test(inner)) return 'config. (deployment configuration)';
  if (/\?\s*[^\s]/.test(inner) && /:/.test(inner) && !/\[\s*\?/.test(inner)) return 'a conditional (? :)';
  const op = /(==|!=|>=|<=|&&|\|\||\band\b|\bor\b|[+\-*/%<>!])/.exec(inner.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""'));
  if (/^(?:-?\d|"|'|true\b|false\b|null\b|\[)/.test(inner)) return 'a literal';
  if (/\[\s*\?/.test(inner)) return 'a JSONPath filter [?(…)]';
  if (op) return `the operator ${op[1]}`;
  return `"${inner}"`;
}
