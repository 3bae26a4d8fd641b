/**
 * The operations routes of the admin listener (added to its route table beside health and drain).
 * JSON in and out; every error is `{"error": "…"}` with its status. The listener's router checks the
 * token (every route here needs it but the console page and /metrics), decodes the path's captures
 * and answers unknown paths and methods.
 *
 *   GET    /                         the console (public: the page holds no data; it asks for the token)
 *   GET    /metrics                  Prometheus exposition (public; no session id in any label)
 *   GET    /endpoints                groups and address endpoints with state, in flight, live sessions
 *   GET    /sessions?group=&endpoint=&limit=   live bindings, at most `limit` (default 100, at most 10 000)
 *   DELETE /sessions/<group>/<id>    forgets one binding: the session's next message is bound anew
 *   POST   /reload                   as SIGHUP; 422 with each problem's file:line:col when it fails
 *   GET    /traffic                  requests per interval over the last minutes (the console's chart)
 */
import { type AdminRoute } from '../server/admin/router.ts';
import { CONSOLE_PAGE } from './console-page.ts';
import { DEFAULT_SESSION_LIST, MAX_SESSION_LIST, type Operations, OpsError } from './operations.ts';

/** prom-client's text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The routes over `current()`, the operations in force (undefined while the gateway starts: 503). */
export function opsRoutes(current: () => Operations | undefined): AdminRoute[] {
  const ops = (): Operations => {
    const o = current();
    if (!o) throw new OpsError(503, 'the gateway is starting');
    return o;
  };
  return [
    { method: 'GET', path: /^\/$/, public: true, handle: async () => ({ status: 200, body: CONSOLE_PAGE, contentType: 'text/html; charset=utf-8' }) },
    { method: 'GET', path: /^\/metrics$/, public: true, handle: answering(async () => ({ status: 200, body: await ops().metrics(), contentType: PROMETHEUS_CONTENT_TYPE })) },
    { method: 'GET', path: /^\/endpoints$/, handle: answering(async () => ({ status: 200, body: await ops().endpoints() })) },
    {
      method: 'GET',
      path: /^\/sessions$/,
      handle: answering(async ({ url }) => {
        const q = url.searchParams;
        const body = await ops().sessions({ group: q.get('group') ?? undefined, endpoint: q.get('endpoint') ?? undefined }, limitOf(q.get('limit')));
        return { status: 200, body };
      }),
    },
    {
      method: 'DELETE',
      path: /^\/sessions\/([^/]+)\/([^/]+)$/,
      handle: answering(async ({ params }) => {
        const [group, session] = params as [string, string];
        if (!(await ops().forgetSession(group, session))) throw new OpsError(404, `group ${group} holds no session ${session}`);
        return { status: 200, body: { group, session, forgotten: true } };
      }),
    },
    {
      method: 'POST',
      path: /^\/reload$/,
      handle: answering(async () => {
        const outcome = await ops().reload();
        return { status: outcome.reloaded ? 200 : 422, body: outcome };
      }),
    },
    { method: 'GET', path: /^\/traffic$/, handle: answering(async () => ({ status: 200, body: await ops().traffic() })) },
  ];
}

/** A handler whose OpsErrors become `{"error"}` answers with their status (others are the router's 500). */
function answering(handle: AdminRoute['handle']): AdminRoute['handle'] {
  return async (request) => {
    try {
      return await handle(request);
    } catch (e) {
      if (e instanceof OpsError) return { status: e.status, body: { error: e.message } };
      throw e;
    }
  };
}

function limitOf(raw: string | null): number {
  if (raw === null) return DEFAULT_SESSION_LIST;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_SESSION_LIST)) throw new OpsError(400, `limit takes a whole number from 1 to ${MAX_SESSION_LIST}, not "${raw}"`);
  return n;
}
