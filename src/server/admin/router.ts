/**
 * The admin listener's router: a table of routes, each a method, a path pattern and a handler that
 * answers JSON. Every route needs the admin token (when one is set) unless it says `public`; the path
 * is normalised before it is matched, so `/x/../endpoints/a/drain` is `/endpoints/a/drain` and needs the
 * token like it. To add a route (metrics, sessions…), add an entry to the table given to the listener.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a route answers: a status and a JSON body, or a body of its own type (`/metrics`'s text). */
export interface AdminAnswer {
  readonly status: number;
  /** Serialised as JSON unless `contentType` is given (then it is sent as it is). */
  readonly body: unknown;
  readonly contentType?: string;
}

/** A request as a route sees it: the normalised URL, the path's captures, the raw request. */
export interface AdminRequest {
  readonly url: URL;
  /** The pattern's capture groups, %-decoded. */
  readonly params: readonly string[];
  readonly req: IncomingMessage;
}

/** One entry of the route table. */
export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Matched against the whole normalised path (anchor it: `^…$`). */
  readonly path: RegExp;
  /** Answered without the token (health probes, Prometheus scrapes). */
  readonly public?: boolean;
  handle(request: AdminRequest): AdminAnswer | Promise<AdminAnswer>;
}

/** An error answer in the admin API's one shape, `{"error": …}`. */
export function adminError(status: number, message: string): AdminAnswer {
  return { status, body: { error: message } };
}

/** The token check, in constant time: digests of equal length are compared, never the strings. */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')?.[1] ?? '';
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b) && given !== '';
}

/**
 * Answers `req` from `routes`. `token()` is the admin token in force (undefined: none set, every route
 * open; the listener then only listens on loopback). Unknown paths need the token too, so that a
 * caller without it learns nothing of which routes exist.
 */
export async function routeAdmin(req: IncomingMessage, res: ServerResponse, routes: readonly AdminRoute[], token: string | undefined): Promise<void> {
  const url = normalisedUrl(req.url ?? '/');
  let answer: AdminAnswer;
  if (!url) answer = adminError(400, 'the request target is not a path');
  else answer = await dispatch(url, req, routes, token);
  sendAnswer(res, answer);
}

async function dispatch(url: URL, req: IncomingMessage, routes: readonly AdminRoute[], token: string | undefined): Promise<AdminAnswer> {
  const matching = routes.filter((r) => r.path.test(url.pathname));
  const route = matching.find((r) => r.method === req.method);
  if (!route?.public && token !== undefined && !tokenMatches(req.headers.authorization, token)) {
    return adminError(401, 'this admin route needs the admin token: Authorization: Bearer <MOOR_ADMIN_TOKEN>');
  }
  if (!route) return matching.length ? adminError(405, `${req.method ?? ''} is not allowed here (${matching.map((r) => r.method).join(', ')})`) : adminError(404, 'unknown admin path');
  const captures = route.path.exec(url.pathname)!.slice(1);
  const params: string[] = [];
  for (const c of captures) {
    try {
      params.push(decodeURIComponent(c ?? ''));
    } catch {
      return adminError(400, `the path segment ${c ?? ''} has a malformed %-escape`);
    }
  }
  try {
    return await route.handle({ url, params, req });
  } catch (e) {
    return adminError(500, (e as Error).message);
  }
}

/**
 * The request target as a URL with its path normalised the WHATWG way: `.` and `..` segments (also
 * written `%2e`) resolved, never above the root. Undefined for a target that is not an origin-form path
 * (`*`, an absolute URL naming another host).
 */
export function normalisedUrl(target: string): URL | undefined {
  if (!target.startsWith('/')) return undefined;
  try {
    // (a leading `//` would be taken for an authority: keep it a path)
    return new URL(target.replace(/^\/+/, '/'), 'http://admin');
  } catch {
    return undefined;
  }
}

/** Writes `answer` (JSON unless it names its own content type), never cached. */
export function sendAnswer(res: ServerResponse, answer: AdminAnswer): void {
  const text = answer.contentType !== undefined ? String(answer.body) : JSON.stringify(answer.body);
  const headers: Record<string, string | number> = {
    'content-type': answer.contentType ?? 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  };
  if (answer.status === 401) headers['www-authenticate'] = 'Bearer realm="moor admin"';
  res.writeHead(answer.status, headers).end(text);
}
