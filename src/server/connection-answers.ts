/**
 * A connection's answers in the order its requests came: Node parses pipelined requests as they arrive
 * and queues their answers, so a client may have several waiting. Counted here per connection, so that
 * bytes that stop being HTTP are refused only after the answers before them (gateway.ts' 'clientError'),
 * a flood past maxPipelinedRequests can be let go, and a connection that closes cancels the mediations
 * of every request it sent, not only the first (Node tells only the first of its answers).
 */
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { type MessageAbort } from '../message/abort.ts';

/** A connection's requests whose answers are not out yet (ConnectionAnswers.track). */
export interface Answering {
  open: number;
  last: IncomingMessage;
  lastAnswer: ServerResponse;
  /** Set once the connection's bytes stopped being HTTP: it answers the bad request once those before it are answered. */
  onClose: (() => void) | undefined;
  /** The aborts of its requests being mediated, cancelled when the connection closes. */
  readonly aborts: Set<MessageAbort>;
}

/** The connections of a listener (or two) and their requests whose answers are not out yet. */
export class ConnectionAnswers {
  private readonly byConnection = new WeakMap<Socket, Answering>();

  /** Counts `req` among its connection's requests being answered (handle() counts it off when `res` closes). */
  track(req: IncomingMessage, res: ServerResponse): Answering {
    const socket = req.socket;
    let a = this.byConnection.get(socket);
    if (!a) {
      const conn: Answering = { open: 0, last: req, lastAnswer: res, onClose: undefined, aborts: new Set() };
      this.byConnection.set(socket, (a = conn));
      socket.once('close', () => {
        for (const abort of conn.aborts) abort.abort(new Error('client went away'));
        conn.aborts.clear();
      });
    }
    a.open++;
    a.last = req;
    a.lastAnswer = res;
    return a;
  }

  /**
   * A connection whose bytes are not HTTP (Node's parser failed: a smuggling shape, a bad chunk size, an
   * overlong head) or whose head timed out: Node's bare 400 (431, 413, 408), as Node writes it, and the
   * connection closes. But the requests it parsed before the bad one are answered first, in order: Node
   * would write its 400 at once, as the answer of the first of them (a pipelining client's good request
   * would read as refused, while the backend acts on it).
   */
  clientError(err: Error & { code?: string }, socket: Socket): void {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 413 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const a = this.byConnection.get(socket);
    if (!a || a.open === 0) {
      bareRefusal(socket, status);
      return;
    }
    // (the parser stays failed: bytes the client goes on sending fail again, and are ignored)
    if (a.onClose) return;
    // the bad bytes are the rest of the latest request's body (a bad chunk), or a request after it
    const last = a.last.complete ? undefined : a.last;
    const settle = (): void => {
      if (a.open > (last ? 1 : 0)) return;
      // (a request whose own answer has begun can only be cut off)
      if (last && a.lastAnswer.headersSent) socket.destroy();
      else bareRefusal(socket, status);
    };
    a.onClose = settle;
    settle();
  }
}

/**
 * Node's bare answer to bytes that are not HTTP (no SOAP version is known), and the connection closes
 * once it is out. (end, not destroy: answers before it may still be on their way out.)
 */
export function bareRefusal(socket: Socket, status: number, extra = ''): void {
  // (a client that reset its connection, or closed it, is not answered)
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${extra}Connection: close\r\n\r\n`);
  const linger = setTimeout(() => socket.destroy(), BARE_REFUSAL_LINGER_MS).unref();
  socket.once('finish', () => socket.destroy());
  socket.once('close', () => clearTimeout(linger));
}

/** How long a connection refused with a bare answer may take to read it before it is cut. */
const BARE_REFUSAL_LINGER_MS = 5000;
