/**
 * The content of a template (or of any instruction that holds some) compiled into instructions:
 * literal result elements and text, and the XSLT 1.0 instructions moor runs. An instruction moor does
 * not run (<xsl:number>, <xsl:apply-imports>, XSLT 2.0's <xsl:for-each-group>…) is reported where it is
 * written, when the stylesheet loads, rather than skipped: a transform that silently left part of its
 * output out would be worse than a configuration that does not load.
 */
import { type ConfigNode } from '../config/node.ts';
import { type XmlNode } from '../xml/element.ts';
import { type Avt, type Binding, type Instr, type SortKey, XSL_NS } from './model.ts';
import { knownFunction } from './functions.ts';
import { compileXPath, functionsCalled, type XslExpr } from './xpath.ts';

/**
 * What compiling one stylesheet shares. (Problems are reported at the ConfigNode where they are: the
 * configuration's diagnostics at load, a Diagnostics of its own for a stylesheet compiled at run time.)
 */
export interface BodyContext {
  /** Namespace URIs not copied to literal result elements (the XSLT namespace, exclude-result-prefixes). */
  readonly excluded: ReadonlySet<string>;
  /**
   * Bindings the stylesheet inherits from the configuration that holds it (an inline local entry): they
   * resolve its prefixes but are not copied to its result elements, as Synapse, which hands the processor
   * the entry serialized with only the namespaces its names use, does not give them to it either.
   */
  readonly inherited: ReadonlyMap<string, string>;
  /** The stylesheet says version="2.0" or later: the XPath 2.0 functions moor runs may be called unprefixed. */
  readonly version2: boolean;
}

const NOT_RUN: Record<string, string> = {
  number: 'format the number with format-number() or value-of',
  'apply-imports': 'give the imported template a mode or a name and call it',
  fallback: '',
};

/** The element and text children of `node`, in order, each element as its ConfigNode. */
export function content(node: ConfigNode): (ConfigNode | string)[] {
  const elements = node.children();
  let i = 0;
  const out: (ConfigNode | string)[] = [];
  for (const c of node.el.children as XmlNode[]) {
    if (c.type === 'element') out.push(elements[i++]!);
    else if (c.type !== 'comment') out.push(c.value);
  }
  return out;
}

export const isXsl = (n: ConfigNode): boolean => n.el.name.uri === XSL_NS;

/** Compiles an XPath attribute of `node`; reports (and gives undefined) when absent and `required`, or bad. */
export function expr(node: ConfigNode, attr: string, ctx: BodyContext, required = true): XslExpr | undefined {
  const text = node.attr(attr);
  if (text === undefined) {
    if (required) node.report('MOOR_ERR_MISSING_ATTRIBUTE', `<xsl:${node.name}> needs the attribute ${attr}`);
    return undefined;
  }
  return xpathAt(node, text, ctx, `${attr}="${text}"`);
}

function xpathAt(node: ConfigNode, text: string, ctx: BodyContext, what: string): XslExpr | undefined {
  let e: XslExpr;
  try {
    if (text.trim() === '') throw new Error('it is empty');
    e = compileXPath(text, prefixes(node));
  } catch (err) {
    node.report('MOOR_ERR_BAD_XPATH', `<xsl:${node.name}> ${what} is not an XPath 1.0 expression: ${(err as Error).message}`);
    return undefined;
  }
  // every function it calls is one moor runs: known now, not at the first message that reaches it
  let ok = true;
  for (const name of functionsCalled(e)) {
    const i = name.indexOf(':');
    const uri = i < 0 ? '' : node.scope.get(name.slice(0, i));
    const why = uri === undefined ? `the prefix of ${name}() is not declared` : knownFunction(name.slice(i + 1), uri, ctx.version2);
    if (why === undefined) continue;
    node.report(uri === undefined ? 'MOOR_ERR_BAD_XPATH' : 'MOOR_ERR_UNSUPPORTED', `<xsl:${node.name}> ${what}: ${why}`);
    ok = false;
  }
  return ok ? e : undefined;
}

