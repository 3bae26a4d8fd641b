/**
 * Property look-up by scope, with Synapse's well-known properties (To, Action, MessageID, ReplyTo,
 * SOAPAction, SYSTEM_DATE, MESSAGE_FORMAT) computed from the message.
 */
import { headerValue, type MessageContext } from '../message/context.ts';
import { funcParam } from './func-scope.ts';

export type Scope = 'default' | 'transport' | 'axis2' | 'func';

/** The value of property `name` in `scope`, or undefined. */
export function readProperty(msg: MessageContext, scope: Scope, name: string): unknown {
  if (scope === 'transport') return headerValue(msg.transport, name);
  if (scope === 'axis2') return msg.axis2.get(name);
  if (scope === 'func') return funcParam(msg, name);
  if (msg.properties.has(name)) return msg.properties.get(name);
  return wellKnown(msg, name);
}

function wellKnown(msg: MessageContext, name: string): string | undefined {
  const wsa = msg.parsedHead?.addressing;
  switch (name) {
    case 'To':
      return wsa?.to ?? msg.axis2.transportInUrl;
    case 'Action':
      return wsa?.action ?? soapAction(msg);
    case 'SOAPAction':
      return soapAction(msg);
    case 'MessageID':
      // without WS-Addressing, Axis2 gives each message a urn:uuid id, which Synapse reports
      return wsa?.messageId ?? `urn:uuid:${msg.id}`;
    case 'ReplyTo':
      return wsa?.replyTo;
    case 'RelatesTo':
      return wsa?.relatesTo;
    case 'SYSTEM_DATE':
      return new Date().toISOString();
    case 'MESSAGE_FORMAT':
      return msg.version === '1.2' ? 'soap12' : 'soap11';
    case 'SYSTEM_TIME':
      return String(Date.now());
    default:
      return undefined;
  }
}

/** The SOAP action from SOAPAction (1.1) or the action parameter of Content-Type (1.2). */
export function soapAction(msg: MessageContext): string | undefined {
  const sa = headerValue(msg.transport, 'soapaction');
  if (sa !== undefined) return sa.replace(/^"(.*)"$/, '$1');
  const ct = headerValue(msg.transport, 'content-type') ?? '';
  const m = /;\s*action\s*=\s*"?([^";]*)"?/i.exec(ct);
  return m?.[1];
}
