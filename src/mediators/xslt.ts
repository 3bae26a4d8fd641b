/**
 * <xslt key="local entry | registry key | {dynamic key}" [source="xpath"] [target="property"] [xmlns:p="…"]>
 *   <property name="param" (value="literal" | expression="xpath")/>*
 *   <feature name="uri" value="true|false"/>*
 *   <attribute name="uri" value="string"/>*
 *   <resource location="href" key="local entry | registry key"/>*
 * </xslt>
 *
 * WSO2's XSLT mediator: transforms the first child of the SOAP Body (or the first node `source` selects)
 * with the stylesheet `key` names — a local entry (inline XML or a `src=` file) or a registry resource —
 * and puts the result in its place, or in the property `target` (as XML) when that is given. Each
 * <property> is the value of the stylesheet's top-level <xsl:param> of that name. <resource> maps an
 * <xsl:include>/<xsl:import> href to the key of the stylesheet it names. The transform sees the source as
 * the document element of a document of its own (so `match="/"` and `//x` work as in Synapse). Output
 * method "text" gives Synapse's text wrapper element (axis2ns:text, in the payload namespace).
 *
 * A static key's stylesheet compiles once, when the configuration loads: one that does not parse, or uses
 * what moor does not run, is an error at its file:line:col. A dynamic key (`{get-property('k')}`)
 * is evaluated for each message and its stylesheet compiled at first use (kept for the next
 * CACHED keys). A transform that fails (an XPath error, <xsl:message terminate="yes">, a limit of
 * src/xslt/transform.ts) fails the message with MOOR_ERR_MEDIATION: its fault sequence, or a fault.
 *
 * The processor is moor's own XSLT 1.0 (src/xslt/, over the `xpath` package moor already evaluates
 * Synapse's XPath with), not a library: the candidates did not run Synapse's own sample stylesheets
 * right (xslt-processor, LGPL-3.0: <xsl:element namespace> is ignored, and `m0:return` in a version="2.0"
 * stylesheet does not parse), or are not open source (SaxonJS: Saxonica's binary licence, obfuscated,
 * its compile-from-source API internal). WSO2 runs Saxon (XSLT 2.0/3.0): docs/compatibility.md says
 * what that leaves out.
 */
import { Diagnostics, type ConfigNode } from '../config/node.ts';
import { type EntryValue } from '../config/local-entry.ts';
import { MoorError } from '../errors.ts';
import { type Expression } from '../expr/expression.ts';
import { type MessageContext } from '../message/context.ts';
import { type Stylesheet } from '../xslt/model.ts';
import { compileStylesheet } from '../xslt/stylesheet.ts';
import { undeclareDefault } from '../xslt/result-tree.ts';
import { type MessageLimits } from '../message/limits.ts';
import { type TransformLimits, transform, XsltError } from '../xslt/transform.ts';
import { dynamicKey } from './dynamic-key.ts';
import { commitDom, firstElement, serializeNodes, soapBody } from './dom.ts';
import { type MediatorDefinition, type Outcome, type ParseContext } from './mediator.ts';
import { compileExpression, type ValueSource, valueSource } from './value.ts';
import { XmlValue } from '../xml/xml-value.ts';
import { ELEMENT, TEXT } from '../xml/node-types.ts';

/** How many stylesheets of dynamic keys one <xslt> keeps compiled. */
const CACHED = 16;
const PAYLOAD_NS = 'http://ws.apache.org/commons/ns/payload';