/** The prefixes in scope at `node` (the default namespace does not apply to XPath names). */
export function prefixes(node: ConfigNode): ReadonlyMap<string, string> {
  return node.scope;
}

/** Compiles an attribute value template (`{expr}` parts, `{{` and `}}` for braces). */
export function avt(node: ConfigNode, text: string, ctx: BodyContext): Avt {
  const parts: (string | XslExpr)[] = [];
  let lit = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if ((c === '{' || c === '}') && text[i + 1] === c) {
      lit += c;
      i++;
    } else if (c === '{') {
      const end = text.indexOf('}', i);
      if (end < 0) {
        node.report('MOOR_ERR_BAD_VALUE', `the attribute value template "${text}" has a "{" without its "}"`);
        return [text];
      }
      if (lit) parts.push(lit);
      lit = '';
      const e = xpathAt(node, text.slice(i + 1, end), ctx, `"${text}"`);
      if (e) parts.push(e);
      i = end;
    } else lit += c;
  }
  if (lit) parts.push(lit);
  return parts;
}

/** Compiles the content of `node` (a template, or an instruction's body). */
export function body(node: ConfigNode, ctx: BodyContext, allowParams = false): Instr[] {
  const out: Instr[] = [];
  let started = false;
  for (const c of content(node)) {
    if (typeof c === 'string') {
      // whitespace-only text is stripped from a stylesheet (XSLT 1.0 §3.4), except inside xsl:text
      if (c.trim() !== '') {
        out.push({ k: 'text', text: c });
        started = true;
      }
      continue;
    }
    if (isXsl(c) && c.name === 'param') {
      if (!allowParams || started) c.report('MOOR_ERR_BAD_VALUE', '<xsl:param> is allowed only at the start of a template or at the top of the stylesheet');
      continue;
    }
    started = true;
    const i = instruction(c, ctx);
    if (i) out.push(i);
  }
  return out;
}

/** The <xsl:param>s at the start of a template. */
export function templateParams(node: ConfigNode, ctx: BodyContext): Binding[] {
  return node.children().filter((c) => isXsl(c) && c.name === 'param').map((c) => binding(c, ctx));
}

/** <xsl:variable>/<xsl:param>/<xsl:with-param>. */
export function binding(node: ConfigNode, ctx: BodyContext): Binding {
  node.allowAttributes('name', 'select', 'as', 'required');
  const name = node.attr('name') ?? '';
  if (!name) node.report('MOOR_ERR_MISSING_ATTRIBUTE', `<xsl:${node.name}> needs the attribute name`);
  const select = expr(node, 'select', ctx, false);
  const hasBody = content(node).some((c) => typeof c !== 'string' || c.trim() !== '');
  if (select && hasBody) node.report('MOOR_ERR_BAD_VALUE', `<xsl:${node.name} name="${name}"> has both select and content: give one`);
  return { name: variableKey(node, name, ctx), select, body: hasBody ? body(node, ctx) : undefined, loc: node.loc };
}

/** A variable's name as the XPath resolver asks for it: `local`, or `{uri}local` when prefixed. */
export function variableKey(node: ConfigNode, name: string, ctx: BodyContext): string {
  const i = name.indexOf(':');
  if (i < 0) return name;
  const uri = node.scope.get(name.slice(0, i));
  if (uri === undefined) node.report('MOOR_ERR_BAD_VALUE', `the prefix of "${name}" is not declared`);
  return `{${uri ?? ''}}${name.slice(i + 1)}`;
}

function sorts(node: ConfigNode, ctx: BodyContext): SortKey[] {
  return node
    .children()
    .filter((c) => isXsl(c) && c.name === 'sort')
    .map((c) => {
      c.allowAttributes('select', 'order', 'data-type', 'lang', 'case-order');
      const select = c.attr('select') === undefined ? xpathAt(c, '.', ctx, '') : expr(c, 'select', ctx);
      const order = c.oneOf(c.attr('order'), ['ascending', 'descending'] as const, 'order');
      const type = c.oneOf(c.attr('data-type'), ['text', 'number'] as const, 'data-type');
      return { select: select!, number: type === 'number', descending: order === 'descending' };
    })
    .filter((s) => s.select);
}

