/**
 * How a REST API's payloads travel through the pipeline, which otherwise carries SOAP envelopes:
 *
 * - XML that is not a SOAP envelope (POX) is wrapped, as WSO2 does, in a SOAP 1.1 envelope of moor's
 *   own (its XML declaration dropped), so that every mediator, XPath `$body` and the streaming envelope
 *   check see it as they see SOAP. Wrapping streams: only the prolog before the root element is held.
 * - A SOAP envelope posted to an API stays as it came.
 * - A request without a body (GET, DELETE…) is an empty envelope.
 * - JSON, text and anything else is carried as it came, unread and unchecked ("opaque"): it flows to the
 *   backend and back unchanged. JSON that a mediator needs as XML is made XML then (json-body.ts);
 *   for anything else such a mediator fails with MOOR_ERR_NOT_XML.
 *
 * On the way out (to a backend, or back to the client) the axis2 property `messageType` decides, as in
 * WSO2: text/xml and application/soap+xml send the envelope; a JSON type sends the payload as JSON
 * (payloadAsJson); any other type sends the Body's first child element (nothing when the Body is
 * empty); an opaque body goes as it is.
 */
import { MoorError } from '../errors.ts';
import { NS } from '../xml/names.ts';
import { type ReadNode } from '../xml/compact-dom.ts';
import { type MessageContext } from './context.ts';
import { type SettledSource } from './message-body.ts';
import { isJsonType, payloadXmlToJson } from './json-body.ts';

/** The envelope moor wraps POX in (one string, so that an untouched wrap is cut off again by its length). */
export const WRAP_START = `<soapenv:Envelope xmlns:soapenv="${NS.soap11}"><soapenv:Body>`;
export const WRAP_END = '</soapenv:Body></soapenv:Envelope>';
const START = Buffer.from(WRAP_START);
const END = Buffer.from(WRAP_END);

/** An envelope with an empty Body: the payload of a request that has none. */
export function emptyEnvelope(): Buffer {
  return Buffer.concat([START, END]);
}

/** How a payload of this media type is carried: as XML (wrapped unless it is SOAP) or as it came. */
export function carriedAs(media: string | undefined): 'xml' | 'opaque' {
  if (media === undefined) return 'opaque';
  return media === 'text/xml' || media === 'application/xml' || media.endsWith('+xml') ? 'xml' : 'opaque';
}

/** True for the media types whose messages go out as a whole SOAP envelope. */
export function isSoapType(media: string | undefined): boolean {
  return media === 'text/xml' || media === 'application/soap+xml';
}

/** The prolog holds at most this much before the root element (more, and the rest is wrapped as it is). */
const MAX_PROLOG = 4096;

/**
 * Where the root element starts in `text` (latin1 view of the first bytes), the end of an XML
 * declaration to drop, and whether the root is a SOAP Envelope; 'more' while the prolog is unfinished.
 */
function prolog(text: string): { readonly declEnd: number; readonly envelope: boolean } | 'more' {
  let i = text.startsWith('\xef\xbb\xbf') ? 3 : 0;
  let declEnd = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) return 'more';
    if (text.startsWith('<?xml', i)) {
      const end = text.indexOf('?>', i);
      if (end < 0) return 'more';
      i = declEnd = end + 2;
      continue;
    }
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i);
      if (end < 0) return 'more';
      i = end + 3;
      continue;
    }
    if (text.length - i < 2) return 'more';
    const name = /^<([^\s/>]*)[\s/>]/.exec(text.slice(i, i + 256));
    if (!name) return text.length - i < 256 && !/[\s/>]/.test(text.slice(i + 1)) ? 'more' : { declEnd, envelope: false };
    const local = name[1]!.slice(name[1]!.indexOf(':') + 1);
    return { declEnd, envelope: local === 'Envelope' };
  }
}

/** `bytes` wrapped in moor's envelope, unless they already are a SOAP envelope. */
function wrapBuffer(bytes: Buffer): Buffer {
  const p = prolog(bytes.subarray(0, MAX_PROLOG).toString('latin1'));
  if (p !== 'more' && p.envelope) return bytes;
  const declEnd = p === 'more' ? 0 : p.declEnd;
  return Buffer.concat([START, bytes.subarray(declEnd), END]);
}

async function* wrapStream(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let held: Buffer = Buffer.alloc(0);
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) {
        if (held.length) yield wrapBuffer(held);
        else yield Buffer.concat([START, END]);
        return;
      }
      held = held.length ? Buffer.concat([held, r.value]) : r.value;
      const p = prolog(held.subarray(0, MAX_PROLOG).toString('latin1'));
      if (p === 'more' && held.length < MAX_PROLOG) continue;
      if (p !== 'more' && p.envelope) {
        yield held;
        for (let c = await it.next(); !c.done; c = await it.next()) yield c.value;
        return;
      }
      yield START;
      yield held.subarray(p === 'more' ? 0 : p.declEnd);
      for (let c = await it.next(); !c.done; c = await it.next()) yield c.value;
      yield END;
      return;
    }
  } finally {
    await it.return?.();
  }
}

