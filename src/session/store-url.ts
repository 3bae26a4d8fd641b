/**
 * The `--store` URL (and `<moor:store url="…"/>`): where session bindings live.
 *
 *   memory                                              the process's own table (default)
 *   redis://[[user]:password@]host[:port][/db]          one Redis server
 *   rediss://…                                          the same over TLS
 *   redis+sentinel://[[user]:password@]h1:26379,h2:26379/<master>[/db]   the master that Sentinel names
 *   redis+cluster://[[user]:password@]h1:7000,h2:7001   Redis Cluster (seed nodes; db 0 only)
 *   (rediss+sentinel:// and rediss+cluster:// use TLS)
 *
 * Query parameters, all optional: `prefix` (key prefix, default `moor:session:`), `timeoutMs` (how
 * long one Redis command may take before the store falls back to local bindings, default 250) and
 * `durable=1` (a new binding is confirmed by at least one replica before its session's first answer
 * leaves the gateway: redis-durable.ts).
 *
 * ioredis would accept any query parameter as a client option; parsing here keeps the accepted
 * syntax small and its errors readable.
 */

/** One host of a URL. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** What a Redis URL asks for, in ioredis's terms. */
export interface RedisTarget {
  readonly kind: 'redis' | 'sentinel' | 'cluster';
  /** redis: one host; sentinel: the sentinels; cluster: the seed nodes. */
  readonly hosts: readonly HostPort[];
  /** sentinel: the master's name. */
  readonly master?: string;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls: boolean;
  readonly prefix: string;
  readonly timeoutMs: number;
  /** `durable=1`: writes a client will see are confirmed by `WAIT 1` before the answer leaves. */
  readonly durable: boolean;
  /** The URL without its password, for logs and the health endpoint. */
  readonly display: string;
}

export type StoreTarget = { readonly kind: 'memory' } | RedisTarget;

export const DEFAULT_PREFIX = 'moor:session:';
export const DEFAULT_TIMEOUT_MS = 250;
const PARAMS = ['prefix', 'timeoutMs', 'durable'];

const SCHEMES: Record<string, { kind: RedisTarget['kind']; tls: boolean; port: number }> = {
  redis: { kind: 'redis', tls: false, port: 6379 },
  rediss: { kind: 'redis', tls: true, port: 6379 },
  'redis+sentinel': { kind: 'sentinel', tls: false, port: 26379 },
  'rediss+sentinel': { kind: 'sentinel', tls: true, port: 26379 },
  'redis+cluster': { kind: 'cluster', tls: false, port: 6379 },
  'rediss+cluster': { kind: 'cluster', tls: true, port: 6379 },
};

/** Parses a store URL; throws an Error whose message says what is wrong (callers add where). */
export function parseStoreUrl(raw: string): StoreTarget {
  const url = raw.trim();
  if (url === 'memory') return { kind: 'memory' };
  const m = /^([a-z+]+):\/\/(?:([^@/]*)@)?([^/?#]+)(\/[^?#]*)?(?:\?([^#]*))?$/i.exec(url);
  const scheme = m ? SCHEMES[m[1]!.toLowerCase()] : undefined;
  if (!m || !scheme) {
    throw new Error(`"${url}" is not a store URL; use memory, redis://host:port[/db], rediss://…, redis+sentinel://h:p,…/master[/db] or redis+cluster://h:p,…`);
  }
  const [, , userinfo, hostList, pathPart, query] = m;
  const hosts = hostList!.split(',').map((h) => hostPort(h, scheme.port, url));
  if (scheme.kind === 'redis' && hosts.length > 1) throw new Error(`"${url}": redis:// takes one host; use redis+cluster:// or redis+sentinel:// for several`);
  const segments = (pathPart ?? '').split('/').filter((s) => s !== '');
  let master: string | undefined;
  if (scheme.kind === 'sentinel') {
    master = segments.shift();
    if (!master) throw new Error(`"${url}": a Sentinel URL names the master after the hosts: redis+sentinel://h:26379,…/mymaster[/db]`);
    master = decodeURIComponent(master);
  }
  if (segments.length > 1) throw new Error(`"${url}": too many path segments`);
  const dbText = segments[0];
  if (dbText !== undefined && !/^\d+$/.test(dbText)) throw new Error(`"${url}": the database must be a number, not "${dbText}"`);
  const db = dbText === undefined ? 0 : Number(dbText);
  if (scheme.kind === 'cluster' && db !== 0) throw new Error(`"${url}": Redis Cluster has database 0 only`);
  const params = new URLSearchParams(query ?? '');
  for (const k of params.keys()) if (!PARAMS.includes(k)) throw new Error(`"${url}": unknown parameter "${k}" (known: ${PARAMS.join(', ')})`);
  const timeoutText = params.get('timeoutMs');
  if (timeoutText !== null && !/^[1-9]\d*$/.test(timeoutText)) throw new Error(`"${url}": timeoutMs must be a positive whole number`);
  const durableText = params.get('durable');
  if (durableText !== null && durableText !== '0' && durableText !== '1') throw new Error(`"${url}": durable must be 0 or 1`);
  let username: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const user = decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon));
    const pass = colon < 0 ? undefined : decodeURIComponent(userinfo.slice(colon + 1));
    // redis://secret@host is the old password-only form that redis-cli and ioredis accept
    if (pass === undefined) password = user || undefined;
    else {
      username = user || undefined;
      password = pass || undefined;
    }
  }
  return {
    kind: scheme.kind,
    hosts,
    ...(master !== undefined ? { master } : {}),
    db,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    tls: scheme.tls,
    prefix: params.get('prefix') ?? DEFAULT_PREFIX,
    timeoutMs: timeoutText === null ? DEFAULT_TIMEOUT_MS : Number(timeoutText),
    durable: durableText === '1',
    display: url.replace(/\/\/[^@/]*@/, password !== undefined ? `//${username ?? ''}:***@` : '//'),
  };
}

function hostPort(text: string, defaultPort: number, url: string): HostPort {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d+))?$/i.exec(text);
  if (!m) throw new Error(`"${url}": "${text}" is not host[:port]`);
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (port < 1 || port > 65535) throw new Error(`"${url}": ${port} is not a TCP port`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}
