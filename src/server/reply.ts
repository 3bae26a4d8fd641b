/** Writes Answers (answer.ts) to an HTTP response: the head, then the body streamed with backpressure. */
import type { ServerResponse } from 'node:http';
import { type SoapVersion } from '../xml/soap.ts';
import { type Answer, answerFault, type AnswerSink } from './answer.ts';

/** The HTTP response of one request as an AnswerSink. */
export class HttpAnswers implements AnswerSink {
  constructor(private readonly res: ServerResponse) {}

  get started(): boolean {
    return this.res.headersSent;
  }

  /** An answer in memory, the usual small one, is written at once (undefined); a streamed one, with a promise of its end. */
  write(answer: Answer): Promise<void> | undefined {
    // (set apart from the lines, so that the access log can read the code back from the response)
    if (answer.error) this.res.setHeader('x-moor-error', answer.error);
    if (answer.close) {
      // (taken now: the response lets go of its socket when it finishes)
      const socket = this.res.socket;
      this.res.once('finish', () => socket?.destroy());
    }
    this.res.writeHead(answer.status, answer.headers);
    if (answer.whole) {
      this.res.end(answer.whole);
      return undefined;
    }
    return writeBody(this.res, answer.chunks!(), answer.length);
  }

  cut(error: unknown): void {
    this.res.destroy(error instanceof Error ? error : undefined);
  }
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

/** Writes the fault for `err` (with `extra` header lines) to `res`, or cuts off an answer already started. */
export function writeFault(res: ServerResponse, version: SoapVersion, err: unknown): void {
  answerFault(new HttpAnswers(res), version, err);
}
