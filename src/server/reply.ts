/** Writes a message back to the client: status, passed-on headers, and the body streamed with backpressure. */
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { forwardedHeaders } from '../endpoints/headers.ts';
import { type MessageContext } from '../message/context.ts';

export async function writeMessage(res: ServerResponse, msg: MessageContext): Promise<void> {
  const headers = msg.direction === 'response' ? forwardedHeaders(msg.transport) : pick(msg.transport, ['content-type', 'set-cookie']);
  const length = msg.body.length;
  if (length !== undefined) headers['content-length'] = String(length);
  res.writeHead(msg.status, headers);
  if (msg.status === 202 && length === 0) {
    res.end();
    return;
  }
  await pipeline(Readable.from(msg.body.open(), { objectMode: false }), res);
}

function pick(h: ReadonlyMap<string, string | string[]>, names: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const n of names) {
    const v = h.get(n);
    if (v !== undefined) out[n] = v;
  }
  return out;
}
