/**
 * <callout [serviceURL="http(s)://…" | endpointKey="name"] [action="soap action"]
 *          [initAxis2ClientOptions="true|false"] [useServerConfig="…"]>
 *   <endpoint …/>?          inline, or <endpoint key="name"/> (instead of serviceURL / endpointKey)
 *   <configuration [axis2xml="…"] [repository="…"]/>?
 *   <source xpath="xpath" | key="property or local entry" | type="envelope"/>?
 *   <target xpath="xpath" | key="property"/>?
 * </callout>
 *
 * Synapse's blocking service call, as its CalloutMediator does it: a copy of the message (its SOAP
 * headers, transport headers and properties) goes to the service with its Body holding only the
 * request payload, and the mediation goes on in the same sequence with the answer put where <target>
 * says.
 *
 * - The request payload: the first element `xpath` selects (default `s11:Body/child::*[1]` or its SOAP
 *   1.2 twin, i.e. the Body's first element), or the XML held by property or local entry `key`, or with
 *   type="envelope" the whole envelope as it is. `action` is the request's SOAPAction.
 * - The service: `serviceURL` (an address endpoint of its own, with Synapse's default suspension), a
 *   named endpoint `endpointKey` or an <endpoint> child (any endpoint: a sticky group keeps its
 *   sessions), or with none of them the message's WS-Addressing To address.
 * - The answer: its Body's first element replaces the first node target `xpath` selects, or is stored
 *   as XML in the default-scope property `key`; with no <target>, the answer replaces the whole
 *   message. $axis2:HTTP_SC is the answer's status. A failed call (unreachable, timed out, suspended)
 *   is a mediation error with Synapse's endpoint ERROR_CODE, for onError / the fault sequence.
 *
 * Axis2 client options have no meaning in moor: initAxis2ClientOptions, useServerConfig and
 * <configuration> are accepted without effect (a MOOR_WARN_NO_EFFECT warning); <enableSec>
 * (WS-Security) is refused.
 */
import { MoorError } from '../errors.ts';
import { type ConfigNode } from '../config/node.ts';
import { type Expression } from '../expr/expression.ts';
import { type MessageContext } from '../message/context.ts';
import { commitDom, firstElement, parseFragment, soapBody } from './dom.ts';
import { type EndpointLink } from './links.ts';
import { envelopeWith, requestCopy } from './request-copy.ts';
import { type MediatorDefinition, type Outcome } from './mediator.ts';
import { addressedEndpoint } from './send.ts';
import { compileExpression } from './value.ts';
import { XmlValue } from '../xml/xml-value.ts';
import { type EntryValue, entryText } from '../config/local-entry.ts';
import { DEFAULT_FAILURE } from '../config/endpoint-failure-def.ts';
import { parseEndpoint } from '../config/endpoint-def.ts';
import { isHttpUrl, otherTransport } from '../config/leaf-endpoint.ts';

type Source = { readonly kind: 'xpath'; readonly expr: Expression } | { readonly kind: 'key'; readonly key: string } | { readonly kind: 'envelope' } | { readonly kind: 'body' };
type Target = { readonly kind: 'xpath'; readonly expr: Expression } | { readonly kind: 'key'; readonly key: string } | { readonly kind: 'message' };

export const callout: MediatorDefinition = {
  name: 'callout',
  parse(node, ctx) {
    node.allowAttributes('serviceURL', 'endpointKey', 'action', 'initAxis2ClientOptions', 'useServerConfig', 'description');
    node.allowChildren('endpoint', 'configuration', 'source', 'target', 'enableSec', 'description');
    for (const a of ['initAxis2ClientOptions', 'useServerConfig']) {
      if (node.attr(a) !== undefined) node.warn('MOOR_WARN_NO_EFFECT', `${a} (an Axis2 client option) has no effect in moor`);
    }
    const configuration = node.child('configuration');
    configuration?.allowAttributes('axis2xml', 'repository');
    configuration?.warn('MOOR_WARN_NO_EFFECT', '<configuration> (an Axis2 client repository) has no effect in moor');
    node.child('enableSec')?.report('MOOR_ERR_UNSUPPORTED', '<enableSec> (WS-Security on the callout) is not supported');
    const serviceURL = node.attr('serviceURL');
    const endpointKey = node.attr('endpointKey');
    const epNode = node.child('endpoint');
    let link: EndpointLink | undefined;
    if ([serviceURL, endpointKey, epNode].filter((v) => v !== undefined).length > 1) node.report('MOOR_ERR_BAD_VALUE', '<callout> takes one of serviceURL, endpointKey or an <endpoint>');
    else if (epNode) {
      const def = parseEndpoint(epNode);
      if (def) link = ctx.endpoint(def, epNode);
    }
    else if (serviceURL !== undefined) {
      if (!isHttpUrl(serviceURL)) node.report(otherTransport(serviceURL) !== undefined ? 'MOOR_ERR_UNSUPPORTED' : 'MOOR_ERR_BAD_VALUE', `serviceURL "${serviceURL}" is not an http(s) URL (moor's only transports)`);
      else link = ctx.endpoint({ kind: 'address', loc: node.loc, name: undefined, uri: serviceURL, format: undefined, addressing: false, failure: DEFAULT_FAILURE, draining: false, weight: 1 }, node);
    } else if (endpointKey !== undefined) link = ctx.endpoint({ kind: 'ref', loc: node.loc, key: endpointKey }, node);
    const action = node.attr('action');
    const source = parseSource(node.child('source'));
    const target = parseTarget(node.child('target'));
    if (!source || !target) return undefined;
    const loc = node.loc;
    return {
      kind: 'callout',
      loc,
      async mediate(msg, env): Promise<Outcome> {
        const request = await requestOf(msg, source, ctx.entryAtRunTime.bind(ctx));
        if (action !== undefined) request.transport.set('soapaction', `"${action}"`);
        const endpoint = link?.endpoint ?? (await addressedEndpoint(msg, env, 'callout'));
        const answer = await endpoint.send(request);
        msg.axis2.set('HTTP_SC', answer.status);
        if (target.kind === 'message') {
          msg.adopt(answer);
          return 'continue';
        }
        const result = firstElement(soapBody(await answer.envelopeDom()));
        if (target.kind === 'key') {
          msg.properties.set(target.key, result ? new XmlValue(String(result)) : '');
          return 'continue';
        }
        const doc = await msg.envelopeDom();
        const place = (await target.expr.nodes(msg, { wholeEnvelope: true }))[0];
        if (!place?.parentNode) throw new MoorError('MOOR_ERR_MEDIATION', `<callout> at line ${loc.line}: the target xpath "${target.expr.text}" selects no node to replace`);
        if (result) place.parentNode.insertBefore(doc.importNode(result, true), place);
        place.parentNode.removeChild(place);
        commitDom(msg, doc);
        return 'continue';
      },
    };
  },
};

