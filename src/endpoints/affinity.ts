/**
 * Session affinity as a wrapper around an endpoint (a group, or a single endpoint as a pool of one):
 * the endpoint inside knows nothing of sessions, as an undici dispatcher knows nothing of the
 * interceptors around it. A scheme says which member a message's session is bound to, and what a new
 * or moved session does; this wrapper sends a bound session to its member and applies `onFailure` when
 * that member cannot be connected to, the same for every scheme:
 *
 * - a bound session goes to its member even if that member is marked suspended (it may be back), but
 *   not when its active health check holds it out: that counts as "cannot be connected to";
 * - `onFailure="rebind"` moves the session to a member that answers (the scheme's `move`) and keeps it
 *   there; `onFailure="fault"` answers with a fault and keeps the binding.
 *
 * The schemes: a binding table in the session store (sticky.ts) and a signed route cookie
 * (cookie-sessions.ts).
 */
import { type SessionDef } from '../config/session-def.ts';
import { MoorError } from '../errors.ts';
import { type MessageContext } from '../message/context.ts';
import { isPromiseLike, type MaybePromise } from '../maybe-promise.ts';
import { type Endpoint } from './endpoint.ts';
import { type Members } from './members.ts';
import { StandIn } from './stand-in.ts';
import { canTryNext, FORCE } from './try-in-order.ts';

/** Where a message's session is routed: its member when it is bound to one this gateway knows. */
export interface Route<S> {
  readonly member: Endpoint | undefined;
  /** The session as the scheme knows it (undefined: the message belongs to none yet). */
  readonly session: S;
  /** A binding to a member this gateway does not know (a table scheme's binding made elsewhere). */
  readonly stale?: string;
}

/** How sessions are bound and found: the binding table, or the route cookie. */
export interface AffinityScheme<S> {
  /** 'table': bindings live in the session store; 'cookie': in a cookie the client carries. */
  readonly kind: 'table' | 'cookie';
  /** The route of `request` (at once when it can be: the bound member's send is then handed on without an async frame). */
  route(request: MessageContext): MaybePromise<Route<S>>;
  /** Sends a message whose session is bound to no member (or to none this gateway knows). */
  sendNew(request: MessageContext, route: Route<S>): Promise<MessageContext>;
  /** Called with the bound member's answer before it goes back (a renewed cookie, a learnt session). */
  answered(request: MessageContext, response: MessageContext, member: Endpoint, session: S): MessageContext | Promise<MessageContext>;
  /** onFailure="rebind": moves the session off `from`, which cannot be connected to, and sends it. */
  move(request: MessageContext, session: S, from: Endpoint): Promise<MessageContext>;
  /** The session in a log line or a fault ("session 42", "the MOORROUTE session"). */
  describe(session: S): string;
}

export class SessionAffinity<S> extends StandIn {
  constructor(
    /** The endpoint wrapped: its members are where sessions are bound. */
    readonly inner: Members,
    readonly scheme: AffinityScheme<S>,
    private readonly onFailure: SessionDef['onFailure'],
  ) {
    super(inner);
  }

  /** (Not async: with the route at once, the usual case, the member's send is handed on as it is.) */
  send(request: MessageContext): Promise<MessageContext> {
    let route: MaybePromise<Route<S>>;
    try {
      route = this.scheme.route(request);
    } catch (e) {
      return Promise.reject(e);
    }
    return isPromiseLike(route) ? Promise.resolve(route).then((r) => this.follow(request, r)) : this.follow(request, route);
  }

  private follow(request: MessageContext, route: Route<S>): Promise<MessageContext> {
    return route.member ? this.sendBound(request, route.member, route.session) : this.scheme.sendNew(request, route);
  }

  /** (The answer is taken in a continuation, so no frame stays suspended while the backend works.) */
  private sendBound(request: MessageContext, member: Endpoint, session: S): Promise<MessageContext> {
    return member.send(request, FORCE).then(
      (response) => this.scheme.answered(request, response, member, session),
      (e: unknown) => this.boundFailed(request, member, session, e),
    );
  }

  /** The bound member could not be reached: the session's onFailure policy decides. */
  private boundFailed(request: MessageContext, member: Endpoint, session: S, e: unknown): Promise<MessageContext> {
    if (!canTryNext(e, request)) throw e;
    const what = this.scheme.describe(session);
    if (this.onFailure === 'fault') {
      throw new MoorError('MOOR_ERR_SESSION_ENDPOINT_DOWN', `${what} is bound to ${member.label}, which is down (onFailure="fault"): ${(e as Error).message}`, { cause: e });
    }
    request.log.warn(`${what}: ${member.id} is down, moving the session`, { component: 'session' });
    return this.scheme.move(request, session, member);
  }
}

/** The endpoint inside `e` when `e` is an affinity wrapper (the group operators and mocks know by name). */
export function unwrapped(e: Endpoint): Endpoint {
  return e instanceof SessionAffinity ? e.inner : e;
}