function withParams(node: ConfigNode, ctx: BodyContext): Binding[] {
  return node.children().filter((c) => isXsl(c) && c.name === 'with-param').map((c) => binding(c, ctx));
}

/** The children of `node` other than <xsl:sort>/<xsl:with-param> (the body of for-each). */
function instruction(node: ConfigNode, ctx: BodyContext): Instr | undefined {
  if (!isXsl(node)) return literal(node, ctx);
  const loc = node.loc;
  switch (node.name) {
    case 'apply-templates': {
      node.allowAttributes('select', 'mode');
      for (const c of node.children()) if (!isXsl(c) || (c.name !== 'sort' && c.name !== 'with-param')) c.report('MOOR_ERR_UNKNOWN_ELEMENT', `<${c.el.prefix ? `${c.el.prefix}:` : ''}${c.name}> is not allowed in <xsl:apply-templates>`);
      return { k: 'apply', select: expr(node, 'select', ctx, false), mode: node.attr('mode') ?? '', sorts: sorts(node, ctx), params: withParams(node, ctx), loc };
    }
    case 'call-template': {
      node.allowAttributes('name');
      const name = node.attr('name');
      if (!name) node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<xsl:call-template> needs the attribute name');
      return { k: 'call', name: name ?? '', params: withParams(node, ctx), loc };
    }
    case 'value-of': {
      node.allowAttributes('select', 'disable-output-escaping', 'separator');
      const select = expr(node, 'select', ctx);
      return select && { k: 'value-of', select, raw: doe(node), loc };
    }
    case 'copy-of': {
      node.allowAttributes('select', 'copy-namespaces');
      const select = expr(node, 'select', ctx);
      return select && { k: 'copy-of', select, loc };
    }
    case 'copy':
      node.allowAttributes('copy-namespaces', 'inherit-namespaces');
      if (node.attr('use-attribute-sets') !== undefined) node.report('MOOR_ERR_UNSUPPORTED', 'use-attribute-sets is not supported');
      return { k: 'copy', body: body(node, ctx) };
    case 'for-each': {
      node.allowAttributes('select');
      const select = expr(node, 'select', ctx);
      return select && { k: 'for-each', select, sorts: sorts(node, ctx), body: bodyWithout(node, ctx, 'sort'), loc };
    }
    case 'if': {
      node.allowAttributes('test');
      const test = expr(node, 'test', ctx);
      return test && { k: 'if', test, body: body(node, ctx), loc };
    }
    case 'choose': {
      node.allowAttributes();
      const whens: { test: XslExpr; body: Instr[] }[] = [];
      let otherwise: Instr[] = [];
      for (const c of node.children()) {
        if (isXsl(c) && c.name === 'when') {
          c.allowAttributes('test');
          const test = expr(c, 'test', ctx);
          if (test) whens.push({ test, body: body(c, ctx) });
        } else if (isXsl(c) && c.name === 'otherwise') otherwise = body(c, ctx);
        else c.report('MOOR_ERR_UNKNOWN_ELEMENT', `<${c.name}> is not allowed in <xsl:choose> (only <xsl:when> and <xsl:otherwise>)`);
      }
      if (!whens.length) node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<xsl:choose> needs at least one <xsl:when>');
      return { k: 'choose', whens, otherwise, loc };
    }
    case 'text': {
      node.allowAttributes('disable-output-escaping');
      const text = content(node)
        .filter((c): c is string => typeof c === 'string')
        .join('');
      return { k: 'text', text, raw: doe(node) };
    }
    case 'element':
    case 'attribute': {
      node.allowAttributes('name', 'namespace', 'use-attribute-sets');
      if (node.attr('use-attribute-sets') !== undefined) node.report('MOOR_ERR_UNSUPPORTED', 'use-attribute-sets is not supported');
      const name = node.attr('name');
      if (name === undefined) node.report('MOOR_ERR_MISSING_ATTRIBUTE', `<xsl:${node.name}> needs the attribute name`);
      const ns = node.attr('namespace');
      return { k: node.name, name: avt(node, name ?? '', ctx), namespace: ns === undefined ? undefined : avt(node, ns, ctx), scope: node.scope, body: body(node, ctx), loc };
    }
    case 'comment':
      return { k: 'comment', body: body(node, ctx) };
    case 'processing-instruction':
      node.allowAttributes('name');
      return { k: 'pi', name: avt(node, node.attr('name') ?? '', ctx), body: body(node, ctx), loc };
    case 'variable':
      return { k: 'variable', binding: binding(node, ctx) };
    case 'message':
      node.allowAttributes('terminate');
      return { k: 'message', terminate: node.oneOf(node.attr('terminate'), ['yes', 'no'] as const, 'terminate') === 'yes', body: body(node, ctx), loc };
    case 'sort':
    case 'with-param':
      node.report('MOOR_ERR_UNKNOWN_ELEMENT', `<xsl:${node.name}> is allowed only in ${node.name === 'sort' ? '<xsl:for-each> or <xsl:apply-templates>' : '<xsl:call-template> or <xsl:apply-templates>'}`);
      return undefined;
    default: {
      const hint = NOT_RUN[node.name];
      node.report('MOOR_ERR_UNSUPPORTED', `<xsl:${node.name}> is not an XSLT 1.0 instruction that moor runs${hint ? ` (${hint})` : ''}`);
      return undefined;
    }
  }
}

