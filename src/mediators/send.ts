/**
 * <send [receive="sequenceKey"]>
 *   <endpoint …/>?         inline, or <endpoint key="name"/>, or dynamic: <endpoint key="{xpath}"/> |
 *                          <endpoint key-expression="xpath"/> (evaluated per message, dynamic-key.ts)
 * </send>
 *
 * In the request path: sends the message to the endpoint (or, with none, to its WS-Addressing To
 * address; to a <recipientlist>, a copy to each recipient: recipient-send.ts) and runs the response path on the answer: the `receive` sequence if named, else the proxy's
 * out sequence or the main sequence's <out>. In the response path (or after <makefault
 * response="true">): sends the message back to the client.
 */
import { MoorError } from '../errors.ts';
import { parseEndpoint } from '../config/endpoint-def.ts';
import { isPromiseLike } from '../maybe-promise.ts';
import { type Endpoint } from '../endpoints/endpoint.ts';
import { type SequenceLink } from './links.ts';
import { type MessageContext } from '../message/context.ts';
import { type MediationEnv, type MediatorDefinition, type Outcome } from './mediator.ts';
import { dynamicEndpoint } from './dynamic-key.ts';
import { isOneWay, sendOneWay } from './one-way.ts';
import { runSequence } from './sequence-runner.ts';
import { RecipientListEndpoint } from '../endpoints/recipient-list.ts';
import { sendToRecipients } from './recipient-send.ts';

export const send: MediatorDefinition = {
  name: 'send',
  parse(node, ctx) {
    node.allowAttributes('receive', 'buildmessage', 'description');
    node.allowChildren('endpoint');
    const epNode = node.child('endpoint');
    const dynamic = dynamicEndpoint(epNode);
    if (dynamic === null) return undefined;
    const def = epNode && !dynamic ? parseEndpoint(epNode) : undefined;
    const link = def && epNode ? ctx.endpoint(def, epNode) : undefined;
    const receiveKey = node.attr('receive');
    const receive = receiveKey !== undefined ? ctx.sequenceRef(receiveKey, node) : undefined;
    return {
      kind: 'send',
      loc: node.loc,
      // (not async: sending back to the client a message in memory is done at once)
      mediate(msg, env): Outcome | Promise<Outcome> {
        if (msg.direction === 'response' || msg.properties.response) {
          const sent = msg.respondToClient();
          return sent ? sent.then(CONTINUE) : 'continue';
        }
        if (dynamic) return dynamic.string(msg).then((key) => forward(msg, env, env.endpoints.ofKey(key), receive));
        return forward(msg, env, link?.endpoint, receive);
      },
    };
  },
};

const CONTINUE = (): Outcome => 'continue';

/**
 * Sends a request to its endpoint (none: its To address) and runs the response path on the answer.
 * (The common case, an endpoint of its own and no receive sequence, takes the answer in a
 * continuation: no frame stays suspended while the backend works.)
 */
function forward(msg: MessageContext, env: MediationEnv, endpoint: Endpoint | undefined, receive: SequenceLink | undefined): Promise<Outcome> {
  if (endpoint instanceof RecipientListEndpoint) {
    const onReply = receive ? (r: MessageContext) => runSequence(receive.sequence, r, env) : (r: MessageContext) => env.onResponse(r);
    return sendToRecipients(msg, env, endpoint, isOneWay(msg), onReply);
  }
  if (isOneWay(msg)) return oneWay(msg, env, endpoint);
  if (!endpoint || receive !== undefined) return forwardAndReceive(msg, env, endpoint, receive);
  return endpoint.send(msg).then((response) => answered(env, response));
}

/** OUT_ONLY / FORCE_SC_ACCEPTED: the client gets 202 at once, the send goes on without it (one-way.ts). */
async function oneWay(msg: MessageContext, env: MediationEnv, endpoint: Endpoint | undefined): Promise<Outcome> {
  await sendOneWay(msg, env, endpoint ?? (await addressedEndpoint(msg, env, 'send')));
  return 'continue';
}

/** The response path for an answer; at once when nothing in it waits. */
function answered(env: MediationEnv, response: MessageContext): Outcome | Promise<Outcome> {
  const done = env.onResponse(response);
  return isPromiseLike(done) ? Promise.resolve(done).then(CONTINUE) : 'continue';
}

async function forwardAndReceive(msg: MessageContext, env: MediationEnv, endpoint: Endpoint | undefined, receive: SequenceLink | undefined): Promise<Outcome> {
  const response = await (endpoint ?? (await addressedEndpoint(msg, env, 'send'))).send(msg);
  if (receive === undefined) return answered(env, response);
  await runSequence(receive.sequence, response, env);
  await response.respondToClient();
  return 'continue';
}

/** Where a <send> or <call> without an endpoint of its own goes: the message's WS-Addressing To address. */
export async function addressedEndpoint(msg: MessageContext, env: MediationEnv, mediator: string): Promise<Endpoint> {
  const to = (await msg.head()).addressing.to;
  if (!to || !/^https?:\/\//.test(to)) {
    throw new MoorError('MOOR_ERR_NO_ENDPOINT', `<${mediator}/> without an endpoint needs a WS-Addressing To header with an http(s) address`);
  }
  return env.endpoints.forAddress(to);
}
