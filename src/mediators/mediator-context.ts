/**
 * The extension surface: what a `<class>` mediator and a `<session type="class">` dispatcher may rely
 * on of a message, and the shapes they export. MediatorContext is a narrow, documented view of the
 * gateway's MessageContext: the rest of MessageContext (adopt, derive, commitHead, exchange, the
 * body's streams) is the gateway's own and may change between versions. The gateway hands extensions
 * its MessageContext, which satisfies this interface (class.ts and dispatch/create.ts check that it
 * does where they call them).
 */
import { type Logger } from '../logging.ts';
import { type SessionNote, type TransportHeaders } from '../message/context.ts';
import { type SoapVersion } from '../xml/soap.ts';
import { type MediationEnv, type Outcome } from './mediator.ts';

export interface MediatorContext {
  /** A unique id of the exchange, for logs. */
  readonly id: string;
  /** A client's request (on its way to a backend), or a backend's response (on its way back). */
  readonly direction: 'request' | 'response';
  /** Default-scope properties (`$ctx:`), shared by a request and its response. */
  readonly properties: Map<string, unknown>;
  /** Axis2-scope properties (`$axis2:`: messageType, HTTP_METHOD, REST_URL_POSTFIX…). */
  readonly axis2: Map<string, unknown>;
  /** Transport headers, lower-case names: what goes on (to the backend, or to the client). */
  readonly transport: TransportHeaders;
  /** The HTTP status (of a response; 200 for a request until a mediator says otherwise). */
  status: number;
  /** The message's SOAP version. */
  readonly version: SoapVersion;
  /** The session the message was routed in, once a send has run. */
  readonly session: SessionNote | undefined;
  /** The gateway's logger (winston); log lines name the message with `{ msg: id }`. */
  readonly log: Logger;
  /** Aborted when the client goes away: pass it on to work that should stop then. */
  readonly signal: AbortSignal;
  /** True once the client has its answer. */
  readonly replied: boolean;
  /** The whole envelope as a DOM (read into memory, under the gateway's parse limits). */
  envelopeDom(): Promise<Document>;
  /** Replaces the whole envelope. */
  setEnvelope(xml: string): void;
}

/**
 * What a `<class>` module provides (its default export, or a class or factory that makes one):
 * `mediate` answers (a promise of) 'continue' or 'stop'.
 */
export interface ClassMediator {
  mediate(msg: MediatorContext, env: MediationEnv): Outcome | Promise<Outcome>;
}

/**
 * What a `<session type="class">` module provides (its default export, or a function of the
 * <session> that returns one): who creates the session id, and where a message carries it.
 */
export interface ClassDispatcher {
  readonly initiator: 'client' | 'server';
  /** The session key a request carries, if any. */
  keyOfRequest(request: MediatorContext): string | undefined | Promise<string | undefined>;
  /** Server-initiated sessions: the key a response creates, if any. */
  keyOfResponse?(response: MediatorContext): Promise<string | undefined>;
}
