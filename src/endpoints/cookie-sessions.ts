/**
 * Cookie affinity, the scheme of `<session type="http" mode="insert">`: the member a session is bound
 * to is named in the gateway's signed route cookie (cookie-affinity.ts), not in a table, so any node
 * routes it alike. SessionAffinity sends a bound session to its member and applies onFailure; this
 * scheme reads the cookie, gives a new session the first member that answers, and renews the cookie.
 */
import { type SessionDef } from '../config/session-def.ts';
import { cookieValue } from '../dispatch/http-cookie.ts';
import { MoorError } from '../errors.ts';
import { headerValue, type MessageContext, type TransportHeaders } from '../message/context.ts';
import { type Clock, systemClock } from '../session/clock.ts';
import { type AffinityScheme, type Route } from './affinity.ts';
import { CookieAffinity } from './cookie-affinity.ts';
import { type Endpoint } from './endpoint.ts';
import { type EndpointObserver } from './env.ts';
import { type Members } from './members.ts';
import { firstToAnswer, inTurn, triedLabels } from './try-in-order.ts';

/** A cookie session: when its cookie was issued (undefined: the message brought no valid cookie). */
type IssuedAt = number | undefined;

const NO_COOKIE: Route<IssuedAt> = { member: undefined, session: undefined };

export class CookieSessions implements AffinityScheme<IssuedAt> {
  readonly kind = 'cookie';
  private readonly affinity: CookieAffinity;

  constructor(
    private readonly group: Members,
    private readonly policy: SessionDef,
    key: Buffer,
    private readonly clock: Clock = systemClock,
    private readonly observer?: EndpointObserver,
  ) {
    this.affinity = new CookieAffinity(group.id, group.members, key, policy, clock);
  }

  route(request: MessageContext): Route<IssuedAt> {
    const name = this.policy.cookie;
    const value = cookieValue(headerValue(request.transport, 'cookie'), name);
    removeCookie(request.transport, name);
    if (value === undefined) return NO_COOKIE;
    const r = this.affinity.read(value);
    if ('member' in r) return { member: r.member, session: r.issuedAt };
    request.log.debug(`${name} cookie ignored (${r.rejected}); routing as a new session`, { component: 'session' });
    return NO_COOKIE;
  }

  describe(): string {
    return `the ${this.policy.cookie} session`;
  }

  sendNew(request: MessageContext): Promise<MessageContext> {
    return this.sendTo(request, new Set(), 'new');
  }

  answered(request: MessageContext, response: MessageContext, member: Endpoint, issuedAt: IssuedAt): MessageContext {
    // sliding: every answer renews the cookie; absolute: the first cookie stands. A draining member's
    // cookie is never renewed, so that its sessions end within the session timeout even when a client
    // replays its cookie for ever (else the drain would never complete)
    this.answer(request, response, member, 'bound', this.policy.expiry === 'sliding' && !member.draining ? undefined : issuedAt);
    return response;
  }

  move(request: MessageContext, _issuedAt: IssuedAt, from: Endpoint): Promise<MessageContext> {
    return this.sendTo(request, new Set([from]), 'rebound');
  }

  /** A new session (or a moved one): the first member that answers gets it; draining ones get none. */
  private async sendTo(request: MessageContext, failed: Set<Endpoint>, outcome: 'new' | 'rebound'): Promise<MessageContext> {
    const answered = await firstToAnswer(request, inTurn(this.group.membersForNewSession(failed)), failed);
    if (!answered) throw new MoorError('MOOR_ERR_NO_ENDPOINT', `no endpoint of ${this.group.label} takes new sessions${triedLabels(failed)}`);
    this.answer(request, answered.response, answered.member, outcome, undefined);
    return answered.response;
  }

  /** Adds the route cookie to the response (kept issue time for absolute expiry, else now). */
  private answer(request: MessageContext, response: MessageContext, member: Endpoint, outcome: 'bound' | 'new' | 'rebound', keptIssuedAt: number | undefined): void {
    const issuedAt = keptIssuedAt ?? this.clock.now();
    const value = this.affinity.issue(member, issuedAt);
    if (keptIssuedAt === undefined) {
      const prior = response.transport.get('set-cookie');
      const line = this.affinity.setCookie(value, issuedAt);
      response.transport.set('set-cookie', prior === undefined ? [line] : [...(Array.isArray(prior) ? prior : [prior]), line]);
    }
    const session = { key: value, endpoint: member.id, outcome };
    if (outcome !== 'bound') this.observer?.session(this.group.id, outcome);
    request.session = session;
    response.session = session;
  }
}

/** Takes cookie `name` off a request's Cookie header (the backend never sees the gateway's cookie). */
function removeCookie(transport: TransportHeaders, name: string): void {
  const header = headerValue(transport, 'cookie');
  if (header === undefined) return;
  const kept = header.split(/;\s*/).filter((part) => part.slice(0, part.indexOf('=')).trim() !== name && part.trim() !== '');
  if (kept.length) transport.set('cookie', kept.join('; '));
  else transport.delete('cookie');
}
