/**
 * <header name="p:Local" [action="set|remove"] [scope="default|transport"]
 *         (value="literal" | expression="xpath") xmlns:p="…"/>
 * <header [action="set"]> <p:Block xmlns:p="…">inline XML</p:Block> </header>
 * <header name="To|From|FaultTo|ReplyTo|Action|MessageID|RelatesTo" (value="…" | expression="…" | action="remove")/>
 *
 * Sets (replacing blocks of the same name) or removes a SOAP header block, working on the envelope head
 * only so that the body keeps streaming. A block is named by a prefixed QName, or given whole as the
 * inline child. The unprefixed WS-Addressing names set the WS-Addressing header in the namespace the
 * message already uses (2005/08 otherwise); `Action` also sets the SOAP action (SOAPAction for SOAP 1.1,
 * the action parameter of Content-Type for SOAP 1.2). With scope="transport" it sets or removes an HTTP
 * header instead.
 */
import { type SourceLoc } from '../errors.ts';
import { headerValue, type MessageContext } from '../message/context.ts';
import { type EnvelopeHead } from '../message/envelope-head.ts';
import { childElements, element, type XmlElement, type XmlNode } from '../xml/element.ts';
import { NS, type QName, splitPrefixed, WSA_NAMESPACES } from '../xml/names.ts';
import { checkedHeaderValue, checkHeaderAtLoad } from './header-value.ts';
import { type MediatorDefinition, type Outcome } from './mediator.ts';
import { valueSource } from './value.ts';

const WSA_TEXT = ['To', 'Action', 'MessageID', 'RelatesTo'];
const WSA_EPR = ['From', 'FaultTo', 'ReplyTo'];

export const header: MediatorDefinition = {
  name: 'header',
  parse(node) {
    node.allowAttributes('name', 'action', 'scope', 'value', 'expression', 'description');
    const action = node.oneOf(node.attr('action'), ['set', 'remove'] as const, 'action') ?? 'set';
    const scope = node.oneOf(node.attr('scope'), ['default', 'transport'] as const, 'scope') ?? 'default';
    const inline = childElements(node.el)[0];
    const name = inline && action === 'set' && scope === 'default' ? node.attr('name') : node.required('name');
    const source = action === 'set' && !inline ? valueSource(node) : undefined;
    if (name === undefined && !inline) return undefined;

    if (scope === 'transport') {
      if (name === undefined) return undefined;
      const key = name.toLowerCase();
      if (action === 'set') checkHeaderAtLoad(node, name, node.attr('value'));
      const loc = node.loc;
      const what = `<header name="${name}" scope="transport">`;
      return {
        kind: 'header',
        loc,
        async mediate(msg): Promise<Outcome> {
          if (action === 'remove') msg.transport.delete(key);
          else msg.transport.set(key, checkedHeaderValue(source ? await source(msg) : '', name, msg.body.limits.maxHeaderValueBytes, loc, what));
          return 'continue';
        },
      };
    }

    if (inline && action === 'set') {
      return {
        kind: 'header',
        loc: node.loc,
        async mediate(msg): Promise<Outcome> {
          // each message gets its own copy: the head it joins may be changed again later
          (await msg.head()).setBlock(structuredClone(inline));
          return 'continue';
        },
      };
    }

    const { prefix, local } = splitPrefixed(name ?? '');
    let qname: QName | undefined;
    if (prefix) {
      const uri = node.scope.get(prefix);
      if (uri === undefined) node.report('MOOR_ERR_BAD_VALUE', `the prefix "${prefix}" of header name "${name}" is not declared`);
      else qname = { uri, local };
    } else if (!WSA_TEXT.includes(local) && !WSA_EPR.includes(local)) {
      node.report('MOOR_ERR_BAD_VALUE', `header name "${local}" needs a namespace prefix (p:${local} with xmlns:p="…"), or is one of ${[...WSA_TEXT, ...WSA_EPR].join(', ')}`);
      return undefined;
    }
    return {
      kind: 'header',
      loc: node.loc,
      async mediate(msg): Promise<Outcome> {
        // the value first: an expression that reads the body re-parses the message, and with it the head
        const value = source ? await source(msg) : '';
        const head = await msg.head();
        if (qname) {
          if (action === 'remove') head.removeBlock(qname);
          else head.setBlock(element(qname, prefix, [{ type: 'text', value }]));
          return 'continue';
        }
        setAddressing(msg, head, local, action === 'remove' ? undefined : value, node.loc, '<header name="Action">');
        return 'continue';
      },
    };
  },
};

/**
 * Sets the WS-Addressing header `local` (To, Action, MessageID, RelatesTo, From, FaultTo, ReplyTo) in
 * the namespace the message already uses (2005/08 otherwise), or removes it (`value` undefined).
 * Action also sets the SOAP action; `loc` and `what` name the setter when that value cannot be an
 * HTTP header's. Also used by <script> (mc.setTo…).
 */
export function setAddressing(msg: MessageContext, head: EnvelopeHead, local: string, value: string | undefined, loc: SourceLoc, what: string): void {
  const used = head.blocks.find((b) => WSA_NAMESPACES.includes(b.name.uri));
  const uri = used?.name.uri ?? NS.wsa;
  const wsaPrefix = used?.prefix || 'wsa';
  if (value === undefined) {
    for (const u of WSA_NAMESPACES) head.removeBlock({ uri: u, local });
    if (local === 'Action') setSoapAction(msg, undefined);
    return;
  }
  if (local === 'Action') {
    // (the action also goes into an HTTP header: SOAPAction, or Content-Type's action parameter)
    setSoapAction(msg, checkedHeaderValue(value, 'SOAPAction', msg.body.limits.maxHeaderValueBytes, loc, what));
    // a message without WS-Addressing carries its action in SOAPAction alone
    if (!used) return;
  }
  const text: XmlNode = { type: 'text', value };
  const content: XmlNode[] = WSA_EPR.includes(local) ? [element({ uri, local: 'Address' }, wsaPrefix, [text])] : [text];
  head.setBlock(element({ uri, local }, wsaPrefix, content) as XmlElement);
}

/** Sets (or removes) the SOAP action the way the message's SOAP version carries it. */
export function setSoapAction(msg: MessageContext, action: string | undefined): void {
  if (msg.version === '1.1') {
    if (action === undefined) msg.transport.delete('soapaction');
    else msg.transport.set('soapaction', `"${action}"`);
    return;
  }
  const ct = headerValue(msg.transport, 'content-type') ?? 'application/soap+xml; charset=utf-8';
  const without = ct.replace(/;\s*action\s*=\s*("[^"]*"|[^;]*)/i, '');
  msg.transport.set('content-type', action === undefined ? without : `${without}; action="${action}"`);
}
