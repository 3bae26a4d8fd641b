/**
 * The MessageContext: one message on its way through the gateway, request or response. It holds the
 * transport headers, the envelope head (parsed), the body (as bytes, parsed only on demand), the
 * properties by scope, and the abort signal that ends all work on it.
 */
import { Axis2Scope, DefaultScope } from './property-scopes.ts';
import { randomUUID } from 'node:crypto';
import { MoorError } from '../errors.ts';
import { type Logger } from '../logging.ts';
import { type SoapVersion } from '../xml/soap.ts';
import { type MessageAbort } from './abort.ts';
import { EnvelopeHead } from './envelope-head.ts';
import { type MessageBody, type ReadHead, tooLargeToParse } from './message-body.ts';
import { holdWhileAlive, parseBudget, type ParseLease } from './parse-budget.ts';
import { parseDom } from '../xml/dom.ts';
import { parseCompact, type CompactTree } from '../xml/compact-tree.ts';
import { CompactView, type ReadDocument } from '../xml/compact-dom.ts';
import { notXml } from './rest-payload.ts';
import { isJsonType, jsonBodyToXml, type JsonOrigin } from './json-body.ts';

/** Transport headers with lower-case names; Set-Cookie keeps each value apart. */
export type TransportHeaders = Map<string, string | string[]>;

/**
 * Headers as they came off the wire: names (in any case) and values in turn. A message keeps them so
 * until something reads its headers as a map; a message nobody looks into passes them on as they are.
 */
export type HeaderLines = readonly string[];

/** The map of `lines`: lower-case names; a name seen again collects its values in an array. */
export function headerMapOf(lines: HeaderLines): TransportHeaders {
  const map: TransportHeaders = new Map();
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const k = lines[i]!.toLowerCase();
    const v = lines[i + 1]!;
    const had = map.get(k);
    if (had === undefined) map.set(k, v);
    else if (Array.isArray(had)) had.push(v);
    else map.set(k, [had, v]);
  }
  return map;
}

/** The first value of header `name` (lower case) among header lines as they came. */
export function rawHeader(lines: HeaderLines, name: string): string | undefined {
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const k = lines[i]!;
    if (k.length === name.length && k.toLowerCase() === name) return lines[i + 1];
  }
  return undefined;
}

/** A header's value as one string (several values joined the HTTP way). */
export function headerValue(h: TransportHeaders, name: string): string | undefined {
  const key = name.toLowerCase();
  const v = h.get(key);
  // several Cookie lines are one cookie list (RFC 6265 §5.4), whose separator is '; ', not ', '
  return Array.isArray(v) ? v.join(key === 'cookie' ? '; ' : ', ') : v;
}

/**
 * Where the reply to the client goes. Set by whoever received the request (server, test harness).
 * Answers undefined when the reply went out at once (a message in memory), else a promise.
 */
export type ReplyChannel = (response: MessageContext) => Promise<void> | undefined;

/** What a finished send knows about the session of its message, for logs and the testing API. */
export interface SessionNote {
  readonly key: string;
  readonly endpoint: string;
  readonly outcome: 'bound' | 'new' | 'rebound' | 'unbound';
}

export class MessageContext {
  /** A unique id, for logs; made on first use (most messages are never logged one by one). */
  get id(): string {
    return (this.exchange.id ??= randomUUID());
  }
  /** Default-scope properties (`$ctx:`), shared by the request and its response as in Synapse; RESPONSE is `properties.response`. */
  readonly properties: DefaultScope;
  /** Axis2-scope properties (`$axis2:`); TransportInURL and ENDPOINT are `axis2.transportInUrl`, `axis2.endpoint`. */
  readonly axis2: Axis2Scope;
  /** HTTP status of a response (200 for requests until a mediator says otherwise). */
  status = 200;
  /**
   * WSO2's NO_ENTITY_BODY (axis2 scope) set on this message: answered to the client, it goes without a
   * body. Kept per message, not in the shared axis2 map, because WSO2's request and response each have
   * their own axis2 context (a request's NO_ENTITY_BODY does not empty its response).
   */
  noEntityBody = false;
  /** The session this message was routed in, once a send has run. */
  session: SessionNote | undefined;
  /**
   * Shared by a request and its responses: whether the client got its answer, the message id, and the
   * shares of the parse budget its trees hold (given back by {@link releaseParsed}).
   */
  readonly exchange: { replied: boolean; id: string | undefined; leases?: ParseLease[] | undefined };
  private headCache: EnvelopeHead | undefined;
  private dom: Document | undefined;
  /** The envelope parsed compactly for reading (envelopeView); the DOM is made from it on first need. */
  private compact: CompactTree | undefined;
  private headerMap: TransportHeaders | undefined;
  private headerLines: HeaderLines | undefined;

