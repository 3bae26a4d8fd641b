/**
 * <loopback/>
 *
 * Ends the request path and runs the response path with the current message: the proxy's out
 * sequence (or main's <out>), whose end answers the client. The usual way to answer from the in
 * sequence with a message built there (payloadFactory, makefault) while still running the out sequence.
 * In the response path it does nothing.
 */
import { headerValue } from '../message/context.ts';
import { contentTypeOf } from '../xml/soap.ts';
import { type MediatorDefinition } from './mediator.ts';

export const loopback: MediatorDefinition = {
  name: 'loopback',
  parse(node) {
    node.allowAttributes('description');
    return {
      kind: 'loopback',
      loc: node.loc,
      async mediate(msg, env) {
        if (msg.direction === 'response') return 'continue';
        // header changes live beside the original bytes until the body is read in; the response
        // re-reads its head from the bytes, so they are folded in first
        if (msg.parsedHead?.changed) await msg.envelopeView();
        const transport = new Map<string, string | string[]>([['content-type', headerValue(msg.transport, 'content-type') ?? contentTypeOf(msg.version)]]);
        const response = msg.derive('response', transport, msg.body);
        response.status = msg.status;
        env.trace('loopback');
        await env.onResponse(response);
        return 'stop';
      },
    };
  },
};
