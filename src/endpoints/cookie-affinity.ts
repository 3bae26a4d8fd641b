/**
 * Stateless affinity, `<session type="http" mode="insert" cookie="MOORROUTE"/>`: the gateway names the
 * member it chose in a cookie of its own, so that any gateway node routes the session's next messages
 * without a binding table (HAProxy's `cookie … insert`, Envoy's stateful-session filter).
 *
 * The cookie value is `<member token>.<issued at>.<mac>`:
 * - the member token is an HMAC of the group and the member's stable id: it names the member without
 *   revealing its address, and the same configuration gives the same token on every node;
 * - issued at (ms, base 36) lets the session timeout apply: sliding sessions get a fresh cookie with
 *   every answer (but from a draining member), absolute ones keep the first;
 * - the mac (HMAC-SHA256 over the rest, truncated to 128 bits) makes it unforgeable without the key.
 * A cookie that is malformed, forged, expired, or names no member of this group is ignored, never
 * trusted: the message is routed as a new session and gets a new cookie. The gateway's cookie is taken
 * off the request before it goes to the backend, which never sees it.
 *
 * This file makes and reads the cookie (and its key); cookie-sessions.ts routes messages by it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type SessionDef } from '../config/session-def.ts';
import { ConfigError, MoorError } from '../errors.ts';
import { type Clock, systemClock } from '../session/clock.ts';
import { type Endpoint } from './endpoint.ts';

/** The environment variable that holds the HMAC key when the configuration has none. */
export const COOKIE_KEY_ENV = 'MOOR_COOKIE_KEY';
/** Shorter keys are refused: a guessable key makes every cookie forgeable. */
export const MIN_COOKIE_KEY_LENGTH = 16;

const TOKEN_CHARS = 12;
const MAC_CHARS = 22;
const VALUE = /^([A-Za-z0-9_-]{12})\.([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})$/;

/**
 * The HMAC key for the insert-mode session `def`: the configuration's `<moor:cookieKey>`, else
 * MOOR_COOKIE_KEY. Throws ConfigError (at the session) when there is none or it is too short.
 */
export function cookieKeyFor(def: SessionDef, configured: string | undefined, env: NodeJS.ProcessEnv = process.env): Buffer {
  const key = configured ?? env[COOKIE_KEY_ENV];
  if (key === undefined || key === '') {
    throw new ConfigError(
      'MOOR_ERR_COOKIE_KEY',
      def.loc,
      `<session mode="insert"> signs its ${def.cookie} cookie with an HMAC key, and none is given: set the environment variable ${COOKIE_KEY_ENV} (the same on every gateway node, e.g. \`openssl rand -base64 32\`) or add <moor:cookieKey> to the configuration`,
    );
  }
  if (key.length < MIN_COOKIE_KEY_LENGTH) {
    throw new ConfigError('MOOR_ERR_COOKIE_KEY', def.loc, `the cookie HMAC key is ${key.length} characters long; use at least ${MIN_COOKIE_KEY_LENGTH} (e.g. \`openssl rand -base64 32\`)`);
  }
  if (def.cookieSameSite === 'None' && !def.cookieSecure) {
    throw new ConfigError('MOOR_ERR_BAD_VALUE', def.loc, 'sameSite="None" needs secure="true": browsers drop SameSite=None cookies that are not Secure');
  }
  return Buffer.from(key, 'utf8');
}

/** Issues and reads the signed route cookies of one group. */
export class CookieAffinity {
  private readonly byToken = new Map<string, Endpoint>();
  private readonly tokens = new Map<Endpoint, string>();

  constructor(
    private readonly groupId: string,
    members: readonly Endpoint[],
    private readonly key: Buffer,
    private readonly policy: SessionDef,
    private readonly clock: Clock = systemClock,
  ) {
    for (const m of members) {
      const token = this.hmac(`moor/member\0${groupId}\0${m.id}`).slice(0, TOKEN_CHARS);
      // two members of one group with one id (or a 72-bit collision) would make cookies ambiguous
      if (this.byToken.has(token)) throw new ConfigError('MOOR_ERR_BAD_VALUE', policy.loc, `two members of ${groupId} have the same id ${m.id}; name them apart`);
      this.byToken.set(token, m);
      this.tokens.set(m, token);
    }
  }

  /** A cookie value naming `member`, issued now. */
  issue(member: Endpoint, issuedAt = this.clock.now()): string {
    const token = this.tokens.get(member);
    if (token === undefined) throw new MoorError('MOOR_ERR_MEDIATION', `${member.id} is not a member of ${this.groupId}`);
    return signedRoute(this.key, this.groupId, token, issuedAt);
  }

  /** The member a cookie value names and when it was issued, or why it is not to be trusted. */
  read(value: string): { member: Endpoint; issuedAt: number } | { rejected: 'malformed' | 'forged' | 'expired' | 'unknown member' } {
    const m = VALUE.exec(value);
    if (!m) return { rejected: 'malformed' };
    const [, token, ts, mac] = m;
    const expected = Buffer.from(routeMac(this.key, this.groupId, `${token}.${ts}`));
    if (!timingSafeEqual(expected, Buffer.from(mac!))) return { rejected: 'forged' };
    const issuedAt = parseInt(ts!, 36);
    if (this.clock.now() - issuedAt > this.policy.timeoutMs) return { rejected: 'expired' };
    const member = this.byToken.get(token!);
    return member ? { member, issuedAt } : { rejected: 'unknown member' };
  }

  /** The Set-Cookie line for `value`, issued at `issuedAt`. */
  setCookie(value: string, issuedAt: number): string {
    const p = this.policy;
    const maxAge = Math.max(0, Math.ceil((issuedAt + p.timeoutMs - this.clock.now()) / 1000));
    return `${p.cookie}=${value}; Path=${p.cookiePath}; Max-Age=${maxAge}; HttpOnly; SameSite=${p.cookieSameSite}${p.cookieSecure ? '; Secure' : ''}`;
  }

  private hmac(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }
}

/** The cookie value naming member `token` of group `groupId`, issued at `issuedAt`, signed with `key`. */
export function signedRoute(key: Buffer, groupId: string, token: string, issuedAt: number): string {
  const body = `${token}.${issuedAt.toString(36)}`;
  return `${body}.${routeMac(key, groupId, body)}`;
}

function routeMac(key: Buffer, groupId: string, body: string): string {
  return createHmac('sha256', key).update(`moor/cookie\0${groupId}\0${body}`).digest('base64url').slice(0, MAC_CHARS);
}