  constructor(
    readonly direction: 'request' | 'response',
    /**
     * Transport headers: for a request, what goes on to the backend; for a response, to the client. As a
     * map, or as the lines that came off the wire (made into the map when first read).
     */
    transport: TransportHeaders | HeaderLines,
    body: MessageBody,
    /** Ends all work on the message (shared by a request and its responses). */
    readonly abort: MessageAbort,
    readonly log: Logger,
    readonly reply: ReplyChannel,
    init: { id?: string | undefined; properties?: DefaultScope; axis2?: Axis2Scope; head?: EnvelopeHead; version?: SoapVersion; exchange?: { replied: boolean; id: string | undefined } } = {},
  ) {
    if (transport instanceof Map) this.headerMap = transport;
    else this.headerLines = transport;
    this.exchange = init.exchange ?? { replied: false, id: undefined };
    if (init.id !== undefined) this.exchange.id = init.id;
    this.properties = init.properties ?? new DefaultScope();
    this.axis2 = init.axis2 ?? new Axis2Scope();
    this.headCache = init.head;
    this.fallbackVersion = init.version;
    this.currentBody = body;
  }

  private currentBody: MessageBody;

  /** Transport headers with lower-case names (what goes on: change them here). */
  get transport(): TransportHeaders {
    if (!this.headerMap) {
      this.headerMap = headerMapOf(this.headerLines!);
      this.headerLines = undefined;
    }
    return this.headerMap;
  }

  /**
   * The header lines as they came, while nothing has read the headers as a map: they then go on as they
   * are, without a map built and taken apart again for each message. Undefined once the map exists.
   */
  get untouchedHeaderLines(): HeaderLines | undefined {
    return this.headerLines;
  }

  /** A standard AbortSignal for the message, for code that wants one (made on first use). */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** The bytes of the message; replaced only by {@link adopt}. */
  get body(): MessageBody {
    return this.currentBody;
  }

  /**
   * Goes on as `other`, a response this message received (<call> continues its sequence with the
   * response as the current message): takes its transport headers, body, status and session, and keeps
   * this message's direction, id, properties and exchange, so the sequence can send it on or respond.
   */
  adopt(other: MessageContext): void {
    this.transport.clear();
    for (const [k, v] of other.transport) this.transport.set(k, v);
    this.currentBody = other.body;
    this.status = other.status;
    this.session = other.session;
    this.headCache = other.headCache;
    this.dom = other.dom;
    this.compact = other.compact;
    this.jsonOrigin = other.jsonOrigin;
  }

  /** The version used for faults when the head could not be read. */
  private readonly fallbackVersion: SoapVersion | undefined;

  /** The envelope head, read and parsed on first use. Throws MoorError when the message is not SOAP. */
  async head(): Promise<EnvelopeHead> {
    if (this.jsonReadable) await this.jsonAsXml();
    return this.headNow() ?? this.parseHead(await this.body.readHead());
  }

  /**
   * The JSON this message's XML was made from, while the envelope made of it is still the message (no
   * mediator rewrote it, no header block was set): what goes out as JSON then (json-body.ts).
   */
  get untouchedJson(): Buffer | undefined {
    const origin = this.jsonOrigin;
    if (!origin || this.headCache?.changed || this.body.whole !== origin.envelope) return undefined;
    return origin.json;
  }

