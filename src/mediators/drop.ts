/**
 * <drop/>
 *
 * Stops the message. A client still waiting for an answer gets HTTP 202 with no body.
 */
import { MessageBody } from '../message/message-body.ts';
import { type MediatorDefinition, type Outcome } from './mediator.ts';

export const drop: MediatorDefinition = {
  name: 'drop',
  parse(node) {
    node.allowAttributes('description');
    return {
      kind: 'drop',
      loc: node.loc,
      async mediate(msg): Promise<Outcome> {
        if (!msg.replied) {
          const empty = msg.derive('response', new Map(), new MessageBody(Buffer.alloc(0), msg.body.limits, 0, 'trusted'));
          empty.status = 202;
          await empty.respondToClient();
        }
        return 'stop';
      },
    };
  },
};
