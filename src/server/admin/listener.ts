/**
 * The admin listener (`moor start --admin HOST:PORT`): a small HTTP server of its own, apart from the
 * traffic port, answering the routes of its table (src/server/admin/router.ts). It refuses to listen
 * on a non-loopback address without a token. Its connections are bounded like a small API's: a request
 * head within 10 s, a whole request within 30 s, idle connections closed after 5 s, at most 64 open, 16
 * requests pipelined on one, a body of 64 KiB; what it refuses before a route sees a request is
 * request-guard.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { MoorError } from '../../errors.ts';
import { type Logger } from '../../logging.ts';
import { type AdminAddress, isLoopback } from './address.ts';
import { discardBody, headRefusal, pipelineFlooded, refuseConnect } from './request-guard.ts';
import { type AdminRoute, routeAdmin, sendAnswer } from './router.ts';
import { type AdminLimits, DEFAULT_ADMIN_LIMITS } from '../../config/admin-limits.ts';

/** The environment variable holding the admin token (`<moor:admin token>` wins when both are set). */
export const ADMIN_TOKEN_ENV = 'MOOR_ADMIN_TOKEN';

export interface AdminListenerOptions extends AdminAddress {
  readonly routes: readonly AdminRoute[];
  /** The token in force now (it may change with a reload of the configuration); undefined: none. */
  readonly token: () => string | undefined;
  readonly log: Logger;
  /** Its limits (DEFAULT_ADMIN_LIMITS where not given). */
  readonly limits?: Partial<AdminLimits> | undefined;
}

/** The admin token in force: the configuration's `<moor:admin token>`, else `given`, else MOOR_ADMIN_TOKEN; an empty one is none. */
export function adminTokenOf(configured: string | undefined, given?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = configured ?? given ?? env[ADMIN_TOKEN_ENV];
  return token === '' ? undefined : token;
}

/** Throws MOOR_ERR_ADMIN_TOKEN when `address` is reachable from other machines and `token` is undefined. */
export function refuseUnprotected(address: AdminAddress, token: string | undefined): void {
  if (token !== undefined || isLoopback(address.host)) return;
  throw new MoorError(
    'MOOR_ERR_ADMIN_TOKEN',
    `--admin ${address.host}:${address.port} is reachable from other machines and no admin token is set: set ${ADMIN_TOKEN_ENV} or <moor:admin token="…"/>, or listen on 127.0.0.1`,
  );
}

export class AdminListener {
  private constructor(private readonly server: Server) {}

  /** Listens; throws MOOR_ERR_ADMIN_TOKEN for a non-loopback address without a token. */
  static async start(options: AdminListenerOptions): Promise<AdminListener> {
    refuseUnprotected(options, options.token());
    const limits = { ...DEFAULT_ADMIN_LIMITS, ...options.limits };
    const server = createServer({
      headersTimeout: limits.headTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.idleTimeoutMs,
      maxHeaderSize: limits.maxHeadBytes,
      // (Node checks both timeouts only this often, 30 s by default: a 10 s head bound held for up to 40)
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(Math.min(limits.headTimeoutMs, limits.requestTimeoutMs) / 4))),
    });
    server.maxConnections = limits.maxConnections;
    refuseConnect(server);
    const waiting = new WeakMap<Socket, number>();
    server.on('request', (req, res) => {
      if (pipelineFlooded(req, res, limits, waiting)) return;
      const refused = headRefusal(req, limits);
      if (refused) {
        // (its body, if any, is not read: the connection closes after the answer)
        res.shouldKeepAlive = false;
        sendAnswer(res, refused);
        return;
      }
      discardBody(req, limits);
      routeAdmin(req, res, options.routes, options.token()).catch((e: unknown) => {
        options.log.error(`admin ${req.method ?? ''} ${req.url ?? ''}: ${(e as Error).message}`, { component: 'admin' });
        res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      // (the address goes with the error, so that `moor start` names this port, not the traffic port)
      server.once('error', (e) => reject(Object.assign(e, { adminAddress: { host: options.host, port: options.port } })));
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new AdminListener(server);
  }

  /** The URL it listens on. */
  get url(): string {
    const a = this.server.address() as AddressInfo;
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  /** Stops listening and ends its connections (admin calls are short; none is waited for). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