  private jsonOrigin: JsonOrigin | undefined;

  /** True while the payload is JSON carried as it came, which a mediator that needs XML may convert. */
  get jsonReadable(): boolean {
    if (!this.body.opaque) return false;
    // (read from the lines as they came when no map was made: a message passed on stays unmapped)
    const type = this.headerLines ? rawHeader(this.headerLines, 'content-type') : this.transport.get('content-type');
    return isJsonType(typeof type === 'string' ? type : undefined);
  }

  /** The JSON payload made XML, in place (WSO2's JsonStreamBuilder building the tree on first need). */
  private async jsonAsXml(): Promise<void> {
    this.jsonOrigin = await jsonBodyToXml(this.body, this.abort, this.exchange);
    this.headCache = undefined;
    this.dom = undefined;
    this.compact = undefined;
  }

  /**
   * The envelope head, at once, when it is parsed already or all its bytes are in memory; undefined
   * while bytes are still to come (then {@link head}). Throws MoorError when the message is not SOAP.
   */
  headNow(): EnvelopeHead | undefined {
    if (this.headCache) return this.headCache;
    // (JSON is made XML by head(), which awaits its bytes)
    if (this.jsonReadable) return undefined;
    if (this.body.opaque) throw notXml(this);
    const h = this.body.readHeadNow();
    return h && this.parseHead(h);
  }

  private parseHead(h: ReadHead): EnvelopeHead {
    try {
      return (this.headCache = EnvelopeHead.parse(h.bytes, h.boundary, h.text));
    } catch (e) {
      throw this.body.blame(e);
    }
  }

  /** The head if it was already read (never reads). */
  get parsedHead(): EnvelopeHead | undefined {
    return this.headCache;
  }

  /** The SOAP version, as far as known without reading. */
  get version(): SoapVersion {
    return this.headCache?.version ?? this.fallbackVersion ?? '1.1';
  }

  /** True once the client has its answer. */
  get replied(): boolean {
    return this.exchange.replied;
  }

