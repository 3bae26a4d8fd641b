/**
 * Synapse's `soap` session type: the backend (Axis2 with a soapsession-scoped service) answers with
 * wsa:ReplyTo/wsa:ReferenceParameters/axis2:ServiceGroupId, and the client sends that id back as the SOAP
 * header axis2:ServiceGroupId. Both WS-Addressing namespaces are accepted. Another reference parameter
 * can be named instead of ServiceGroupId.
 */
import { type MessageContext } from '../message/context.ts';
import { childIn, childNamed, textOf } from '../xml/element.ts';
import { NS, type QName, WSA_NAMESPACES } from '../xml/names.ts';
import { type SessionDispatcher } from './dispatcher.ts';

export const SERVICE_GROUP_ID: QName = { uri: NS.axis2, local: 'ServiceGroupId' };

export function soapServiceGroup(parameter: QName = SERVICE_GROUP_ID): SessionDispatcher {
  return {
    initiator: 'server',
    description: `soap reference parameter {${parameter.uri}}${parameter.local}`,
    async keyOfRequest(msg: MessageContext) {
      const block = (await msg.head()).block(parameter);
      const v = block && textOf(block).trim();
      return v || undefined;
    },
    async keyOfResponse(msg: MessageContext) {
      const head = await msg.head();
      const replyTo = head.blockIn(WSA_NAMESPACES, 'ReplyTo');
      const params = replyTo && childIn(replyTo, WSA_NAMESPACES, 'ReferenceParameters');
      const id = params && childNamed(params, parameter);
      const v = id && textOf(id).trim();
      return v || undefined;
    },
  };
}
