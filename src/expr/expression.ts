/**
 * Synapse expressions: XPath 1.0 over the message, with Synapse's variables and functions —
 * `$body`, `$header`, `$trp:Name`, `$ctx:name`, `$axis2:name`, `$func:name` (a template's parameter),
 * `get-property('name')`, `get-property('scope', 'name')` — and prefixes declared on the element that holds the expression.
 *
 * The whole envelope is parsed only when the expression can reach the body: an expression that reads
 * only headers or properties works on the head alone, so the body keeps streaming.
 *
 * A `$func:p` whose parameter is an expression passed as itself (`<with-param value="{{…}}">`) evaluates
 * that expression where it is read, over the same envelope: its value is the expression's (nodes too).
 */
import { MoorError } from '../errors.ts';
import { type MessageContext } from '../message/context.ts';
import { NS } from '../xml/names.ts';
import { type ReadDocument } from '../xml/compact-dom.ts';
import { serialize } from '../xml/serialize.ts';
import { XmlValue } from '../xml/xml-value.ts';
import { entriesInScope } from './entries.ts';
import { type FuncFrame, funcFrame } from './func-scope.ts';
import { readProperty, type Scope } from './properties.ts';
import { synapseStringOf } from './string-value.ts';
import { JavaDouble } from './java-double.ts';
import { type CompiledXPath, parseXPath, type XValue, XNumber, XString } from './xpath-lib.ts';
import { parseTrustedDom } from '../xml/dom.ts';

/**
 * `$ctx:`, `$trp:`, `$axis2:` and `$func:` are Synapse's variable scopes, not namespace prefixes: they are renamed
 * to prefixes of moor's own before compiling, so that a user's `xmlns:axis2="…"` (for a header such as
 * axis2:ServiceGroupId) keeps its meaning in the same expression.
 */
const VAR_PREFIX: Record<string, string> = { ctx: 'moor-scope-ctx', trp: 'moor-scope-trp', axis2: 'moor-scope-axis2', func: 'moor-scope-func' };
const VAR_NS = {
  'moor-scope-ctx': 'urn:moor:scope:default',
  'moor-scope-trp': 'urn:moor:scope:transport',
  'moor-scope-axis2': 'urn:moor:scope:axis2',
  'moor-scope-func': 'urn:moor:scope:func',
} as const;
const SCOPE_OF_NS: Record<string, Scope> = {
  [VAR_NS['moor-scope-ctx']]: 'default',
  [VAR_NS['moor-scope-trp']]: 'transport',
  [VAR_NS['moor-scope-axis2']]: 'axis2',
  [VAR_NS['moor-scope-func']]: 'func',
};

/** Renames the scope prefixes of variable references, outside string literals. */
function renameScopes(text: string): string {
  return text.replace(/('[^']*'|"[^"]*")|\$(ctx|trp|axis2|func):/g, (all, literal: string | undefined, scope: string | undefined) =>
    literal !== undefined ? literal : `$${VAR_PREFIX[scope!]}:`,
  );
}

/** A compiled expression, ready to evaluate against messages. */
export class Expression {
  private readonly compiled: CompiledXPath;
  private readonly namespaces: Record<string, string>;
  /** True when the expression can reach the SOAP Body (and so needs the whole envelope). */
  readonly needsBody: boolean;
  /** What get-property('k') gives when no property is named k: the configuration's local entries. */
  private readonly entries = entriesInScope();
  /** The template parameters read as `$func:p`: one holding a passed expression may reach the body. */
  private readonly funcNames: readonly string[];
  /**
   * The parameter when the whole expression is get-property('func', 'p'): Synapse returns a passed
   * expression as itself there, which its string value makes the expression's text; inside anything
   * larger (concat(), a comparison) Jaxen makes that object "".
   */
  private readonly wholeFuncProperty: string | undefined;

