/**
 * An address endpoint: one backend URL, with Synapse's state machine (suspension.ts) deciding when it
 * takes traffic. Every failed send is classified into Synapse's codes once (outbound.ts), and the
 * state machine hears it; every answer makes the endpoint active again.
 */
import { randomUUID } from 'node:crypto';
import { type AddressDef } from '../config/endpoint-def.ts';
import { type MessageContext, rawHeader } from '../message/context.ts';
import { type BodyOrigin, MessageBody } from '../message/message-body.ts';
import { soapVersionOfContentType } from '../xml/soap.ts';
import { MoorError } from '../errors.ts';
import { type Clock, systemClock } from '../session/clock.ts';
import { type Endpoint, type SendOptions } from './endpoint.ts';
import { type Outbound } from './outbound.ts';
import { type OutboundRequest, type RawResponse } from './outbound-request.ts';
import { EndpointError } from './send-failure.ts';
import { type BackendOutcome, type EndpointEnv } from './env.ts';
import { describeChange } from './events.ts';
import { SYNAPSE_CODES } from './failure-codes.ts';
import { forwardedHeaderList } from './headers.ts';
import { isRest, restResponseBody, restSend } from './rest-request.ts';
import { expandHttpTemplate } from './http-template.ts';
import { EndpointHealth, type HealthState, type StateListener } from './suspension.ts';
import { soapAction } from '../expr/properties.ts';
import { element, type XmlElement } from '../xml/element.ts';
import { NS, WSA_NAMESPACES } from '../xml/names.ts';

/** What an operator (health, metrics, `/endpoints`) can read of an address endpoint. */
export interface AddressStatus {
  readonly id: string;
  /** Synapse's state; draining is separate (a draining endpoint keeps its state machine). */
  readonly state: HealthState;
  readonly draining: boolean;
  /** Why it is in this state. */
  readonly reason: string;
  /** The Synapse code of the failure that caused it, if any. */
  readonly code: number | undefined;
  /** Since when (ms since the epoch). */
  readonly since: number;
  /** When a suspended or timed-out endpoint takes traffic again (ms since the epoch). */
  readonly suspendedUntil: number | undefined;
  /** Requests sent and not yet answered. */
  readonly inFlight: number;
}

export class AddressEndpoint implements Endpoint {
  readonly id: string;
  readonly label: string;
  draining: boolean;
  /** Synapse's state machine of this endpoint. */
  readonly health: EndpointHealth;
  private active = 0;
  private readonly clock: Clock;
  /** The origin of this endpoint's replies (one object for all of them). */
  private origin: BodyOrigin | undefined;

  constructor(
    readonly def: AddressDef,
    private readonly outbound: Outbound,
    private readonly env: EndpointEnv,
    onStateChange: StateListener = () => {},
  ) {
    this.id = def.name ? `${def.name}@${def.uri}` : def.uri;
    this.label = def.name ?? 'anonymous';
    this.draining = def.draining;
    this.clock = env.clock ?? systemClock;
    this.health = new EndpointHealth(this.id, def.failure, env.defaultSuspendMs, this.clock, onStateChange);
  }

  available(now: number): boolean {
    return !this.draining && this.health.ready(now);
  }

  /** 'draining', else Synapse's state: 'active', 'timeout' or 'suspended'. */
  get state(): HealthState | 'draining' {
    return this.draining ? 'draining' : this.health.state;
  }

  /** Requests sent and not yet answered (least-active balancing, metrics). */
  get inFlight(): number {
    return this.active;
  }

  /** Everything an operator can read of this endpoint now. */
  status(): AddressStatus {
    const h = this.health;
    return { id: this.id, state: h.state, draining: this.draining, reason: h.reason, code: h.code, since: h.since, suspendedUntil: h.until, inFlight: this.active };
  }

  *leaves(): Iterable<Endpoint> {
    yield this;
  }

  /** The HTTP edge, or the send the environment injects in its place (the testing API's mocks). */
  private post(req: OutboundRequest): Promise<RawResponse> {
    return this.env.send ? this.env.send(this.id, req, this) : this.outbound.send(this.label, req);
  }