function parseSource(node: ConfigNode | undefined): Source | undefined {
  if (!node) return { kind: 'body' };
  node.allowAttributes('xpath', 'key', 'type');
  const type = node.oneOf(node.attr('type'), ['envelope'] as const, 'type');
  const xpath = node.attr('xpath');
  const key = node.attr('key');
  if ([type, xpath, key].filter((v) => v !== undefined).length > 1) {
    node.report('MOOR_ERR_BAD_VALUE', '<source> takes one of xpath, key or type="envelope"');
    return undefined;
  }
  if (type === 'envelope') return { kind: 'envelope' };
  if (key !== undefined) return { kind: 'key', key };
  if (xpath !== undefined) {
    const expr = compileExpression(node, xpath);
    return expr && { kind: 'xpath', expr };
  }
  return { kind: 'body' };
}

function parseTarget(node: ConfigNode | undefined): Target | undefined {
  if (!node) return { kind: 'message' };
  node.allowAttributes('xpath', 'key');
  const xpath = node.attr('xpath');
  const key = node.attr('key');
  if (xpath !== undefined && key !== undefined) {
    node.report('MOOR_ERR_BAD_VALUE', '<target> takes xpath or key, not both');
    return undefined;
  }
  if (key !== undefined) return { kind: 'key', key };
  if (xpath !== undefined) {
    const expr = compileExpression(node, xpath);
    return expr && { kind: 'xpath', expr };
  }
  node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<target> needs xpath or key');
  return undefined;
}

/** The request: a copy of `msg` whose Body holds only the source's payload, as Synapse clones the message and empties its Body. */
async function requestOf(msg: MessageContext, source: Source, entry: (key: string) => EntryValue | undefined): Promise<MessageContext> {
  if (source.kind === 'envelope') return requestCopy(msg, { envelope: String((await msg.envelopeDom()).documentElement) });
  const payload = await payloadOf(msg, source, await msg.envelopeDom(), entry);
  return requestCopy(msg, { envelope: await envelopeWith(msg, payload) });
}

/** The request payload's nodes (owned by `doc` or parsed for it). */
async function payloadOf(msg: MessageContext, source: Exclude<Source, { kind: 'envelope' }>, doc: Document, entry: (key: string) => EntryValue | undefined): Promise<Node[]> {
  if (source.kind === 'body') {
    const first = firstElement(soapBody(doc));
    return first ? [first] : [];
  }
  if (source.kind === 'xpath') {
    const first = (await source.expr.nodes(msg, { wholeEnvelope: true })).find((n) => n.nodeType === 1);
    if (!first) throw new MoorError('MOOR_ERR_MEDIATION', `<callout>: the source xpath "${source.expr.text}" selects no element`);
    return [first];
  }
  const value = msg.properties.get(source.key);
  const xml = value instanceof XmlValue ? value.xml : value === undefined ? entryXml(entry(source.key)) : undefined;
  if (xml === undefined) throw new MoorError('MOOR_ERR_MEDIATION', `<callout>: the source key "${source.key}" names no property or local entry holding XML`);
  return parseFragment(doc, xml, `the callout source "${source.key}"`).filter((n) => n.nodeType === 1).slice(0, 1);
}

function entryXml(value: EntryValue | undefined): string | undefined {
  return value === undefined ? undefined : entryText(value);
}