/**
 * An XML payload as moor carries it: a SOAP envelope as it is, anything else wrapped in moor's own
 * envelope. A source already all in memory is wrapped at once (a buffer); a stream, as it flows.
 */
export function wrapXml(source: SettledSource | Buffer, maxBytes: number): Buffer | AsyncIterable<Buffer> {
  if (Buffer.isBuffer(source)) return source.length ? wrapBuffer(source) : emptyEnvelope();
  const all = source.takeAll?.(maxBytes);
  if (all) return all.length ? wrapBuffer(all.length === 1 ? all[0]! : Buffer.concat(all)) : emptyEnvelope();
  return wrapStream(source);
}

/** What a mediator that needs the payload as XML is told when it is JSON or another opaque type. */
export function notXml(msg: { readonly transport: ReadonlyMap<string, unknown> }): MoorError {
  const type = msg.transport.get('content-type');
  return new MoorError('MOOR_ERR_NOT_XML', `the payload (${typeof type === 'string' ? type : 'no content type'}) is not XML: moor carries it through unchanged, and no mediator can read it as XML`);
}

/**
 * The bytes `msg` goes out with to a REST peer, by its `messageType`: the envelope (a SOAP type), the
 * Body's first child (any other type), or undefined: the body as it is (opaque, or no messageType).
 */
export async function restPayload(msg: MessageContext): Promise<Buffer | undefined> {
  await xmlFormFor(msg);
  const type = msg.axis2.get('messageType');
  if (msg.body.opaque || typeof type !== 'string' || isSoapType(type.toLowerCase())) return undefined;
  if (isJsonType(type)) return payloadAsJson(msg);
  msg.commitHead();
  const whole = msg.body.whole;
  // an envelope moor wrapped and nothing changed since: the payload is the bytes between the wrap
  if (whole && !msg.parsedHead?.changed && startsAndEnds(whole)) return whole.subarray(START.length, whole.length - END.length);
  // read only: the compact view writes the payload out as xmldom would
  const doc = await msg.envelopeView();
  const body = childNamed(doc.documentElement ?? undefined, 'Body');
  const first = body && childNamed(body, undefined);
  return first ? Buffer.from(String(first)) : Buffer.alloc(0);
}

/**
 * A JSON payload carried as it came, going out as XML (`messageType`, or `soap`: a SOAP endpoint's
 * format), is made XML first (WSO2's formatters write the payload's XML form); true when it was.
 */
export async function xmlFormFor(msg: MessageContext, soap = false): Promise<boolean> {
  const type = msg.axis2.get('messageType');
  if (!soap && (typeof type !== 'string' || type === '' || isJsonType(type))) return false;
  if (!msg.jsonReadable) return false;
  await msg.head();
  return true;
}

/**
 * The Content-Type a message goes out with to a REST peer, when it is not the one it has: the axis2
 * property `ContentType` when set (WSO2's override), else `messageType` when its media type differs from
 * the header's (WSO2 writes the type of the formatter that wrote the payload: an XML answer sent on as
 * JSON says application/json); undefined: keep the header.
 */
export function outgoingContentType(msg: MessageContext, current: string | undefined): string | undefined {
  const forced = msg.axis2.get('ContentType');
  if (typeof forced === 'string' && forced !== '') return forced;
  const type = msg.axis2.get('messageType');
  if (typeof type !== 'string' || type === '') return undefined;
  const media = (t: string | undefined) => t?.split(';')[0]!.trim().toLowerCase();
  return current === undefined || media(current) !== media(type) ? type : undefined;
}

/**
 * The payload of an XML message as JSON (messageType application/json, json-eval() over XML): the JSON it
 * was made from while unchanged, else the Body's first child converted by WSO2's rules (xml-json.ts);
 * nothing for an empty Body.
 */
export async function payloadAsJson(msg: MessageContext): Promise<Buffer> {
  const untouched = msg.untouchedJson;
  if (untouched) return untouched;
  msg.commitHead();
  const doc = await msg.envelopeView();
  const body = childNamed(doc.documentElement ?? undefined, 'Body');
  const first = body && childNamed(body, undefined);
  return first ? payloadXmlToJson(String(first), msg.body.limits.maxDepth) : Buffer.alloc(0);
}

function startsAndEnds(b: Buffer): boolean {
  return b.length >= START.length + END.length && b.subarray(0, START.length).equals(START) && b.subarray(b.length - END.length).equals(END);
}

/** The first child element (named `local`, when given). */
function childNamed(el: ReadNode | undefined, local: string | undefined): ReadNode | undefined {
  for (let c = el?.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1 && (local === undefined || c.localName === local)) return c;
  }
  return undefined;
}