  constructor(readonly text: string, namespaces: ReadonlyMap<string, string>) {
    const source = withoutFnPrefix(text, namespaces);
    const undeclared = undeclaredPrefixes(source, namespaces);
    if (undeclared.length) throw new MoorError('MOOR_ERR_BAD_XPATH', `prefix ${undeclared.map((p) => `"${p}"`).join(', ')} in "${text}" is not declared`);
    try {
      this.compiled = parseXPath(renameScopes(source));
    } catch (e) {
      throw new MoorError('MOOR_ERR_BAD_XPATH', `"${text}" is not a valid XPath expression: ${(e as Error).message}`, { cause: e });
    }
    this.namespaces = { ...Object.fromEntries(namespaces), ...VAR_NS };
    this.needsBody = reachesBody(source);
    this.funcNames = [...source.replace(/'[^']*'|"[^"]*"/g, "''").matchAll(/\$func:([\w.-]+)/g)].map((m) => m[1]!);
    this.wholeFuncProperty = /^\s*get-property\(\s*(['"])func\1\s*,\s*(['"])([^'"]*)\2\s*\)\s*$/.exec(source)?.[3];
  }

  /** True when evaluating with template parameters `frame` can reach the Body (through a passed expression, too). */
  private reachesBodyWith(frame: FuncFrame | undefined): boolean {
    if (this.needsBody) return true;
    return this.funcNames.some((name) => {
      const value = frame?.get(name);
      return typeof value === 'object' && value.expression.reachesBodyWith(value.callerFrame);
    });
  }

  /**
   * The expression's value for `msg` as Synapse makes it a string (SynapseXPath.stringValueOf, in
   * string-value.ts): every node selected, not XPath's first; a number as Java writes a Double.
   */
  async string(msg: MessageContext): Promise<string> {
    return synapseStringOf(await this.evaluate(msg, 'read'), this.text);
  }

  /**
   * XPath's string() of the value (a node-set's first node): for moor's own constructs, such as the
   * test suites' assertXPath, which no Synapse configuration reads.
   */
  async xpathString(msg: MessageContext): Promise<string> {
    return (await this.evaluate(msg, 'read')).stringValue();
  }

  /** The boolean value (XPath's boolean()). */
  async boolean(msg: MessageContext): Promise<boolean> {
    return (await this.evaluate(msg, 'read')).booleanValue();
  }

  /**
   * The nodes selected (empty when the result is not a node-set): to read or write out only (they may
   * be the compact view's); `wholeEnvelope` selects in envelopeDom(), so that they can be changed.
   */
  async nodes(msg: MessageContext, options: { wholeEnvelope?: boolean } = {}): Promise<Node[]> {
    const v = await this.evaluate(msg, options.wholeEnvelope ? 'change' : 'read');
    try {
      return v.nodeset().toArray();
    } catch {
      return [];
    }
  }

  /**
   * `read`: what leaves is read or written out only (a string, a boolean, nodes serialised as xmldom
   * would), so the body may be the compact view and no DOM is built; `change`: the nodes are to be
   * changed, so they must belong to the message's own DOM, whatever the expression reaches.
   */
  private async evaluate(msg: MessageContext, use: 'read' | 'change'): Promise<XValue> {
    const frame = funcFrame(msg);
    const doc =
      use === 'change' ? await msg.envelopeDom()
      : this.reachesBodyWith(frame) ? await msg.envelopeView()
      : msg.body.opaque ? opaqueHead()
      : await headDom(msg);
    return this.evaluateOver(doc, msg, frame);
  }

  /**
   * The value over `doc` (the message's envelope, as evaluate chose it), with `frame` as the template
   * parameters. A `$func:p` holding a passed expression evaluates it here, over the same document, so
   * it sees the message as it is now and its nodes are this document's (Synapse's variable context
   * evaluates it over the current envelope).
   */
  private evaluateOver(doc: Document | ReadDocument, msg: MessageContext, frame: FuncFrame | undefined): XValue {
    const envelope = doc.documentElement as unknown as Node;
    const childByLocal = (local: string): Node | undefined => {
      for (let c = envelope?.firstChild; c; c = c.nextSibling) if ((c as Element).localName === local) return c;
      return undefined;
    };
    try {
      return this.compiled.evaluate({
        // the context node is the Envelope, as in Synapse (SynapseXPath evaluates over the envelope):
        // `s11:Body/child::*[1]` (its samples 430-434) selects the Body's first element
        node: (envelope ?? doc) as unknown as Node,
        namespaces: this.namespaces,
        variables: (name, ns) => {
          if (!ns) {
            // $body is the SOAP Body element itself, as in Synapse (its sample 2: $body/child::*[position()=1])
            if (name === 'body') return childByLocal('Body') ?? [];
            if (name === 'header') return childByLocal('Header') ?? [];
            return undefined;
          }
          const scope = SCOPE_OF_NS[ns];
          if (scope === 'func') {
            const value = frame?.get(name);
            return typeof value === 'object' ? value.expression.evaluateOver(doc, msg, value.callerFrame) : (value ?? '');
          }
          return scope ? asJaxenSees(readProperty(msg, scope, name)) : undefined;
        },
        functions: (name, ns) => {
          if (ns || name !== 'get-property') return undefined;
          return (_ctx: unknown, ...args: XValue[]) => {
            const [a, b] = args.map((x) => x.stringValue());
            const [scope, name] = b === undefined ? (['default', a ?? ''] as const) : ([scopeName(a ?? ''), b] as const);
            if (scope === 'func') {
              const param = frame?.get(name);
              const text = typeof param === 'object' ? (this.wholeFuncProperty === name ? param.expression.text : '') : param;
              return new XString(text ?? '');
            }
            const value = readProperty(msg, scope, name) ?? (scope === 'default' ? this.entries?.get(name) : undefined);
            return asJaxenSees(value);
          };
        },
      });
    } catch (e) {
      throw new MoorError('MOOR_ERR_MEDIATION', `evaluating "${this.text}" failed: ${(e as Error).message}`, { cause: e });
    }
  }
}

/**
 * A property's value as Synapse hands it to Jaxen: an XML value (an OM property) its elements, so that
 * `$ctx:p/x` steps into it and its string is an element's (its own text, or its XML); anything else its
 * text (a typed whole number reads as it was written, as Java's Integer does), but a DOUBLE or FLOAT
 * its number, as Jaxen takes a Double (so that the expression's result is written "2.0").
 */
function asJaxenSees(value: unknown): unknown {
  if (value instanceof XmlValue) return value.nodes();
  if (value instanceof JavaDouble) return new XNumber(value.value);
  return new XString(value === undefined ? '' : String(value));
}

function scopeName(s: string): Scope {
  if (s === 'transport' || s === 'axis2' || s === 'func') return s;
  return 'default';
}

let emptyHead: Document | undefined;

/**
 * The head a JSON (or other opaque) payload has, as WSO2 builds its envelope: none. An expression over
 * properties and transport headers alone (`$trp:X-Session`) then reads no payload; one that reaches the
 * Body reads it as XML (JSON made XML by WSO2's rules: message/json-body.ts; anything else fails with
 * MOOR_ERR_NOT_XML).
 */
function opaqueHead(): Document {
  return (emptyHead ??= parseTrustedDom(`<soapenv:Envelope xmlns:soapenv="${NS.soap11}"/>`));
}

/** A DOM of the envelope head only (Envelope + Header), built from the parsed head without the body. */
async function headDom(msg: MessageContext): Promise<Document> {
  const head = await msg.head();
  const env = head.envelope;
  const header = env.children.find((c) => c.type === 'element' && c.name.local === 'Header');
  const scope = new Map<string, string>([['xml', NS.xml]]);
  const decls = [...env.namespaces].map(([p, u]) => (p ? ` xmlns:${p}="${u}"` : ` xmlns="${u}"`)).join('');
  const tag = env.prefix ? `${env.prefix}:Envelope` : 'Envelope';
  const text = `<${tag}${decls}>${header ? serialize(header, new Map([...scope, ...env.namespaces])) : ''}</${tag}>`;
  return parseTrustedDom(text);
}

/** True when the expression may select inside the Body: `$body`, or any location path outside `$header`. */
function reachesBody(text: string): boolean {
  const stripped = text
    .replace(/'[^']*'|"[^"]*"/g, "''")
    .replace(/\$(ctx|trp|axis2|func):[\w.-]+/g, '')
    .replace(/get-property\s*\([^)]*\)/g, '');
  if (/\$body/.test(stripped)) return true;
  // what remains after removing `$header/…` paths must hold no location path of its own
  const withoutHeader = stripped.replace(/\$header(\/[^\s|=<>!,)\]]*)?/g, '');
  return /[/@.]|[A-Za-z_][\w.-]*\s*::|(^|[\s(,=<>!|])[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?\s*($|[\s),=<>!|\]])/.test(withoutHeader.replace(/\b(and|or|div|mod)\b/g, ''));
}

