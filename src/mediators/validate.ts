/**
 * <validate [source="xpath"] [cache-schema="true|false"] [xmlns:p="…"]>
 *   <schema key="local entry | registry key"/>
 *   <resource location="schemaLocation" key="local entry | registry key"/>*
 *   <feature name="uri" value="true|false"/>*
 *   <on-fail> mediators… </on-fail>
 * </validate>
 *
 * WSO2's Validate mediator: checks the first element `source` selects (default: the SOAP Body's first
 * element) against an XML Schema. Valid, the message goes on; invalid (or `source` selecting no
 * element), ERROR_MESSAGE and ERROR_DETAIL say why and the on-fail mediators run, whose outcome is the
 * validate's (they usually answer with a fault and stop), as in WSO2's ValidateMediator.
 *
 * The schema is compiled once, when the configuration loads (an error at its file:line:col when it does
 * not compile); `<xs:include>`/`<xs:import>` schemaLocations are read only through <resource location
 * key> (no file or URL is read). The validator is libxml2's, compiled to WebAssembly (libxml2-wasm,
 * MIT): no pure-JavaScript XSD validator is maintained, a native binding needs a build, and xmllint-wasm
 * starts a worker per call (95 ms a message measured, against 0.17 ms here). It is loaded only for a
 * configuration that has a <validate>.
 *
 * Refused at load: more than one <schema> (WSO2 combines them; moor validates against one), a JSON
 * schema or a json-eval source (JSON payloads), a dynamic `{…}` schema key. <feature> (Xerces parser
 * features) has no effect (a warning). cache-schema is read: moor always keeps the compiled schema.
 */
import { entryText } from '../config/local-entry.ts';
import { type ConfigNode } from '../config/node.ts';
import { jsonEvalPath } from '../expr/json-path.ts';
import { type Expression } from '../expr/expression.ts';
import { type MessageContext } from '../message/context.ts';
import { ELEMENT } from '../xml/node-types.ts';
import { firstElement, soapBody } from './dom.ts';
import { type Branch, inlineBranch } from './branch.ts';
import { type MediatorDefinition, type Outcome, type ParseContext } from './mediator.ts';
import { compileExpression } from './value.ts';
import { compileSchema, type SchemaCheck } from './xsd-schema.ts';
import { isDynamicKey } from './dynamic-key.ts';

export const validate: MediatorDefinition = {
  name: 'validate',
  parse(node, ctx) {
    node.allowAttributes('source', 'cache-schema', 'description');
    node.allowChildren('schema', 'resource', 'feature', 'on-fail', 'description');
    node.oneOf(node.attr('cache-schema'), ['true', 'false'] as const, 'cache-schema');
    const sourceText = node.attr('source');
    if (sourceText !== undefined && jsonEvalPath(sourceText) !== undefined) {
      node.report('MOOR_ERR_UNSUPPORTED', '<validate> of a JSON payload (a json-eval source, a JSON schema) is not supported; moor validates XML against an XML Schema');
      return undefined;
    }
    const source = sourceText === undefined ? undefined : compileExpression(node, sourceText);
    const schemas = node.children().filter((c) => c.name === 'schema');
    for (const s of schemas) s.allowAttributes('key');
    if (schemas.length === 0) node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<validate> needs a <schema key="…"/>');
    if (schemas.length > 1) schemas[1]!.report('MOOR_ERR_UNSUPPORTED', '<validate> with several <schema>s is not supported: moor validates against one schema (import the others from it, with <resource>s)');
    const resources = new Map<string, string>();
    for (const c of node.children()) {
      if (c.name === 'resource') {
        c.allowAttributes('location', 'key');
        const location = c.required('location');
        const key = c.required('key');
        if (location !== undefined && key !== undefined) resources.set(location, key);
      } else if (c.name === 'feature') {
        c.allowAttributes('name', 'value');
        c.warn('MOOR_WARN_NO_EFFECT', `<feature name="${c.attr('name') ?? ''}">: a Xerces parser feature, which libxml2's validator does not have; it is ignored`);
      }
    }
    const failNode = node.child('on-fail');
    if (!failNode) node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<validate> needs an <on-fail> with the mediators to run when the message is not valid');
    const onFail: Branch | undefined = failNode && inlineBranch(failNode, ctx);
    const schemaNode = schemas[0];
    const key = schemaNode?.required('key');
    if (!schemaNode || key === undefined || schemas.length > 1 || !onFail) return undefined;
    if (isDynamicKey(key)) {
      schemaNode.report('MOOR_ERR_UNSUPPORTED', `a dynamic schema key (${key}) is not supported: name the schema's local entry or registry resource`);
      return undefined;
    }
    const text = schemaText(key, schemaNode, ctx);
    const included = new Map<string, string>();
    for (const [location, k] of resources) {
      const t = schemaText(k, node, ctx);
      if (t !== undefined) included.set(location, t);
    }
    if (text === undefined) return undefined;
    let check: SchemaCheck | undefined;
    const loc = schemaNode.loc;
    ctx.later(async (diag) => {
      const compiled = await compileSchema(text, included);
      if (typeof compiled === 'string') diag.report('MOOR_ERR_BAD_VALUE', loc, `the schema "${key}" does not compile: ${compiled}`);
      else check = compiled;
    });
    return {
      kind: 'validate',
      loc: node.loc,
      async mediate(msg, env): Promise<Outcome> {
        const problem = await problemOf(msg, source, check!);
        if (problem === undefined) return 'continue';
        msg.properties.set('ERROR_MESSAGE', problem.message);
        msg.properties.set('ERROR_DETAIL', problem.detail);
        env.trace('validate:on-fail');
        return onFail(msg, env);
      },
    };
  },
};

