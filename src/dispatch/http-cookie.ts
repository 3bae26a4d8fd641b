/**
 * Affinity on an HTTP cookie (Synapse's `http` session type): the backend creates the session with
 * Set-Cookie, and the client sends the cookie back with every later request.
 */
import { type MessageContext } from '../message/context.ts';
import { type SessionDispatcher } from './dispatcher.ts';

/** The value of cookie `name` in a Cookie request header. */
export function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(/;\s*/)) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

/** Several Cookie lines are one list joined by "; " (RFC 9113 §8.2.3), not by the ", " of other headers. */
function joinCookieLines(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join('; ') : v;
}

/** The value a Set-Cookie header (or several) gives cookie `name`. */
export function setCookieValue(setCookie: string | string[] | undefined, name: string): string | undefined {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  for (const line of all) {
    const first = line.split(';')[0] ?? '';
    const eq = first.indexOf('=');
    if (eq > 0 && first.slice(0, eq).trim() === name) {
      const v = first.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      return v === '' ? undefined : v;
    }
  }
  return undefined;
}

export function httpCookie(name = 'JSESSIONID'): SessionDispatcher {
  return {
    initiator: 'server',
    description: `http cookie ${name}`,
    keyOfRequest: async (msg: MessageContext) => cookieValue(joinCookieLines(msg.transport.get('cookie')), name),
    keyOfResponse: async (msg: MessageContext) => setCookieValue(msg.transport.get('set-cookie'), name),
  };
}