const FN_NAMESPACES = ['http://www.w3.org/2005/xpath-functions', 'http://www.w3.org/2005/02/xpath-functions'];

/**
 * `fn:concat(…)` as the core concat(): Synapse's XPath engine (Jaxen) finds core functions whatever
 * prefix they are called with, declared or not, and Synapse configurations (its own samples among them)
 * write `fn:` without declaring it. A `fn` prefix bound to some other namespace is left alone.
 */
function withoutFnPrefix(text: string, namespaces: ReadonlyMap<string, string>): string {
  const fn = namespaces.get('fn');
  if (fn !== undefined && !FN_NAMESPACES.includes(fn)) return text;
  return text.replace(/('[^']*'|"[^"]*")|(?<![\w.$:-])fn:(?=[A-Za-z_][\w.-]*\s*\()/g, (m, quoted: string | undefined) => quoted ?? '');
}

/** Prefixes used in name tests that are neither declared nor Synapse's own. */
function undeclaredPrefixes(text: string, namespaces: ReadonlyMap<string, string>): string[] {
  const stripped = text.replace(/'[^']*'|"[^"]*"/g, "''").replace(/\$[\w.-]+(:[\w.-]+)?/g, '');
  const out = new Set<string>();
  for (const m of stripped.matchAll(/([A-Za-z_][\w.-]*):(?!:)[A-Za-z_*]/g)) {
    const p = m[1]!;
    if (!namespaces.has(p)) out.add(p);
  }
  return [...out];
}