export const xslt: MediatorDefinition = {
  name: 'xslt',
  parse(node, ctx) {
    node.allowAttributes('key', 'source', 'target', 'description');
    node.allowChildren('property', 'feature', 'attribute', 'resource', 'description');
    const key = node.required('key');
    const sourceText = node.attr('source');
    const source = sourceText === undefined ? undefined : compileExpression(node, sourceText);
    const target = node.attr('target');
    const params: { name: string; value: ValueSource }[] = [];
    const resources = new Map<string, string>();
    for (const c of node.children()) {
      if (c.name === 'property') {
        c.allowAttributes('name', 'value', 'expression', 'type', 'description');
        const name = c.required('name');
        const value = valueSource(c);
        if (name !== undefined && value) params.push({ name, value });
      } else if (c.name === 'feature' || c.name === 'attribute') {
        c.allowAttributes('name', 'value');
        c.required('name');
        c.warn('MOOR_WARN_NO_EFFECT', `<xslt><${c.name} name="${c.attr('name') ?? ''}">: moor's XSLT processor has no ${c.name}s to set; it is ignored`);
      } else if (c.name === 'resource') {
        c.allowAttributes('location', 'key');
        const location = c.required('location');
        const k = c.required('key');
        if (location !== undefined && k !== undefined) resources.set(location, k);
      }
    }
    if (key === undefined) return undefined;
    const include = includeFrom(resources, node);
    const dynamic = dynamicKey(key, node);
    let sheet: Stylesheet | undefined;
    if (!dynamic) {
      const entry = ctx.entry(key, node, '<xslt key>');
      if (!entry) return undefined;
      const root = stylesheetRoot(entry, key);
      if (typeof root === 'string') {
        node.report('MOOR_ERR_BAD_VALUE', root);
        return undefined;
      }
      sheet = compileStylesheet(root, { include: include((k, href) => ctx.entry(k, node, `<resource location="${href}" key>`)) });
      if (!sheet) return undefined;
    } else if (key.slice(1, -1).trim() === '') return undefined;

    const atRunTime = dynamic ? runTimeStylesheets(key, node, ctx, include) : undefined;
    // (a fault tells the client the line; the log also says the files: the <xslt>'s and the stylesheet's)
    const where = `<xslt key="${key}"> at line ${node.loc.line}`;
    const place = `${node.loc.file}:${node.loc.line}:${node.loc.col}`;

    return {
      kind: 'xslt',
      loc: node.loc,
      async mediate(msg): Promise<Outcome> {
        const stylesheet = sheet ?? atRunTime!(await dynamic!.string(msg));
        const values = new Map<string, string>();
        for (const p of params) values.set(p.name, await p.value(msg));
        const doc = await msg.envelopeDom();
        const src = await sourceNode(msg, doc, source, where);
        // the source is the document element of a document of its own: moved there, a placeholder in its
        // place, when the result replaces it (xmldom's deep copy cost more than the transform); copied
        // when it stays (target=)
        const parent = src.parentNode!;
        const placeholder = doc.createComment('moor:xslt');
        const input = doc.implementation.createDocument(null, null as unknown as string, null);
        const copied = target !== undefined;
        if (copied) input.appendChild(input.importNode(src, true));
        else {
          parent.replaceChild(placeholder, src);
          input.appendChild(src);
        }
        // (put back after a failure, then written out: xmldom left the moved nodes' ownerDocument behind,
        // and the next reader of the message parses it afresh)
        const restore = (): void => {
          if (copied) return;
          parent.replaceChild(src, placeholder);
          commitDom(msg, doc);
        };
        let result: Node[];
        try {
          result = transform(stylesheet, input, { params: values, factory: doc, limits: transformLimitsOf(msg.body.limits), message: (text) => msg.log.log('info', `<xslt key="${key}"> at ${place}: xsl:message: ${text}`, { component: 'xslt', msg: msg.id }) });
        } catch (e) {
          restore();
          if (!(e instanceof XsltError)) throw e;
          const at = e.loc ? `, the stylesheet's element at ${e.loc.file}:${e.loc.line}:${e.loc.col}` : '';
          throw Object.assign(new MoorError('MOOR_ERR_MEDIATION', `${where}: the transform failed: ${e.message}`, { cause: e }), { detail: `<xslt> at ${place}${at}` });
        }
        result = stylesheet.method === 'text' ? [textWrapper(doc, result)] : result.filter((n) => n.nodeType !== TEXT || (n.nodeValue ?? '').trim() !== '');
        if (target !== undefined) {
          msg.properties.set(target, new XmlValue(serializeNodes(result)));
          return 'continue';
        }
        for (const n of result) {
          parent.insertBefore(n, placeholder);
          if (n.nodeType === ELEMENT) undeclareDefault(n as Element, parent);
        }
        parent.removeChild(placeholder);
        commitDom(msg, doc);
        return 'continue';
      },
    };
  },
};

/**
 * The stylesheets of a dynamic key, compiled at first use and kept (the last CACHED of them; one that
 * does not compile is kept too, as its error, so that it is not compiled again for each message).
 */
