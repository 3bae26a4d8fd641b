/**
 * <respond/>
 *
 * Sends the current message back to the client and stops: in the request path this answers the client
 * with the (possibly rewritten) request, e.g. after <makefault> or <payloadFactory>.
 */
import { type MediatorDefinition, type Outcome } from './mediator.ts';

export const respond: MediatorDefinition = {
  name: 'respond',
  parse(node) {
    node.allowAttributes('description');
    return {
      kind: 'respond',
      loc: node.loc,
      async mediate(msg): Promise<Outcome> {
        await msg.respondToClient();
        return 'stop';
      },
    };
  },
};
