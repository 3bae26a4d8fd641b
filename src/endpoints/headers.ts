/** Which HTTP headers cross the gateway: all but the hop-by-hop ones (RFC 9110 §7.6.1) and framing. */
import { headerMapOf, type HeaderLines } from '../message/context.ts';

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

/** The lengths of the hop-by-hop names: a name of another length is passed on without a look. */
const HOP_BY_HOP_LENGTHS = new Set([...HOP_BY_HOP].map((n) => n.length));

/** What the header rules read of a message: its header map, or the lines it came with while untouched. */
interface HeaderSource {
  readonly direction: 'request' | 'response';
  readonly transport: ReadonlyMap<string, string | string[]>;
  readonly untouchedHeaderLines?: HeaderLines | undefined;
  readonly properties: { readonly response: boolean };
}

/**
 * The headers to pass on, as a flat list of names and values (what undici and `writeHead` take most
 * cheaply). Lines nobody read go on as they came, names in their own case; otherwise from the map.
 */
export function forwardedHeaderList(msg: HeaderSource): string[] {
  const lines = msg.untouchedHeaderLines;
  return lines ? forwardedLines(lines) : forwardedFromMap(msg.transport);
}

function forwardedLines(lines: HeaderLines): string[] {
  const out: string[] = [];
  let connection: string | undefined;
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const k = lines[i]!;
    // (only a name as long as a hop-by-hop one is lower-cased and looked up)
    if (HOP_BY_HOP_LENGTHS.has(k.length)) {
      const lower = k.toLowerCase();
      if (HOP_BY_HOP.has(lower)) {
        if (lower === 'connection') connection = connection === undefined ? lines[i + 1]! : `${connection},${lines[i + 1]!}`;
        continue;
      }
    }
    out.push(k, lines[i + 1]!);
  }
  // headers the Connection header names are hop-by-hop too (rare: it usually says keep-alive or close)
  const named = namedInConnection(connection);
  return named ? out.filter((_, i) => !named.includes(out[i - (i % 2)]!.toLowerCase())) : out;
}

function forwardedFromMap(h: ReadonlyMap<string, string | string[]>): string[] {
  const named = namedInConnection(h.get('connection'));
  const out: string[] = [];
  for (const [k, v] of h) {
    if (HOP_BY_HOP.has(k) || named?.includes(k)) continue;
    // a header with several values goes out as several lines, as it came
    if (typeof v === 'string') out.push(k, v);
    else for (const one of v) out.push(k, one);
  }
  return out;
}

/**
 * Headers named in Connection, which are hop-by-hop too. Usually it names only keep-alive or close, so
 * no list is built on the per-message path.
 */
function namedInConnection(conn: string | string[] | undefined): string[] | undefined {
  if (conn === undefined || conn === 'keep-alive' || conn === 'close') return undefined;
  let named: string[] | undefined;
  for (const raw of (Array.isArray(conn) ? conn.join(',') : conn).split(',')) {
    const n = raw.trim().toLowerCase();
    if (n && !HOP_BY_HOP.has(n) && n !== 'close') (named ??= []).push(n);
  }
  return named;
}

/**
 * The headers a client gets with `msg`, as a flat list: a response passes its headers on; a request
 * sent back as it is (<respond/>) still holds the client's own headers, so only its content type and
 * cookies go back; a message made into the answer (<makefault>, RESPONSE=true) carries headers meant
 * for the client.
 */
export function headerListForClient(msg: HeaderSource): string[] {
  if (msg.direction === 'response' || msg.properties.response) return forwardedHeaderList(msg);
  const out: string[] = [];
  for (const n of ['content-type', 'set-cookie']) {
    const v = msg.transport.get(n);
    if (typeof v === 'string') out.push(n, v);
    else if (v !== undefined) for (const one of v) out.push(n, one);
  }
  return out;
}

/** {@link headerListForClient} as a record with lower-case names (several values of a name in an array). */
export function headersForClient(msg: HeaderSource): Record<string, string | string[]> {
  return Object.fromEntries(headerMapOf(headerListForClient(msg)));
}
