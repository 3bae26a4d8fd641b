/**
 * An address endpoint: one backend URL. A connection failure suspends it for a while (Synapse's
 * suspendOnFailure) so that balancing skips it; a success makes it active again.
 */
import { randomUUID } from 'node:crypto';
import { type AddressDef } from '../config/endpoint-def.ts';
import { type MessageContext } from '../message/context.ts';
import { MessageBody } from '../message/message-body.ts';
import { type Endpoint, type SendOptions } from './endpoint.ts';
import { EndpointError, type Outbound, type OutboundRequest, type RawResponse } from './outbound.ts';
import { type EndpointEnv } from './env.ts';
import { forwardedHeaderList } from './headers.ts';
import { soapAction } from '../expr/properties.ts';
import { element, type XmlElement } from '../xml/element.ts';
import { NS, WSA_NAMESPACES } from '../xml/names.ts';

export class AddressEndpoint implements Endpoint {
  readonly id: string;
  draining: boolean;
  private suspendedUntil = 0;

  constructor(
    readonly def: AddressDef,
    private readonly outbound: Outbound,
    private readonly env: EndpointEnv,
  ) {
    this.id = def.name ? `${def.name}@${def.uri}` : def.uri;
    this.draining = def.draining;
  }

  available(now: number): boolean {
    return !this.draining && now >= this.suspendedUntil;
  }

  /** 'suspended' while a recent failure keeps it out of rotation. */
  get state(): 'active' | 'suspended' | 'draining' {
    if (this.draining) return 'draining';
    return this.now() < this.suspendedUntil ? 'suspended' : 'active';
  }

  *leaves(): Iterable<Endpoint> {
    yield this;
  }

  /** The injected clock's time (tests control suspension), else the wall clock. */
  private now(): number {
    return this.env.clock ? this.env.clock.now() : Date.now();
  }

  /** The HTTP edge, or the send the environment injects in its place (the testing API's mocks). */
  private post(req: OutboundRequest): Promise<RawResponse> {
    return this.env.send ? this.env.send(this.id, req, this) : this.outbound.send(this.id, req);
  }

  /**
   * (Not async: the answer becomes the response message in a continuation, so no frame of this
   * endpoint stays suspended while the backend works.)
   */
  send(request: MessageContext, options: SendOptions = NO_OPTIONS): Promise<MessageContext> {
    const now = this.now();
    if (!options.force && now < this.suspendedUntil) {
      return Promise.reject(new EndpointError('unreachable', this.id, `suspended after a failure, for ${Math.ceil((this.suspendedUntil - now) / 1000)} s more`));
    }
    if (this.def.addressing) return addAddressing(request, this.def.uri).then(() => this.exchange(request));
    return this.exchange(request);
  }

  private exchange(request: MessageContext): Promise<MessageContext> {
    let sent: Promise<RawResponse>;
    try {
      request.commitHead();
      let url = this.def.uri;
      if (this.def.keepRequestPath) {
        const inUrl = request.axis2.get('TransportInURL');
        if (typeof inUrl === 'string') url = new URL(inUrl, this.def.uri).href;
      }
      sent = this.post({
        url,
        headers: forwardedHeaderList(request),
        // (the stream is opened only when the bytes are not all in memory)
        body: request.body.whole ?? request.body.open(),
        length: request.body.length,
        abort: request.abort,
        timeoutMs: this.def.timeoutMs ?? this.env.defaultTimeoutMs,
      });
    } catch (e) {
      return Promise.reject(e);
    }
    return sent.then(
      (raw) => this.received(request, raw),
      (e: unknown) => this.failed(request, e),
    );
  }

  /** The backend answered: the endpoint is well, and the answer is the response message. */
  private received(request: MessageContext, raw: RawResponse): MessageContext {
    this.suspendedUntil = 0;
    request.axis2.set('ENDPOINT', this.id);
    const response = request.derive('response', raw.headers, new MessageBody(raw.body, this.env.limits, raw.length, false));
    response.status = raw.status;
    return response;
  }

  /** The send failed: a backend that could not be reached is left out of rotation for a while. */
  private failed(request: MessageContext, e: unknown): never {
    if (e instanceof EndpointError && e.failure === 'unreachable') {
      this.suspendedUntil = this.now() + (this.def.suspendMs ?? this.env.defaultSuspendMs);
      request.log.warn(`endpoint ${this.id} suspended: ${e.message}`, { component: 'endpoint' });
    }
    throw e;
  }
}

const NO_OPTIONS: SendOptions = {};

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
