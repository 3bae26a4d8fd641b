/**
 * The traffic port's listeners as sockets: their connection limits, the cap the HTTP and HTTPS listeners
 * share, listening, and the URL they answer at. (What they serve is the gateway's: gateway.ts.)
 */
import { type Server } from 'node:http';
import { type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { type MessageLimits } from '../message/limits.ts';

/**
 * The traffic port's connection limits (docs/configuration.md, "Limits"): Node answers a head that takes
 * too long with 408 and closes the connection, closes idle keep-alive connections, and drops a
 * connection accepted beyond the cap. (A stalled body is the request body's own watch: request-body.ts.)
 */
export function applyConnectionLimits(server: Server | HttpsServer, limits: MessageLimits): void {
  server.headersTimeout = limits.headTimeoutMs;
  server.keepAliveTimeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;
}

/**
 * One cap for the connections of the HTTP and HTTPS listeners together (each server's own
 * maxConnections still holds it alone): a connection accepted beyond it, on either, is closed at once.
 */
export function shareConnectionCap(servers: readonly NetServer[], cap: () => number): Set<Socket> {
  const open = new Set<Socket>();
  for (const server of servers) {
    server.on('connection', (socket: Socket) => {
      if (open.size >= cap()) {
        socket.destroy();
        return;
      }
      open.add(socket);
      socket.once('close', () => open.delete(socket));
    });
  }
  return open;
}

/** Listens on `host`:`port`; rejects with the listen error (a port taken, an address not local). */
export function listen(server: NetServer, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

/** The URL a listening server answers at (IPv6 addresses in brackets). */
export function urlOf(scheme: 'http' | 'https', server: NetServer): string {
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `${scheme}://${host}:${a.port}`;
}

/** How often Node looks for connections past the head timeout: a quarter of it, at most once a second. */
export function checkingInterval(limits: MessageLimits): number {
  return Math.max(10, Math.min(1000, Math.floor(limits.headTimeoutMs / 4)));
}
