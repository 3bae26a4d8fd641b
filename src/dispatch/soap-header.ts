/**
 * Client-initiated affinity on a SOAP header block: the first message that carries a new value binds
 * it. `simpleClientSession` is this dispatcher on Synapse's syn:ClientID; type="header" names any block.
 */
import { type MessageContext } from '../message/context.ts';
import { type EnvelopeHead } from '../message/envelope-head.ts';
import { textOf } from '../xml/element.ts';
import { NS, type QName } from '../xml/names.ts';
import { type SessionDispatcher } from './dispatcher.ts';

export const CLIENT_ID: QName = { uri: NS.synapse, local: 'ClientID' };

export function soapHeader(name: QName): SessionDispatcher {
  return {
    initiator: 'client',
    description: `soap header {${name.uri}}${name.local}`,
    keyOfRequest(msg: MessageContext) {
      // the gateway has parsed the head before routing: the key is there at once
      const head = msg.parsedHead;
      return head ? keyIn(head, name) : msg.head().then((h) => keyIn(h, name));
    },
  };
}

/** The trimmed text of the block named `name`, if it is there and not empty. */
function keyIn(head: EnvelopeHead, name: QName): string | undefined {
  const block = head.block(name);
  const v = block && textOf(block).trim();
  return v || undefined;
}

/** Synapse's simpleClientSession: the syn:ClientID header. */
export function clientId(): SessionDispatcher {
  return soapHeader(CLIENT_ID);
}