  /**
   * Sends this message to the client, once; later calls do nothing. Undefined when that is done at once
   * (a message in memory, or a second call), else a promise (a body still streaming through).
   */
  respondToClient(): Promise<void> | undefined {
    if (this.exchange.replied) return undefined;
    this.exchange.replied = true;
    // WSO2's NO_ENTITY_BODY: the answer goes without a body; what a backend still sends is dropped
    if (this.noEntityBody) {
      const dropped = this.body.discard();
      this.body.replaceAll(Buffer.alloc(0));
      this.transport.delete('content-type');
      return dropped.then(() => this.reply(this));
    }
    try {
      this.commitHead();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.reply(this);
  }

  /** A new message in `direction` that shares this one's id, properties, abort, log and reply channel. */
  derive(direction: 'request' | 'response', transport: TransportHeaders | HeaderLines, body: MessageBody): MessageContext {
    // the id lives in the shared exchange: a response derived before the id was first read shares it too
    const next = new MessageContext(direction, transport, body, this.abort, this.log, this.reply, {
      properties: this.properties,
      axis2: this.axis2,
      version: this.version,
      exchange: this.exchange,
    });
    next.session = this.session;
    return next;
  }

  /**
   * The whole envelope as a DOM, for the mediators that change it (and whatever needs xmldom's own
   * nodes). Reads the rest of the message into memory (bounded by maxParseBytes: a message announced
   * larger is refused at once, one that grows larger as soon as it does); the message is then forwarded
   * from that copy. The tree holds a share of the process's parse budget until the exchange ends, and
   * waits for one when it is spent. Made from the compact form's text when a reader parsed it already.
   */
  async envelopeDom(): Promise<Document> {
    this.dropStale();
    if (!this.dom) {
      if (this.compact) {
        // the compact form keeps its lease; it stays beside the DOM, which now answers readers
        this.dom = this.parseDomOf(this.compact.text);
      } else {
        // read here: the DOM holds the lease, released when it is collected if the exchange did not
        const { text, lease } = await this.readEnvelope();
        this.dom = this.parseDomOf(text, lease);
      }
    }
    return this.dom;
  }

  /**
   * The whole envelope for reading only (XPath in filter, switch, property, log, dispatch; log full):
   * a DOM-like view of the compact form (src/xml/compact-dom.ts), which costs a small multiple of the
   * message's bytes where xmldom's DOM costs ~41 times them (docs/hostile-input.md). Read and bounded
   * as {@link envelopeDom}. The DOM itself when one exists (a mediator asked for it), or when the
   * compact parser left the text to xmldom. Read only (ReadDocument says what to use; XPath reads the
   * rest); a fresh view each call.
   */
  async envelopeView(): Promise<ReadDocument> {
    this.dropStale();
    if (!this.dom && !this.compact) {
      const { text, lease } = await this.readEnvelope();
      const compact = parseCompact(text);
      if (compact) {
        this.compact = compact;
        holdWhileAlive(compact, lease);
      } else this.dom = this.parseDomOf(text, lease);
    }
    return this.dom ?? new CompactView(this.compact!).document;
  }

  /** A header block set or removed since the envelope was parsed makes the parsed forms stale. */
  private dropStale(): void {
    if (!this.headCache?.changed) return;
    this.dom = undefined;
    this.compact = undefined;
  }

  /** Reads the whole envelope in, under maxParseBytes and with a share of the parse budget. */
  private async readEnvelope(): Promise<{ text: string; lease: ParseLease }> {
    if (this.jsonReadable) await this.jsonAsXml();
    if (this.body.opaque) throw notXml(this);
    this.commitHead();
    const { maxParseBytes } = this.body.limits;
    const announced = this.body.length;
    if (announced !== undefined && announced > maxParseBytes) throw this.body.blame(tooLargeToParse(maxParseBytes));
    const bytes = await this.body.readAll(maxParseBytes);
    const lease = await parseBudget.acquire(bytes.length, this.abort);
    (this.exchange.leases ??= []).push(lease);
    this.headCache = undefined;
    return { text: bytes.toString('utf8').replace(/^\uFEFF/, ''), lease };
  }

  /** xmldom's DOM of `text`; its fatal errors (mismatched tags) are the sender's malformed XML like its reported ones. */
  private parseDomOf(text: string, lease?: ParseLease): Document {
    const { doc, failure } = parseDom(text);
    if (failure || !doc) throw this.body.blame(new MoorError('MOOR_ERR_MALFORMED_XML', `the message is not well-formed XML: ${failure ?? 'no document'}`));
    if (lease) holdWhileAlive(doc, lease);
    return doc;
  }

  /** The exchange is over: the trees its messages parsed give their share of the parse budget back. */
  releaseParsed(): void {
    const leases = this.exchange.leases;
    if (!leases) return;
    this.exchange.leases = undefined;
    for (const l of leases) l.release();
  }

  /**
   * Replaces the payload with JSON (`<payloadFactory media-type="json">`): carried as it is from here
   * (rest-payload.ts), with its content type and messageType set to say so.
   */
  setJsonPayload(json: string): void {
    this.body.replaceAll(Buffer.from(json));
    this.body.opaque = true;
    this.jsonOrigin = undefined;
    this.headCache = undefined;
    this.dom = undefined;
    this.compact = undefined;
    this.transport.set('content-type', 'application/json');
    this.axis2.set('messageType', 'application/json');
  }

  /** Replaces the whole envelope (a mediator rewrote the message). */
  setEnvelope(xml: string): void {
    this.body.replaceAll(Buffer.from(xml));
    this.headCache = undefined;
    this.dom = undefined;
    this.compact = undefined;
  }

  /** Prepares the forwarded bytes: a changed head is written anew, otherwise the original bytes flow. */
  commitHead(): void {
    const head = this.headCache;
    if (!head?.changed) return;
    const original = this.body.bytesRead;
    const rewrite = head.rewrite(original);
    if (rewrite) this.body.replaceHead(rewrite.bytes, rewrite.end);
  }
}
