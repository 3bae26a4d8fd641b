/**
 * What a client is answered, without a socket: the status, the header lines and the body of a
 * mediated message or of a fault. The rules (which length is announced, which headers pass) live here
 * once; the HTTP server (reply.ts) and the testing harness each write an Answer to where their
 * client is.
 */
import { headerListForClient } from '../endpoints/headers.ts';
import { type ErrorCode } from '../errors.ts';
import { type MessageContext } from '../message/context.ts';
import { contentTypeOf, type SoapVersion } from '../xml/soap.ts';
import { faultFor } from './faults.ts';

export interface Answer {
  readonly status: number;
  /** Header lines: name, value, name, value… */
  readonly headers: string[];
  /** The body when it is all in memory (an empty Buffer for none)… */
  readonly whole: Buffer | undefined;
  /** …else its chunks as they come, with `length` when it is known. */
  readonly chunks: (() => AsyncGenerator<Buffer>) | undefined;
  readonly length: number | undefined;
  /** A fault's moor error code, sent as `x-moor-error` (set apart: the access log reads it back). */
  readonly error?: ErrorCode | undefined;
  /** The connection closes once this answer is out (the rest of the request will not be read). */
  readonly close?: boolean;
}

/** Where an exchange's answers go: the HTTP response, or what a test collects. */
export interface AnswerSink {
  /** True once an answer's head has gone out: a later fault can only cut it off. */
  readonly started: boolean;
  /** Writes `answer` (made from `msg`, when it carries one); a promise of its end when its body streams. */
  write(answer: Answer, msg?: MessageContext): Promise<void> | undefined;
  /** An error after the head went out: the answer is cut off. */
  cut(error: unknown): void;
}

/** The answer that carries `msg`, a response (or a request sent back) after mediation. */
export function answerOf(msg: MessageContext): Answer {
  const headers = headerListForClient(msg);
  const length = msg.body.length;
  // (taken before the status line: a reply all in memory is checked here, and one that fails the check
  // is answered with a fault instead)
  const whole = msg.body.whole;
  // a 204 or 304 has no body and must not announce one (RFC 9110 §8.6)
  if (length !== undefined && msg.status !== 204 && msg.status !== 304) headers.push('content-length', String(length));
  if (msg.status === 202 && length === 0) return { status: 202, headers, whole: EMPTY, chunks: undefined, length: 0 };
  return whole ? { status: msg.status, headers, whole, chunks: undefined, length } : { status: msg.status, headers, whole: undefined, chunks: () => msg.body.open(), length };
}

const EMPTY = Buffer.alloc(0);

/**
 * The fault for `err` in SOAP `version`, with `extra` header lines (`allow`); `close`: the connection
 * closes once it is out (`connection: close`).
 */
export function faultAnswer(version: SoapVersion, err: unknown, extra: readonly string[] = [], close = false): Answer {
  const f = faultFor(version, err);
  const body = Buffer.from(f.body);
  const headers = ['content-type', contentTypeOf(version), 'content-length', String(body.length), ...extra];
  if (close) headers.push('connection', 'close');
  return { status: f.status, headers, whole: body, chunks: undefined, length: body.length, error: f.code, close };
}

/** Answers `err` as a fault, or cuts off the answer already started. */
export function answerFault(sink: AnswerSink, version: SoapVersion, err: unknown, close = false): void {
  if (sink.started) sink.cut(err);
  else void sink.write(faultAnswer(version, err, [], close));
}
