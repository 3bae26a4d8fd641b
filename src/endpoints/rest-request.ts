/**
 * What a message a REST API took in (rest-payload.ts), or any message to an `<http>` endpoint, is sent
 * to an address endpoint as, the way WSO2 sends it:
 *
 * - the method is the axis2 property HTTP_METHOD (the client's method, unless a mediator changed it);
 *   GET, HEAD, DELETE and OPTIONS go without a body;
 * - the URL is the endpoint's address with the axis2 property REST_URL_POSTFIX appended (the request's
 *   path below the API context, with its query); removing the property sends to the address alone;
 * - the body is what `messageType` says (rest-payload.ts): the envelope, the Body's first child, or the
 *   payload as it came.
 *
 * An address with format="soap11" or "soap12" sends the envelope as a SOAP POST whatever the method.
 * A response comes back the same way: XML wrapped unless it is SOAP, anything else carried as it came,
 * and `messageType` becomes the response's media type.
 */
import { type AddressDef } from '../config/endpoint-def.ts';
import { type MessageContext } from '../message/context.ts';
import { type MessageLimits } from '../message/limits.ts';
import { type BodyOrigin, MessageBody, type SettledSource } from '../message/message-body.ts';
import { carriedAs, outgoingContentType, restPayload, wrapXml, xmlFormFor } from '../message/rest-payload.ts';
import { forwardedHeaderList } from './headers.ts';

/** True for a message that came in through a REST API (it carries an HTTP_METHOD). */
export function isRest(msg: MessageContext): boolean {
  return typeof msg.axis2.get('HTTP_METHOD') === 'string';
}

/** Methods sent without a body. */
const BODILESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/** What goes to the backend: URL, method, headers and body (undefined body: the message's bytes as they are). */
export interface RestSend {
  readonly url: string;
  readonly method: string;
  readonly headers: string[];
  readonly body: Buffer | undefined;
}

/**
 * The request `msg` makes of the address `def` (`url`: the address, or an HTTP endpoint's template
 * expanded; `method`: the HTTP endpoint's own; `postfix`: whether REST_URL_POSTFIX is appended).
 */
export async function restSend(msg: MessageContext, def: AddressDef, url: string, method: string | undefined, postfix: boolean): Promise<RestSend> {
  const forcedSoap = def.format === 'soap11' || def.format === 'soap12';
  const rest = postfix ? msg.axis2.get('REST_URL_POSTFIX') : undefined;
  const target = typeof rest === 'string' && rest !== '' ? joinPostfix(url, rest) : url;
  const incoming = msg.axis2.get('HTTP_METHOD');
  const m = forcedSoap ? 'POST' : (method ?? (typeof incoming === 'string' ? incoming : 'POST')).toUpperCase();
  const headers = forwardedHeaderList(msg);
  if (BODILESS.has(m)) return { url: target, method: m, headers: withoutContentType(headers), body: Buffer.alloc(0) };
  // (a JSON payload sent as SOAP is made XML first: the envelope moor makes of it)
  if (forcedSoap) await xmlFormFor(msg, true);
  if (forcedSoap) return { url: target, method: m, headers: withContentType(headers, def.format === 'soap12' ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8', true), body: undefined };
  const body = await restPayload(msg);
  const type = msg.axis2.get('messageType');
  if (typeof type !== 'string' || type === '') return { url: target, method: m, headers, body };
  // (the header follows the payload's form: JSON made XML for a POX backend says so, as in WSO2)
  const current = headers.find((h, i) => i % 2 === 1 && headers[i - 1]!.toLowerCase() === 'content-type');
  const next = outgoingContentType(msg, current);
  return { url: target, method: m, headers: withContentType(headers, next ?? type, next !== undefined), body };
}

/** `postfix` after `url`, with one slash between them, and its query joined to one the address has. */
function joinPostfix(url: string, postfix: string): string {
  if (postfix.startsWith('?') && url.includes('?')) return `${url}&${postfix.slice(1)}`;
  if (url.endsWith('/') && postfix.startsWith('/')) return url + postfix.slice(1);
  return url + postfix;
}

function withoutContentType(headers: string[]): string[] {
  return headers.filter((_, i) => i % 2 === 1 ? headers[i - 1]!.toLowerCase() !== 'content-type' : headers[i]!.toLowerCase() !== 'content-type');
}

/** The headers with a content type: the one they have (unless `replace`), else `type`. */
function withContentType(headers: string[], type: string, replace: boolean): string[] {
  const has = headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'content-type');
  if (has && !replace) return headers;
  return [...(has ? withoutContentType(headers) : headers), 'content-type', type];
}

/**
 * The response body of a REST exchange: XML wrapped as the request's was, anything else opaque. Sets
 * `messageType` to the response's media type, as the response's own in WSO2.
 */
export function restResponseBody(request: MessageContext, source: SettledSource, contentType: string | undefined, length: number | undefined, limits: MessageLimits, origin: BodyOrigin): MessageBody {
  const media = contentType?.split(';')[0]?.trim().toLowerCase();
  if (media) request.axis2.set('messageType', media);
  if (carriedAs(media) === 'xml') return new MessageBody(wrapXml(source, limits.maxMessageBytes), limits, undefined, origin);
  const body = new MessageBody(source, limits, length, 'trusted');
  body.opaque = true;
  return body;
}
