/**
 * What the admin listener refuses before a route sees a request, as the traffic port refuses it
 * (docs/hostile-input.md, "The admin listener"): Node's parser already answers a malformed head, two
 * Content-Lengths, Content-Length with Transfer-Encoding (400), a head over maxHeadBytes (431) and a
 * late one (408); this adds what Node lets through:
 *
 * - a pipelined flood: past maxPipelinedRequests requests waiting on one connection, it is closed (Node
 *   parses every pipelined request as it arrives, and each /metrics one gathers the whole exposition);
 * - two Host or two Authorization lines: 400 (RFC 9112 §3.2 for Host; for the token, a proxy in front
 *   and moor could each read another line, and Node keeps only the first);
 * - a body past maxBodyBytes: 413 at once when its Content-Length says so, else the connection closed
 *   once that many bytes came (no route reads a body, so a stream of them would only be thrown away,
 *   for as long as requestTimeoutMs allows);
 * - CONNECT: the traffic port's bare 405 (Node would close the connection without a word).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { type AdminLimits } from '../../config/admin-limits.ts';
import { bareRefusal } from '../connection-answers.ts';
import { linesNamed } from '../header-lines.ts';
import { type AdminAnswer, adminError } from './router.ts';

/** The methods of the admin routes, for CONNECT's Allow. */
const ADMIN_METHODS = 'GET, POST, DELETE';

/** Answers CONNECT on `server` with a bare 405, and closes the connection. */
export function refuseConnect(server: Server): void {
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => bareRefusal(socket as Socket, 405, `Allow: ${ADMIN_METHODS}\r\n`));
}

/**
 * Counts each connection's requests waiting for their answers; true when `req` is one past the bound,
 * or one parsed from bytes that came before its connection was closed for it (it is then not answered).
 */
export function pipelineFlooded(req: IncomingMessage, res: ServerResponse, limits: AdminLimits, waiting: WeakMap<Socket, number>): boolean {
  const socket = req.socket;
  if (socket.destroyed) return true;
  const open = (waiting.get(socket) ?? 0) + 1;
  waiting.set(socket, open);
  res.once('close', () => waiting.set(socket, (waiting.get(socket) ?? 1) - 1));
  if (open <= limits.maxPipelinedRequests) return false;
  socket.destroy();
  return true;
}

/** The refusal of a request with two Host or Authorization lines, or a Content-Length over maxBodyBytes; undefined when there is none. */
export function headRefusal(req: IncomingMessage, limits: AdminLimits): AdminAnswer | undefined {
  if (linesNamed(req.rawHeaders, 'host') > 1) return adminError(400, 'the request has more than one Host header');
  if (linesNamed(req.rawHeaders, 'authorization') > 1) return adminError(400, 'the request has more than one Authorization header');
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > limits.maxBodyBytes) return adminError(413, `the request body is larger than ${limits.maxBodyBytes} bytes (<moor:admin maxBodyBytes>); no admin route reads one`);
  return undefined;
}

/** Throws a body away as it comes, closing the connection once more than maxBodyBytes came (a chunked stream). */
export function discardBody(req: IncomingMessage, limits: AdminLimits): void {
  let received = 0;
  // (a 'data' listener of our own: Node then leaves the body to it, and does not dump it unbounded)
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > limits.maxBodyBytes) req.socket.destroy();
  });
}

