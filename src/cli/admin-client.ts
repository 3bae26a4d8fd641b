/**
 * The commands against a running gateway (`moor endpoints`, `sessions`, `drain`, `undrain`, `reload`)
 * talk to its admin listener through this: `--admin URL` (default http://127.0.0.1:9164), the token
 * from MOOR_ADMIN_TOKEN, JSON answers. Every failure is a MoorError(MOOR_ERR_CLI_ADMIN) whose message is
 * the one line the user reads: no gateway there, the token wanted or refused, the gateway's own error.
 */
import { request } from 'undici';
import { MoorError } from '../errors.ts';
import { type Options } from './args.ts';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:9164';

/** The flags every remote command takes. */
export const ADMIN_FLAGS = {
  admin: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies Options;

/** A gateway's answer: its status and its JSON. */
export interface AdminAnswer<T> {
  readonly status: number;
  readonly body: T;
}

export class AdminClient {
  readonly base: URL;

  constructor(
    admin: string | undefined,
    private readonly token: string | undefined = process.env.MOOR_ADMIN_TOKEN || undefined,
  ) {
    const raw = admin ?? DEFAULT_ADMIN_URL;
    let url: URL;
    try {
      url = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`);
    } catch {
      throw new MoorError('MOOR_ERR_CLI_USAGE', `--admin takes the admin listener's URL (like ${DEFAULT_ADMIN_URL}), not "${raw}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new MoorError('MOOR_ERR_CLI_USAGE', `--admin takes an http:// or https:// URL, not "${raw}"`);
    this.base = url;
  }

  /**
   * Calls `method path` and returns the JSON answer of a 2xx status, or of a status in `accept` (an
   * answer the command prints itself, like a failed reload's problems). Anything else throws.
   */
  async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, accept: readonly number[] = [], timeoutMs = 15_000): Promise<AdminAnswer<T>> {
    const url = new URL(path.replace(/^\//, ''), this.base.href.endsWith('/') ? this.base : `${this.base.href}/`);
    const where = this.base.href.replace(/\/$/, '');
    let res;
    try {
      res = await request(url, {
        method,
        headers: { accept: 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (e) {
      throw new MoorError('MOOR_ERR_CLI_ADMIN', unreachable(where, e as NodeJS.ErrnoException));
    }
    const text = await res.body.text();
    const type = String(res.headers['content-type'] ?? '');
    let body: unknown;
    try {
      body = type.includes('json') ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (body === undefined) {
      throw new MoorError('MOOR_ERR_CLI_ADMIN', `${where} answered ${res.statusCode} with ${type || 'no content type'}, not the admin API's JSON: is --admin the gateway's admin listener?`);
    }
    const ok = (res.statusCode >= 200 && res.statusCode < 300) || accept.includes(res.statusCode);
    if (ok) return { status: res.statusCode, body: body as T };
    const error = typeof (body as { error?: unknown }).error === 'string' ? (body as { error: string }).error : `status ${res.statusCode}`;
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw new MoorError('MOOR_ERR_CLI_ADMIN', this.token ? `the gateway at ${where} refused the token in MOOR_ADMIN_TOKEN (${error})` : `the gateway at ${where} wants the admin token: set MOOR_ADMIN_TOKEN`);
    }
    throw new MoorError('MOOR_ERR_CLI_ADMIN', error);
  }
}

/** The one line for a gateway that could not be reached. */
function unreachable(where: string, e: NodeJS.ErrnoException): string {
  // (undici wraps the socket's error; its code is on the cause)
  const code = e.code && e.code.startsWith('UND_') ? ((e.cause as NodeJS.ErrnoException | undefined)?.code ?? e.code) : (e.code ?? (e.cause as NodeJS.ErrnoException | undefined)?.code);
  switch (code) {
    case 'ECONNREFUSED':
      return `no gateway answers at ${where} (connection refused): is moor started with --admin, and is --admin the address it listens on?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach ${where}: the host name does not resolve`;
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return `the gateway at ${where} did not answer in time`;
    default:
      return `cannot reach the gateway at ${where}: ${code ?? e.message}`;
  }
}
