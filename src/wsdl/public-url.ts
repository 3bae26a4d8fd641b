/**
 * The URL a client used to reach the gateway, as far as the request tells: the first hop of RFC 7239
 * `Forwarded` (proto, host), else `X-Forwarded-Proto`/`-Host`/`-Port`, else `Host`, else the socket's
 * own address (the scheme: https on the HTTPS listener, else http); `X-Forwarded-Prefix` is put before the path. Used for what the gateway publishes about
 * itself (the WSDL's addresses), never for routing. A value that is not a plain host[:port] (or
 * http/https) is ignored, so that header text never lands in a published document.
 */
import { type TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';

const HOST = /^(?:[A-Za-z0-9._~%-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const PROTO = /^https?$/i;
const PREFIX = /^\/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*$/;

/** The first value of a header that may be repeated or comma-separated. */
function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  const head = v?.split(',')[0]?.trim();
  return head === '' ? undefined : head;
}

/** proto and host of the first element of a `Forwarded` header (quoted values unquoted). */
function forwarded(header: string | undefined): { proto?: string; host?: string } {
  if (header === undefined) return {};
  const out: { proto?: string; host?: string } = {};
  for (const pair of header.split(',')[0]!.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const key = pair.slice(0, eq).trim().toLowerCase();
    const value = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (key === 'proto' || key === 'host') out[key] = value;
  }
  return out;
}

/** `scheme://host[:port]` the request reached, and the path prefix a reverse proxy removed ('' if none). */
export function publicOrigin(req: IncomingMessage): { origin: string; prefix: string } {
  const fwd = forwarded(req.headers.forwarded);
  const proto = [fwd.proto, first(req.headers['x-forwarded-proto'])].find((p) => p !== undefined && PROTO.test(p))?.toLowerCase() ?? ((req.socket as TLSSocket).encrypted ? 'https' : 'http');
  let host = [fwd.host, first(req.headers['x-forwarded-host'])].find((h) => h !== undefined && HOST.test(h));
  if (host !== undefined && !/:\d+$/.test(host)) {
    const port = first(req.headers['x-forwarded-port']);
    if (port !== undefined && /^\d{1,5}$/.test(port) && port !== (proto === 'https' ? '443' : '80')) host = `${host}:${port}`;
  }
  if (host === undefined) {
    const h = req.headers.host;
    if (h !== undefined && HOST.test(h)) host = h;
  }
  if (host === undefined) {
    const a = req.socket.localAddress ?? '127.0.0.1';
    host = `${a.includes(':') ? `[${a}]` : a}:${req.socket.localPort ?? 80}`;
  }
  const prefix = first(req.headers['x-forwarded-prefix']);
  return { origin: `${proto}://${host}`, prefix: prefix !== undefined && PREFIX.test(prefix) ? prefix.replace(/\/+$/, '') : '' };
}
