/**
 * A raw client connection, for tests that need the exact (slow, partial, endless) bytes a hostile
 * client sends: what it received, and a promise of its close.
 */
import { connect, type Socket } from 'node:net';

export interface RawClient {
  readonly socket: Socket;
  /** Everything received so far (latin1: one character per byte). */
  text(): string;
  readonly closed: Promise<void>;
  isClosed(): boolean;
}

export function openRaw(url: string): RawClient {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let text = '';
  let closed = false;
  socket.setEncoding('latin1').on('data', (s: string) => (text += s));
  socket.on('error', () => {});
  return { socket, text: () => text, closed: new Promise((resolve) => socket.on('close', () => ((closed = true), resolve()))), isClosed: () => closed };
}
