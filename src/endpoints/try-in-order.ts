/**
 * The one "try members in order" loop of moor: a group without a session, a new session, and a session
 * moved off a member that is down all send through it. Only a failure that left the backend untouched
 * moves on to the next member, and only while the body can still be sent again.
 */
import { type MessageContext } from '../message/context.ts';
import { isPromiseLike } from '../maybe-promise.ts';
import { type Endpoint, type SendOptions } from './endpoint.ts';
import { EndpointError } from './send-failure.ts';

/**
 * A member is sent to even when marked suspended: it is only tried when the order put it there (the
 * order puts suspended members last) or a session is bound to it (it may be back).
 */
export const FORCE: SendOptions = { force: true };

/** A member that answered, and its answer. */
export interface Answered {
  readonly response: MessageContext;
  readonly member: Endpoint;
}

/**
 * Sends `request` to `next()`'s member until one answers; each member that could not be connected to is
 * added to `failed` (which `next` may read to choose the one after it). Resolves to undefined when `next`
 * has no member left; rejects with the failure that may not move on, or with any failure when `moveOn`
 * is false (failover="false").
 */
export async function firstToAnswer(
  request: MessageContext,
  next: () => Endpoint | undefined | PromiseLike<Endpoint | undefined>,
  failed: Set<Endpoint>,
  moveOn = true,
): Promise<Answered | undefined> {
  for (;;) {
    const picked = next();
    // (a member picked at once is not awaited: that would cost a turn of the microtask queue)
    const member = isPromiseLike(picked) ? await picked : picked;
    if (!member) return undefined;
    try {
      return { response: await member.send(request, FORCE), member };
    } catch (e) {
      if (!moveOn || !canTryNext(e, request)) throw e;
      failed.add(member);
    }
  }
}

/** The members of `order` one after the other, as `next` for {@link firstToAnswer}. */
export function inTurn(order: readonly Endpoint[]): () => Endpoint | undefined {
  let i = 0;
  return () => order[i++];
}

/** True when `e` is a failure that left the backend untouched and the body can be sent again. */
export function canTryNext(e: unknown, request: MessageContext): boolean {
  return e instanceof EndpointError && e.retryable && request.body.replayable && !request.abort.aborted;
}

/** The labels of `members`, for the error that says which were tried. */
export function triedLabels(members: ReadonlySet<Endpoint>): string {
  return members.size ? ` (tried ${[...members].map((m) => m.label).join(', ')})` : '';
}
