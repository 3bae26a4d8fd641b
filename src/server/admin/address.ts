/** `--admin HOST:PORT`: parsing it, and whether it is a loopback address (open without a token). */
import { isIP } from 'node:net';

/** Where the admin listener listens. */
export interface AdminAddress {
  readonly host: string;
  readonly port: number;
}

/** `HOST:PORT`, `[v6]:PORT` or `:PORT`/`PORT` (loopback); undefined when it is none of these. */
export function parseAdminAddress(text: string): AdminAddress | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):?(\d{1,5})$/.exec(text.includes(':') ? text : `:${text}`);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const host = m[1] ?? m[2] ?? '';
  if (m[1] !== undefined && isIP(m[1]) !== 6) return undefined;
  return { host: host === '' ? '127.0.0.1' : host, port };
}

/**
 * True for an address only this machine can reach: 127.0.0.0/8, ::1, `localhost`. Any other name is
 * not loopback, even one that resolves to it today (a hosts file can change).
 */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  if (/^::ffff:127\./i.test(host)) return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
