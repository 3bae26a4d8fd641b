/** Writes a message back to the client: status, passed-on headers, and the body streamed with backpressure. */
import type { ServerResponse } from 'node:http';
import { headerListForClient } from '../endpoints/headers.ts';
import { type MessageContext } from '../message/context.ts';

/**
 * Writes `msg` to the client. A message in memory, the usual small one, is written at once (undefined);
 * a streamed body, with a promise of its end.
 */
export function writeMessage(res: ServerResponse, msg: MessageContext): Promise<void> | undefined {
  const headers = headerListForClient(msg);
  const length = msg.body.length;
  // (taken before the status line: a reply all in memory is checked here, and one that fails the check
  // is answered with a fault instead)
  const whole = msg.body.whole;
  // a 204 or 304 has no body and must not announce one (RFC 9110 §8.6)
  if (length !== undefined && msg.status !== 204 && msg.status !== 304) headers.push('content-length', String(length));
  res.writeHead(msg.status, headers);
  if (msg.status === 202 && length === 0) {
    res.end();
    return undefined;
  }
  if (whole) {
    res.end(whole);
    return undefined;
  }
  return writeBody(res, msg.body.open(), length);
}

/**
 * Streams `chunks` into `res`, waiting for 'drain' when the socket is full. The chunk that completes a
 * known length goes out with `end()`, so a small message leaves in one write with its headers. (A
 * hand-written loop: `pipeline(Readable.from(…))` costs a Readable, an AbortController and several
 * listeners per message.) A failing source or a vanished client destroys the response and rejects.
 */
async function writeBody(res: ServerResponse, chunks: AsyncGenerator<Buffer>, length: number | undefined): Promise<void> {
  let sent = 0;
  let ended = false;
  try {
    for (let r = await chunks.next(); !r.done; r = await chunks.next()) {
      const chunk = r.value;
      if (chunk.length === 0) continue;
      if (ended) throw new Error(`the message is longer than its content-length (${length ?? 0} bytes)`);
      if (res.destroyed) throw new Error('the client closed the connection');
      sent += chunk.length;
      if (sent === length) {
        res.end(chunk);
        ended = true;
      } else if (!res.write(chunk)) await drained(res);
    }
    if (!ended) res.end();
  } catch (e) {
    void chunks.return(undefined);
    res.destroy(e as Error);
    throw e;
  }
}

/** Resolves on 'drain'; rejects if the response closes first. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', closed);
      resolve();
    };
    const closed = (): void => {
      res.off('drain', done);
      res.off('close', closed);
      reject(new Error('the client closed the connection'));
    };
    res.on('drain', done);
    res.on('close', closed);
  });
}