  /**
   * (Not async: the answer becomes the response message in a continuation, so no frame of this
   * endpoint stays suspended while the backend works.)
   */
  send(request: MessageContext, options: SendOptions = NO_OPTIONS): Promise<MessageContext> {
    const now = this.clock.now();
    // force (a bound session) may try a suspended endpoint, which may be back; one that its health
    // check holds out is known to be down, so the session follows its onFailure instead
    if ((!options.force || this.health.outByHealthCheck) && !this.health.ready(now)) {
      const until = this.health.until;
      const left = until === undefined ? 'until its health check passes' : `for ${Math.ceil(Math.max(0, until - now) / 1000)} s more`;
      return Promise.reject(new EndpointError('unreachable', this.label, `${this.health.state} (${this.health.reason}), ${left}`, { code: SYNAPSE_CODES.ENDPOINT_ADDRESS_NONE_READY, summary: this.health.state }));
    }
    if (this.def.toHeader) return this.toAddress(request).then(async (to) => {
      if (this.def.addressing) await addAddressing(request, to);
      return this.exchange(request, to);
    });
    if (this.def.addressing) return addAddressing(request, this.def.uri).then(() => this.exchange(request));
    return this.exchange(request);
  }

  /** A <default> endpoint's URL for `request`: its WS-Addressing To, which must be http(s). */
  private async toAddress(request: MessageContext): Promise<string> {
    const to = (await request.head()).addressing.to;
    if (!to || !/^https?:\/\//i.test(to)) {
      throw new MoorError('MOOR_ERR_NO_ENDPOINT', `the <default> endpoint ${this.label} sends to the message's WS-Addressing To, which ${to ? `is "${to}", not an http(s) address` : 'the message does not have'}`);
    }
    return to;
  }

