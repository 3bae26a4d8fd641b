/**
 * One-way sends, as WSO2's OUT_ONLY (default scope) and FORCE_SC_ACCEPTED (axis2 scope) make them: the
 * client gets 202 Accepted with no body as soon as the request is on its way, before the backend
 * answers (or fails to: WSO2 answers 202 even when the backend is down, since its send is
 * asynchronous); the backend's answer is not passed on (no out sequence runs; its body is dropped,
 * freeing the connection).
 *
 * So that answering early loses nothing, the whole request is read in first (under maxMessageBytes)
 * and the send is given a copy of its own: a message that nothing the client does any more can abort
 * (its connection may close once it has its 202), that mediators after the <send> cannot change
 * under it, and that a failover group can send again to its next member. The send then goes on in
 * the background (MediationEnv.background): the endpoint registry keeps it until it ends (the
 * gateway's close waits for it), and a failure is logged and runs the fault sequence, as in WSO2.
 */
import { type Endpoint } from '../endpoints/endpoint.ts';
import { MessageAbort } from '../message/abort.ts';
import { MessageContext } from '../message/context.ts';
import { MessageBody } from '../message/message-body.ts';
import { Axis2Scope, DefaultScope } from '../message/property-scopes.ts';
import { type MediationEnv } from './mediator.ts';

/** A property set to true (a BOOLEAN, or the text "true"). */
function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');
}

/** Whether a send of `msg` is one-way. */
export function isOneWay(msg: MessageContext): boolean {
  return isTrue(msg.properties.get('OUT_ONLY')) || isTrue(msg.axis2.get('FORCE_SC_ACCEPTED'));
}

/**
 * Sends `msg` one-way to `endpoint`: read whole, answered 202, then sent in the background (above).
 * Resolves once the client has its 202; a request that cannot be read whole fails here, as a
 * two-way send of it would.
 */
export async function sendOneWay(msg: MessageContext, env: MediationEnv, endpoint: Endpoint): Promise<void> {
  const bytes = await wholeRequest(msg);
  const copy = oneWayCopy(msg, bytes);
  await accept(msg);
  env.background(copy, endpoint.send(copy).then(dropAnswer));
}

/** The request's bytes, read whole (its head committed first). */
export async function wholeRequest(msg: MessageContext): Promise<Buffer> {
  msg.commitHead();
  return Buffer.from(await msg.body.readAll());
}

/** A copy of `msg` with `bytes` (wholeRequest) for a one-way send: its own abort, properties and answer channel (dropped). */
export function oneWayCopy(msg: MessageContext, bytes: Buffer): MessageContext {
  const copy = new MessageContext('request', new Map(msg.transport), new MessageBody(bytes, msg.body.limits, bytes.length, 'trusted'), new MessageAbort(), msg.log, dropAnswer, {
    id: msg.id,
    properties: new DefaultScope(msg.properties),
    axis2: new Axis2Scope(msg.axis2),
    version: msg.version,
  });
  copy.body.opaque = msg.body.opaque;
  copy.session = msg.session;
  return copy;
}

/** Drops the answer a one-way send got. */
export async function dropAnswer(response: MessageContext): Promise<void> {
  await response.body.discard();
}

/**
 * Answers the client of a one-way send with 202 and no body, at once: the request is then answered, so
 * a proxy's target endpoint is not sent it a second time when its in sequence ends.
 */
export async function accept(request: MessageContext): Promise<void> {
  const empty = request.derive('response', new Map(), new MessageBody(Buffer.alloc(0), request.body.limits, 0, 'trusted'));
  empty.status = 202;
  await empty.respondToClient();
}
