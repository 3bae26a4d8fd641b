/**
 * A session dispatcher: how a message names its session. Client-initiated sessions carry their key from
 * the first request (a ClientID header); server-initiated ones learn it from the first response (a
 * Set-Cookie, a ServiceGroupId reference parameter) and see it in every later request.
 */
import { type MessageContext } from '../message/context.ts';
import { type MaybePromise } from '../maybe-promise.ts';

export interface SessionDispatcher {
  /** Who creates the session id. */
  readonly initiator: 'client' | 'server';
  /** A short description for logs, e.g. `http cookie JSESSIONID`. */
  readonly description: string;
  /** The session key a request carries, if any; at once, or as a promise. */
  keyOfRequest(request: MessageContext): MaybePromise<string | undefined>;
  /** Server-initiated only: the session key a response creates, if any. */
  keyOfResponse?(response: MessageContext): Promise<string | undefined>;
}