  private exchange(request: MessageContext, to?: string): Promise<MessageContext> {
    const http = this.def.http;
    if (http || isRest(request)) {
      let url: string;
      try {
        url = http ? expandHttpTemplate(http.template, request) : (to ?? this.def.uri);
      } catch (e) {
        return Promise.reject(e);
      }
      return restSend(request, this.def, url, http?.method, !http).then((out) =>
        out.body ? this.dispatch(request, out.url, out.method, out.headers, out.body, out.body.length) : this.dispatch(request, out.url, out.method, out.headers),
      );
    }
    try {
      request.commitHead();
      let url = to ?? this.def.uri;
      if (this.def.keepRequestPath) {
        const inUrl = request.axis2.transportInUrl;
        if (inUrl !== undefined) url = new URL(inUrl, this.def.uri).href;
      }
      return this.dispatch(request, url, 'POST', forwardedHeaderList(request));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Sends one request to the backend and makes its answer the response message; the message's own
   * bytes go (one buffer when they are all in memory, else the stream) unless `body` is given.
   */
  private dispatch(request: MessageContext, url: string, method: string, headers: string[], body?: Buffer, length?: number): Promise<MessageContext> {
    let sent: Promise<RawResponse>;
    const generation = this.health.generation;
    const f = this.def.failure;
    try {
      // (one object literal of a fixed shape: spreading the parts into it cost ~3 µs per message in
      // the bench's profile, V8's generic object-clone path)
      const req: OutboundRequest = {
        url,
        method,
        headers,
        // (the stream is opened only when the bytes are not all in memory)
        body: body ?? request.body.whole ?? request.body.open(),
        length: body ? length : request.body.length,
        abort: request.abort,
        // responseAction never: no timeout of its own; the gateway's bounds the wait
        timeoutMs: f.timeoutMs ?? this.env.defaultTimeoutMs,
      };
      sent = this.post(req);
    } catch (e) {
      return Promise.reject(e);
    }
    this.active++;
    const observer = this.env.observer;
    if (!observer) {
      return sent.then(
        (raw) => this.received(request, raw),
        (e: unknown) => this.failed(request, e, generation),
      );
    }
    const started = performance.now();
    return sent.then(
      (raw) => {
        observer.backend(this.id, raw.status >= 500 ? 'fault' : 'ok', (performance.now() - started) / 1000);
        return this.received(request, raw);
      },
      (e: unknown) => {
        observer.backend(this.id, outcomeOf(e, request), (performance.now() - started) / 1000);
        return this.failed(request, e, generation);
      },
    );
  }

  /** The backend answered: the endpoint is well, and the answer is the response message. */
  private received(request: MessageContext, raw: RawResponse): MessageContext {
    this.active--;
    const change = this.health.onSuccess();
    if (change) request.log.info(describeChange(change), { component: 'endpoint' });
    request.axis2.setEndpoint(this.id);
    const body = isRest(request)
      ? restResponseBody(request, raw.body, headerOf(raw.headers, 'content-type'), raw.length, this.env.limits, (this.origin ??= { backend: this.def.name ?? 'anonymous' }))
      : new MessageBody(raw.body, this.env.limits, raw.length, this.replyOrigin(raw.headers));
    const response = request.derive('response', raw.headers, body);
    response.status = raw.status;
    return response;
  }

  /**
   * Who the reply is from: this backend, checked as an envelope as it streams, when it says it is XML
   * (SOAP 1.1's text/xml, SOAP 1.2's application/soap+xml, any +xml); any other body (a proxy's HTML
   * error page, a WSDL download through main) passes untouched, as it is not a SOAP message.
   */
  private replyOrigin(headers: RawResponse['headers']): BodyOrigin {
    const v = soapVersionOfContentType(headerOf(headers, 'content-type'));
    return v === undefined ? 'trusted' : (this.origin ??= { backend: this.def.name ?? 'anonymous' });
  }

  /** The send failed: Synapse's state machine hears its code; a change is logged once, on this message. */
  private failed(request: MessageContext, e: unknown, generation: number): never {
    this.active--;
    if (!(e instanceof EndpointError)) throw e;
    const change = this.health.onFailure(e.synapseCode, e.detail, generation);
    if (change) request.log.warn(describeChange(change), { component: 'endpoint' });
    const f = this.def.failure;
    if (e.failure === 'timeout' && f.timeoutAction === 'discard') {
      throw new EndpointError('timeout', this.label, e.detail, { cause: e, code: e.synapseCode, discarded: true }, false);
    }
    // <retryConfig> may only narrow what is safe to retry elsewhere, never widen it
    if (e.retryable && (f.retryDisabledCodes.includes(e.synapseCode) || (f.retryEnabledCodes.length > 0 && !f.retryEnabledCodes.includes(e.synapseCode)))) {
      throw new EndpointError(e.failure, this.label, `${e.detail} (not retried: <retryConfig>)`, { cause: e, code: e.synapseCode }, false);
    }
    throw e;
  }
}

const NO_OPTIONS: SendOptions = {};

/** The first value of a response header (`name` in lower case). */
function headerOf(headers: RawResponse['headers'], name: string): string | undefined {
  const v = headers instanceof Map ? headers.get(name) : rawHeader(headers, name);
  return Array.isArray(v) ? v[0] : v;
}

/** Why an exchange failed, as the metrics name it. */
function outcomeOf(e: unknown, request: MessageContext): BackendOutcome {
  if (e instanceof EndpointError) return e.failure;
  return request.abort.aborted ? 'aborted' : 'error';
}

/**
 * <enableAddressing/>: the request carries WS-Addressing headers, in the namespace it already uses
 * (2005/08 otherwise): wsa:To is the endpoint's address, and wsa:Action (from the SOAP action),
 * wsa:MessageID and an anonymous wsa:ReplyTo are added when the message has none.
 */
async function addAddressing(request: MessageContext, uri: string): Promise<void> {
  const head = await request.head();
  const ns = head.blocks.find((b) => WSA_NAMESPACES.includes(b.name.uri))?.name.uri ?? NS.wsa;
  const prefix = head.blocks.find((b) => b.name.uri === ns)?.prefix || 'wsa';
  const block = (local: string, value: string): XmlElement => element({ uri: ns, local }, prefix, [{ type: 'text', value }]);
  const before = head.addressing;
  head.setBlock(block('To', uri));
  const action = soapAction(request);
  if (before.action === undefined && action) head.setBlock(block('Action', action));
  if (before.messageId === undefined) head.setBlock(block('MessageID', `urn:uuid:${randomUUID()}`));
  if (before.replyTo === undefined) {
    const anonymous = ns === NS.wsa ? `${NS.wsa}/anonymous` : `${NS.wsaSubmission}/role/anonymous`;
    head.setBlock(element({ uri: ns, local: 'ReplyTo' }, prefix, [block('Address', anonymous)]));
  }
}