/** The XML text of the schema a key names; undefined (reported at `node`) when it names none or names text. */
function schemaText(key: string, node: ConfigNode, ctx: ParseContext): string | undefined {
  const value = ctx.entry(key, node, '<validate> schema');
  if (!value) return undefined;
  if (value.kind !== 'xml') {
    node.report('MOOR_ERR_BAD_VALUE', `the key "${key}" names text, not an XML Schema`);
    return undefined;
  }
  return entryText(value);
}

/** Why the message is not valid, or undefined when it is. */
async function problemOf(msg: MessageContext, source: Expression | undefined, check: SchemaCheck): Promise<{ message: string; detail: string } | undefined> {
  const doc = await msg.envelopeView();
  const node = source ? (await source.nodes(msg)).find((n) => n.nodeType === ELEMENT) : firstElement(soapBody(doc as unknown as Document));
  if (!node) {
    const what = source ? `source="${source.text}" selects no element` : 'the SOAP Body is empty';
    return { message: `Error occurred while accessing source element: ${what}`, detail: what };
  }
  const errors = check(serializeWithScope(node as Element));
  if (!errors.length) return undefined;
  return { message: errors[0]!, detail: errors.join('\n') };
}

/**
 * The element as a document of its own, with the namespaces it uses from its ancestors declared on it
 * (the element alone, serialised, would lose the prefixes the Envelope declared).
 */
function serializeWithScope(el: Element): string {
  const declared = new Map<string, string>();
  for (let p = el.parentNode; p && p.nodeType === ELEMENT; p = p.parentNode) {
    const attrs = (p as Element).attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs.item(i)!;
      const prefix = a.name === 'xmlns' ? '' : a.name.startsWith('xmlns:') ? a.name.slice(6) : undefined;
      if (prefix !== undefined && !declared.has(prefix)) declared.set(prefix, a.value);
    }
  }
  const text = String(el);
  if (!declared.size) return text;
  // (the serialiser already declares the element's own prefix when an ancestor did: only the rest is added)
  const startTag = /^<[^>]*>/.exec(text)?.[0] ?? '';
  const own = new Set([...startTag.matchAll(/\sxmlns(?::([\w.-]+))?\s*=/g)].map((m) => m[1] ?? ''));
  const extra = [...declared].filter(([p]) => !own.has(p)).map(([p, uri]) => ` ${p ? `xmlns:${p}` : 'xmlns'}="${uri.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}"`);
  const end = /^<[^\s/>]+/.exec(text)![0].length;
  return text.slice(0, end) + extra.join('') + text.slice(end);
}
