/**
 * <call [blocking="true|false"]>
 *   <source [type="custom|inline|property"] [contentType="media type"]>xpath | json-eval(…) | inline payload | property name</source>?
 *   <target type="property">property name</target>?
 *   <endpoint …/>?         inline, or <endpoint key="name"/>, or dynamic (key="{xpath}", key-expression="xpath")
 * </call>
 *
 * Sends the message to the endpoint (or, with none, to its WS-Addressing To address) and goes on with
 * the next mediator, the response now being the current message: its body, transport headers and HTTP
 * status (also in $axis2:HTTP_SC). The out sequence does not run; a later <respond/> answers the client
 * with the response, a later <send>/<call> passes it on. Every call waits for its response, so
 * `blocking` changes nothing.
 *
 * MI's <source> and <target> (request-copy.ts): with a <source>, the request is a copy of the message
 * whose payload is what the source gives: `custom` (the default) the elements an XPath selects (its
 * Envelope and Header kept) or the JSON a json-eval() selects; `inline` the XML or JSON written inside;
 * `property` the XML or JSON a property holds. `contentType` is the request's Content-Type (JSON
 * payloads are application/json). With <target type="property">, the message stays as it is and the
 * response's payload is stored in the property: XML (the Body's first element) as XML, anything else
 * as its text.
 */
import { parseEndpoint } from '../config/endpoint-def.ts';
import { type ConfigNode } from '../config/node.ts';
import { MoorError } from '../errors.ts';
import { JsonPath, jsonEvalPath } from '../expr/json-path.ts';
import { type Expression } from '../expr/expression.ts';
import { type MessageContext } from '../message/context.ts';
import { childElements } from '../xml/element.ts';
import { NS } from '../xml/names.ts';
import { serialize } from '../xml/serialize.ts';
import { firstElement, parseFragment, soapBody } from './dom.ts';
import { type MediatorDefinition, type Outcome } from './mediator.ts';
import { dynamicEndpoint } from './dynamic-key.ts';
import { envelopeWith, requestCopy } from './request-copy.ts';
import { addressedEndpoint } from './send.ts';
import { compileExpression } from './value.ts';
import { XmlValue } from '../xml/xml-value.ts';

/** Where a <source> takes the request's payload from. */
type Source =
  | { readonly kind: 'xpath'; readonly expr: Expression }
  | { readonly kind: 'json-eval'; readonly path: JsonPath }
  | { readonly kind: 'xml'; readonly xml: string }
  | { readonly kind: 'json'; readonly json: string }
  | { readonly kind: 'property'; readonly name: string };

export const call: MediatorDefinition = {
  name: 'call',
  parse(node, ctx) {
    node.allowAttributes('blocking', 'description');
    node.allowChildren('endpoint', 'source', 'target', 'description');
    node.oneOf(node.attr('blocking'), ['true', 'false'] as const, 'blocking');
    const sourceNode = node.child('source');
    const source = sourceNode && parseSource(sourceNode);
    const contentType = sourceNode?.attr('contentType');
    const targetNode = node.child('target');
    const target = targetNode && parseTarget(targetNode);
    const epNode = node.child('endpoint');
    const dynamic = dynamicEndpoint(epNode);
    if (dynamic === null || source === null || target === null) return undefined;
    const def = epNode && !dynamic ? parseEndpoint(epNode) : undefined;
    const link = def && epNode ? ctx.endpoint(def, epNode) : undefined;
    return {
      kind: 'call',
      loc: node.loc,
      async mediate(msg, env): Promise<Outcome> {
        const endpoint = dynamic ? env.endpoints.ofKey(await dynamic.string(msg)) : link?.endpoint;
        // with a target the message must stay: the request is a copy of it
        const request = source ? await requestFrom(msg, source) : target ? await wholeCopy(msg) : msg;
        if (contentType !== undefined) request.transport.set('content-type', contentType);
        const response = await (endpoint ?? (await addressedEndpoint(msg, env, 'call'))).send(request);
        msg.axis2.set('HTTP_SC', response.status);
        if (target === undefined) {
          msg.adopt(response);
          return 'continue';
        }
        msg.properties.set(target, await payloadValue(response));
        return 'continue';
      },
    };
  },
};

