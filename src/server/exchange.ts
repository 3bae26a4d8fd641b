/**
 * One admitted SOAP request, the message in and the answer out, without a socket: the gateway calls it
 * for every request it admits, and moor/testing's harness for every run, so that a test that passes in
 * `moor test` ran the code the gateway runs. The caller brings the body and a sink for the answers;
 * what happens to the connection afterwards is the caller's.
 */
import { MoorError } from '../errors.ts';
import { type Logger } from '../logging.ts';
import { type MessageAbort } from '../message/abort.ts';
import { MessageContext } from '../message/context.ts';
import { type MessageLimits } from '../message/limits.ts';
import { mediate } from '../mediators/flow.ts';
import { type Admission, type RequestHead } from './admission.ts';
import { answerFault, answerOf, type AnswerSink } from './answer.ts';
import { enterApi, writeRestReply } from './api-request.ts';
import { type BodyShape, type RequestBody } from './request-body.ts';

/** What the caller brings besides the request's head. */
export interface RequestIO {
  /** Reads the body (only once the request is admitted: nothing is read of a refused one), made into a message body by `shape`. */
  body(declared: number | undefined, limits: MessageLimits, shape?: BodyShape): Promise<RequestBody>;
  /** Ends all work on the message (the client went away). */
  readonly abort: MessageAbort;
  readonly log: Logger;
  /** The client's address (Synapse's REMOTE_ADDR: who a throttle counts). */
  readonly remoteAddress: string;
  /** The message's id, for logs (made on first use when not given). */
  readonly id?: string | undefined;
  /** Called with the request before mediation (the harness sets a run's properties). */
  readonly prepare?: ((msg: MessageContext) => void) | undefined;
  /** Told of each branch mediation takes (the harness's trace). */
  readonly trace?: ((branch: string) => void) | undefined;
}

/** How an exchange ended. */
export interface Exchanged {
  readonly input: RequestBody | undefined;
  readonly msg: MessageContext | undefined;
  /** The error it ended with (the client got it as a fault, unless `answered` is false). */
  readonly error: unknown;
  /** False when nobody was left to answer: the client broke off. */
  readonly answered: boolean;
  /** True when the fault closes the connection (a body over the limit or stalled is not read on). */
  readonly closing: boolean;
}

/** Refusals after which the rest of the request is not read: the connection closes. */
const CLOSING: ReadonlySet<string> = new Set(['MOOR_ERR_MESSAGE_TOO_LARGE', 'MOOR_ERR_REQUEST_TIMEOUT']);

/** A request to mediate: a SOAP message, or a REST API's resource. */
export type Admitted = Extract<Admission, { kind: 'soap' | 'api' }>;

/** Mediates the admitted request `head`; every error becomes a fault in `sink` (never thrown). */
export async function exchange(a: Admitted, head: RequestHead, io: RequestIO, sink: AnswerSink): Promise<Exchanged> {
  let input: RequestBody | undefined;
  let msg: MessageContext | undefined;
  const api = a.kind === 'api' ? a : undefined;
  try {
    input = await io.body(a.declared, a.runtime.limits, api?.shape);
    const reply = api ? (response: MessageContext) => writeRestReply(sink, response) : (response: MessageContext) => sink.write(answerOf(response), response);
    msg = new MessageContext('request', head.headers, input.body, io.abort, io.log, reply, { version: a.version, id: io.id });
    msg.axis2.setTransportInUrl(head.target);
    // (Synapse's name for the client's address: the throttle's callers)
    msg.axis2.set('REMOTE_ADDR', io.remoteAddress);
    io.prepare?.(msg);
    // (a REST payload is read only when a mediator asks; a small SOAP request is all here: its head
    // is read without an await)
    if (api) enterApi(msg, api.match, head.method || 'GET', a.url.pathname + a.url.search);
    else if (!msg.headNow()) await msg.head();
    await mediate(a.runtime.compiled, a.runtime.endpoints, a.kind === 'api' ? a.match.resource : a.proxy, msg, io.trace);
    return { input, msg, error: undefined, answered: true, closing: false };
  } catch (e) {
    // (no body and no refusal of ours means the client broke off while sending it: nobody is left to answer)
    if (io.abort.aborted || (!input && !(e instanceof MoorError))) return { input, msg, error: e, answered: false, closing: false };
    const level = e instanceof MoorError && !e.code.startsWith('MOOR_ERR_MEDIATION') ? 'warn' : 'error';
    // (what a fault keeps from the client, an endpoint's address or a parser's words, is logged)
    const detail = (e as { detail?: unknown }).detail;
    io.log.log(level, `${head.method} ${a.url.pathname}: ${(e as Error).message}${typeof detail === 'string' ? ` (${detail})` : ''}`, { component: 'server', msg: msg?.id });
    // a body over the limit or stalled is not read on: answered now, and the connection closed once
    // the answer is out (an endless body would otherwise hold it for ever)
    const closing = e instanceof MoorError && CLOSING.has(e.code);
    answerFault(sink, msg?.version ?? a.version, e, closing);
    if (closing) io.abort.abort(e as Error);
    return { input, msg, error: e, answered: true, closing };
  } finally {
    // the exchange is over: the message's parsed trees give their share of the budget back
    msg?.releaseParsed();
  }
}