function runTimeStylesheets(key: string, node: ConfigNode, ctx: ParseContext, include: ReturnType<typeof includeFrom>): (k: string) => Stylesheet {
  const compiled = new Map<string, Stylesheet | MoorError>();
  const remember = (k: string, s: Stylesheet | MoorError): Stylesheet => {
    if (compiled.size >= CACHED) compiled.delete(compiled.keys().next().value!);
    compiled.set(k, s);
    if (s instanceof MoorError) throw s;
    return s;
  };
  return (k: string): Stylesheet => {
    const hit = compiled.get(k);
    if (hit instanceof MoorError) throw hit;
    if (hit) return hit;
    const entry = ctx.entryAtRunTime(k);
    if (!entry) throw new MoorError('MOOR_ERR_UNRESOLVED_KEY', `<xslt key="${key}"> at line ${node.loc.line}: "${k}" names no local entry nor registry resource`);
    const root = stylesheetRoot(entry, k);
    if (typeof root === 'string') return remember(k, new MoorError('MOOR_ERR_MEDIATION', `<xslt key="${key}"> at line ${node.loc.line}: ${root}`));
    const diag = new Diagnostics();
    const s = compileStylesheet(root.withDiagnostics(diag), {
      include: include((k, _href, at) => {
        const e = ctx.entryAtRunTime(k);
        if (!e) at.report('MOOR_ERR_UNRESOLVED_KEY', `the <resource> key "${k}" names no local entry nor registry resource`);
        return e;
      }),
    });
    if (!s) {
      const first = diag.errors[0]!;
      const more = diag.errors.length > 1 ? ` (and ${diag.errors.length - 1} more problems)` : '';
      const detail = diag.errors.map((e) => e.toString()).join('; ');
      return remember(k, Object.assign(new MoorError('MOOR_ERR_MEDIATION', `<xslt key="${key}"> at line ${node.loc.line}: the stylesheet "${k}" does not compile: ${first.message}${more}`), { detail }));
    }
    return remember(k, s);
  };
}

/** The node to transform: `source`'s first node, or the first child element of the SOAP Body. */
async function sourceNode(msg: MessageContext, doc: Document, source: Expression | undefined, where: string): Promise<Element> {
  const node = source ? (await source.nodes(msg, { wholeEnvelope: true }))[0] : firstElement(soapBody(doc));
  if (!node) throw new MoorError('MOOR_ERR_MEDIATION', source ? `${where}: source="${source.text}" selects nothing` : `${where}: the SOAP Body is empty, there is nothing to transform`);
  if (node.nodeType !== ELEMENT) throw new MoorError('MOOR_ERR_MEDIATION', `${where}: source="${source!.text}" selects a node that is not an element`);
  // (the result takes the source's place: the Envelope, its Header or Body replaced would leave no SOAP message)
  if (node === doc.documentElement || node.parentNode === doc.documentElement) {
    throw new MoorError('MOOR_ERR_MEDIATION', `${where}: source="${source!.text}" selects the SOAP ${(node as Element).localName} itself; select what is in it`);
  }
  return node as Element;
}

/** The root element of the stylesheet a key names, or why it is none. */
function stylesheetRoot(entry: EntryValue, key: string): ConfigNode | string {
  return entry.kind === 'xml' ? entry.node : `the key "${key}" names text, not an XSLT stylesheet`;
}

/** Where an entry of a <resource> key comes from: the configuration at load (reported there), or at run time. */
type EntryOf = (key: string, href: string, at: ConfigNode) => EntryValue | undefined;

/** <xsl:include>/<xsl:import> hrefs, through the <resource location key> map (moor reads no stylesheet by URL). */
function includeFrom(resources: ReadonlyMap<string, string>, node: ConfigNode) {
  return (entry: EntryOf) =>
    (href: string, at: ConfigNode): ConfigNode | undefined => {
      const k = resources.get(href);
      if (k === undefined) {
        at.report('MOOR_ERR_UNRESOLVED_KEY', `<xsl:${at.name} href="${href}">: no <resource location="${href}" key="…"/> in the <xslt> at line ${node.loc.line} says which stylesheet that is`);
        return undefined;
      }
      const e = entry(k, href, at);
      if (e?.kind === 'text') at.report('MOOR_ERR_BAD_VALUE', `<xsl:${at.name} href="${href}">: the key "${k}" names text, not a stylesheet`);
      return e?.kind === 'xml' ? e.node.withDiagnostics(at.diag) : undefined;
    };
}

/** Text output as Synapse gives it: one axis2ns:text element in the payload namespace. */
function textWrapper(doc: Document, result: readonly Node[]): Element {
  const el = doc.createElementNS(PAYLOAD_NS, 'axis2ns:text');
  el.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns:axis2ns', PAYLOAD_NS);
  el.appendChild(doc.createTextNode(result.map((n) => n.textContent ?? '').join('')));
  return el;
}

/** The transform's bounds, from `<moor:limits>` (xsltTimeoutMs, xsltMaxSteps, xsltMaxDepth, xsltMaxNodes). */
function transformLimitsOf(limits: MessageLimits): TransformLimits {
  return { ms: limits.xsltTimeoutMs, steps: limits.xsltMaxSteps, depth: limits.xsltMaxDepth, nodes: limits.xsltMaxNodes };
}
