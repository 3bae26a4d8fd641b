/**
 * One-way sends, as WSO2's OUT_ONLY (default scope) and FORCE_SC_ACCEPTED (axis2 scope) make them: the
 * backend's answer is not passed on (no out sequence runs; its body is dropped, freeing the connection),
 * and the client, whom nothing else answered, gets 202 Accepted when the request flow ends.
 */
import { type MessageContext } from '../message/context.ts';
import { DEFAULT_LIMITS } from '../message/limits.ts';
import { MessageBody } from '../message/message-body.ts';

/** A property set to true (a BOOLEAN, or the text "true"). */
function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');
}

/** Whether a send of `msg` is one-way. */
export function isOneWay(msg: MessageContext): boolean {
  return isTrue(msg.properties.get('OUT_ONLY')) || isTrue(msg.axis2.get('FORCE_SC_ACCEPTED'));
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
  const empty = request.derive('response', new Map(), new MessageBody(Buffer.alloc(0), DEFAULT_LIMITS, 0, 'trusted'));
  empty.status = 202;
  await empty.respondToClient();
}