/** The source written at `node`; null when it is wrong (reported). */
function parseSource(node: ConfigNode): Source | null {
  node.allowAttributes('type', 'contentType', 'clone');
  const type = node.oneOf(node.attr('type') ?? 'custom', ['custom', 'inline', 'property', 'body'] as const, 'type');
  if (type === undefined) return null;
  if (type === 'body') {
    node.report('MOOR_ERR_UNSUPPORTED', '<source type="body"> is the message as it is: leave the <source> out');
    return null;
  }
  if (type === 'inline') {
    const elements = childElements(node.el);
    if (elements.length) return { kind: 'xml', xml: elements.map((e) => serialize(e, new Map([['xml', NS.xml]]))).join('') };
    const text = node.text;
    if (isJson(text)) return { kind: 'json', json: text };
    node.report('MOOR_ERR_BAD_VALUE', '<source type="inline"> holds neither XML elements nor JSON');
    return null;
  }
  const text = node.text;
  if (text === '') {
    node.report('MOOR_ERR_MISSING_ATTRIBUTE', `<source type="${type}"> needs ${type === 'property' ? 'a property name' : 'an XPath or json-eval() expression'} as its text`);
    return null;
  }
  if (type === 'property') return { kind: 'property', name: text };
  const path = jsonEvalPath(text);
  if (path !== undefined) {
    try {
      return { kind: 'json-eval', path: new JsonPath(path) };
    } catch (e) {
      node.report('MOOR_ERR_BAD_VALUE', (e as Error).message);
      return null;
    }
  }
  const expr = compileExpression(node, text);
  return expr ? { kind: 'xpath', expr } : null;
}

/** The property a <target> names; null when it is wrong (reported). */
function parseTarget(node: ConfigNode): string | null {
  node.allowAttributes('type');
  const type = node.attr('type') ?? 'property';
  if (type !== 'property') {
    node.report(type === 'body' ? 'MOOR_ERR_UNSUPPORTED' : 'MOOR_ERR_BAD_VALUE', `<target type="${type}">: moor stores a call's response in a property (type="property"); without a <target> it becomes the message`);
    return null;
  }
  if (node.text === '') {
    node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<target type="property"> needs the property name as its text');
    return null;
  }
  return node.text;
}

/** The request a <source> makes from `msg`. */
async function requestFrom(msg: MessageContext, source: Source): Promise<MessageContext> {
  switch (source.kind) {
    case 'json':
      return requestCopy(msg, { json: source.json });
    case 'json-eval':
      return requestCopy(msg, { json: await source.path.json(msg) });
    case 'xml':
      return requestCopy(msg, { envelope: await envelopeWith(msg, parseFragment(await msg.envelopeDom(), source.xml, 'the inline source')) });
    case 'xpath': {
      const nodes = (await source.expr.nodes(msg, { wholeEnvelope: true })).filter((n) => n.nodeType === 1);
      if (!nodes.length) throw new MoorError('MOOR_ERR_MEDIATION', `<call><source>: "${source.expr.text}" selects no element`);
      return requestCopy(msg, { envelope: await envelopeWith(msg, nodes) });
    }
    case 'property': {
      const value = msg.properties.get(source.name);
      if (value instanceof XmlValue) return requestCopy(msg, { envelope: await envelopeWith(msg, parseFragment(await msg.envelopeDom(), value.xml, `property ${source.name}`)) });
      const text = value === undefined ? undefined : String(value);
      if (text === undefined || !isJson(text)) throw new MoorError('MOOR_ERR_MEDIATION', `<call><source type="property">: the property "${source.name}" holds ${text === undefined ? 'nothing' : 'neither XML nor JSON'}`);
      return requestCopy(msg, { json: text });
    }
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A copy of the whole message as a request (its bytes read into memory, bounded by maxMessageBytes). */
async function wholeCopy(msg: MessageContext): Promise<MessageContext> {
  const text = (await msg.body.readAll()).toString('utf8');
  return requestCopy(msg, msg.body.opaque ? { opaque: text } : { envelope: text });
}

/** What a target property holds: an XML response's payload as XML, anything else as its text. */
async function payloadValue(response: MessageContext): Promise<unknown> {
  if (response.body.opaque) return (await response.body.readAll()).toString('utf8');
  const first = firstElement(soapBody(await response.envelopeDom()));
  return first ? new XmlValue(String(first)) : '';
}