/** disable-output-escaping="yes" (on <xsl:value-of>, <xsl:text>). */
function doe(node: ConfigNode): boolean {
  return node.oneOf(node.attr('disable-output-escaping'), ['yes', 'no'] as const, 'disable-output-escaping') === 'yes';
}

/** The body of `node` without its leading `skip` children (<xsl:sort> of for-each). */
function bodyWithout(node: ConfigNode, ctx: BodyContext, skip: string): Instr[] {
  const out: Instr[] = [];
  for (const c of content(node)) {
    if (typeof c === 'string') {
      if (c.trim() !== '') out.push({ k: 'text', text: c });
    } else if (!(isXsl(c) && c.name === skip)) {
      const i = instruction(c, ctx);
      if (i) out.push(i);
    }
  }
  return out;
}

/** A literal result element: its name, its attributes as templates, the namespaces it carries over. */
function literal(node: ConfigNode, ctx: BodyContext): Instr {
  const own = new Set(ctx.excluded);
  const local = node.el.attributes.find((a) => a.name.uri === XSL_NS && a.name.local === 'exclude-result-prefixes');
  for (const p of local?.value.split(/\s+/).filter(Boolean) ?? []) {
    const uri = node.scope.get(p === '#default' ? '' : p);
    if (uri !== undefined) own.add(uri);
  }
  const namespaces = [...node.scope].filter(([p, uri]) => p !== 'xml' && !own.has(uri) && !(p === '' && uri === '') && ctx.inherited.get(p) !== uri);
  for (const a of node.el.attributes) {
    if (a.name.uri === XSL_NS && !['exclude-result-prefixes', 'version', 'extension-element-prefixes', 'use-attribute-sets'].includes(a.name.local)) {
      node.report('MOOR_ERR_UNKNOWN_ATTRIBUTE', `xsl:${a.name.local} is not an attribute of a literal result element`);
    }
    if (a.name.uri === XSL_NS && a.name.local === 'use-attribute-sets') node.report('MOOR_ERR_UNSUPPORTED', 'xsl:use-attribute-sets is not supported');
  }
  const attributes = node.el.attributes
    .filter((a) => a.name.uri !== XSL_NS)
    .map((a) => ({ name: a.name, prefix: a.raw.includes(':') ? a.raw.slice(0, a.raw.indexOf(':')) : '', value: avt(node, a.value, ctx) }));
  return { k: 'literal', name: node.el.name, prefix: node.el.prefix, namespaces, attributes, body: body(node, ctx) };
}
