/** Which HTTP headers cross the gateway: all but the hop-by-hop ones (RFC 9110 §7.6.1) and framing. */

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  // the gateway answers 100-continue to its client itself; undici refuses to send Expect
  'expect',
]);

/**
 * The headers to pass on, from a header map with lower-case names, as a flat list of names and values
 * (what undici takes most cheaply); see {@link forwardedHeaders} for them as an object.
 */
export function forwardedHeaderList(h: ReadonlyMap<string, string | string[]>): string[] {
  const named = namedInConnection(h);
  const out: string[] = [];
  for (const [k, v] of h) {
    if (HOP_BY_HOP.has(k) || named?.includes(k)) continue;
    // a header with several values goes out as several lines, as it came
    if (typeof v === 'string') out.push(k, v);
    else for (const one of v) out.push(k, one);
  }
  return out;
}

/** The headers to pass on, from a header map with lower-case names. */
export function forwardedHeaders(h: ReadonlyMap<string, string | string[]>): Record<string, string | string[]> {
  const named = namedInConnection(h);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of h) if (!HOP_BY_HOP.has(k) && !named?.includes(k)) out[k] = v;
  return out;
}

/**
 * Headers named in Connection, which are hop-by-hop too. Usually it names only keep-alive or close, so
 * no list is built on the per-message path.
 */
function namedInConnection(h: ReadonlyMap<string, string | string[]>): string[] | undefined {
  const conn = h.get('connection');
  if (conn === undefined || conn === 'keep-alive' || conn === 'close') return undefined;
  let named: string[] | undefined;
  for (const raw of (Array.isArray(conn) ? conn.join(',') : conn).split(',')) {
    const n = raw.trim().toLowerCase();
    if (n && !HOP_BY_HOP.has(n) && n !== 'close') (named ??= []).push(n);
  }
  return named;
}

/**
 * The headers a client gets with `msg`: a response passes its headers on; a request sent back as it is
 * (<respond/>) still holds the client's own headers, so only its content type and cookies go back; a
 * message made into the answer (<makefault>, RESPONSE=true) carries headers meant for the client.
 */
export function headersForClient(msg: { readonly direction: 'request' | 'response'; readonly transport: ReadonlyMap<string, string | string[]>; readonly properties: ReadonlyMap<string, unknown> }): Record<string, string | string[]> {
  if (msg.direction === 'response' || msg.properties.get('RESPONSE') === true) return forwardedHeaders(msg.transport);
  const out: Record<string, string | string[]> = {};
  for (const n of ['content-type', 'set-cookie']) {
    const v = msg.transport.get(n);
    if (v !== undefined) out[n] = v;
  }
  return out;
}
