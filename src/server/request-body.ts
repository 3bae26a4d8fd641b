/**
 * How the gateway takes in a request's bytes. A small request (announced with a Content-Length up to
 * 64 KB, most SOAP traffic) is collected whole with plain listeners: it is read in one go anyway, and
 * the stream's pause-and-resume per chunk costs more than the message. Anything larger or unannounced
 * streams: its head is read and the rest flows on as it arrives.
 */
import type { IncomingMessage } from 'node:http';
import { type MessageLimits } from '../message/limits.ts';
import { MessageBody, type SettledSource } from '../message/message-body.ts';
import { StreamChunks } from '../message/stream-chunks.ts';
import { MoorError } from '../errors.ts';
import { type BodySlowness, type StallWatch } from './stall-watch.ts';

/** Bodies announced up to this size are collected whole. */
const SMALL_BODY = 64 * 1024;

export interface RequestBody {
  readonly body: MessageBody;
  /** Lets what is left of the request flow away unread, so that the connection can carry the next one. */
  discard(): void;
}

const NOTHING_LEFT = (): void => {};

/**
 * The request's body; rejects when the client goes away while a small one is collected, or with
 * MOOR_ERR_REQUEST_TIMEOUT when it sends nothing for `limits.bodyStallMs` while it is waited for, or
 * has been waited for `limits.bodyTimeoutMs` in all.
 */
export function requestBody(req: IncomingMessage, declared: number | undefined, limits: MessageLimits, stalls: StallWatch, shape: BodyShape = asSoap): Promise<RequestBody> {
  if (declared !== undefined && declared <= Math.min(SMALL_BODY, limits.maxMessageBytes)) return collect(req, declared, limits, stalls, shape);
  const chunks = new StreamChunks(req, { watch: stalls, stalled });
  return Promise.resolve({ body: shape(chunks, limits, declared), discard: () => chunks.discard() });
}

/**
 * Makes the message body of the bytes a request brings (a buffer when collected whole, else the stream):
 * a SOAP request's bytes as they are; a REST API's payload as rest-payload.ts carries it.
 */
export type BodyShape = (source: SettledSource | Buffer, limits: MessageLimits, declared: number | undefined) => MessageBody;

const asSoap: BodyShape = (source, limits, declared) => new MessageBody(source, limits, declared);

/** What a body that stalled, or took too long in all, fails with. */
export function stalled(ms: number, limit: BodySlowness): MoorError {
  return new MoorError('MOOR_ERR_REQUEST_TIMEOUT', limit === 'stall' ? `the request body sent nothing for ${ms} ms (bodyStallMs)` : `the request body took longer than ${ms} ms to arrive (bodyTimeoutMs)`);
}

/** Every chunk of `req`, joined into the body; rejects if it ends early or stalls. */
function collect(req: IncomingMessage, declared: number, limits: MessageLimits, stalls: StallWatch, shape: BodyShape): Promise<RequestBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const watched = { since: 0, onStall: (ms: number, limit: BodySlowness) => reject(stalled(ms, limit)) };
    stalls.watch(watched);
    // (plain listeners, not once(): each event comes at most once for a request, and a promise settles
    // once anyway; once() would wrap every listener of every request)
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      watched.since = performance.now();
    });
    req.on('end', () => {
      stalls.unwatch(watched);
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      resolve({ body: shape(bytes, limits, declared), discard: NOTHING_LEFT });
    });
    req.on('error', reject);
    req.on('close', () => {
      stalls.unwatch(watched);
      if (!req.complete) reject(new Error('the client went away before its request ended'));
    });
  });
}
