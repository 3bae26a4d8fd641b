/**
 * A request to a REST API, as the gateway takes it in and answers it: its payload made into a message
 * body (rest-payload.ts), the properties WSO2 sets for it, the reply made by its messageType, and the
 * empty 404/405/400 answers of a request no resource takes. No socket: answers go to an AnswerSink.
 */
import { queryParameters } from '../config/uri-template.ts';
import { type MessageContext } from '../message/context.ts';
import { MessageBody } from '../message/message-body.ts';
import { carriedAs, emptyEnvelope, outgoingContentType, restPayload, wrapXml } from '../message/rest-payload.ts';
import { type ApiMatch, mediaType } from './api-dispatch.ts';
import { isJsonType } from '../message/json-body.ts';
import { type Answer, answerOf, type AnswerSink } from './answer.ts';
import { type BodyShape } from './request-body.ts';

/** How the payload of an API request is carried: XML wrapped (or SOAP as it is), an empty envelope, or opaque. */
export function apiBodyShape(contentType: string | undefined, hasBody: boolean): BodyShape {
  if (!hasBody) return (_source, limits) => new MessageBody(emptyEnvelope(), limits, undefined, 'trusted');
  if (carriedAs(mediaType(contentType)) === 'xml') return (source, limits) => new MessageBody(wrapXml(source, limits.maxMessageBytes), limits, undefined, 'client');
  return (source, limits, declared) => {
    const body = new MessageBody(source, limits, declared, 'trusted');
    body.opaque = true;
    return body;
  };
}

/**
 * The properties WSO2 sets on a message an API takes: SYNAPSE_REST_API (its name), the version, the
 * context, REST_FULL_REQUEST_PATH, REST_SUB_REQUEST_PATH, REST_METHOD, SYNAPSE_RESOURCE, uri.var.* and
 * query.param.*; in the axis2 scope HTTP_METHOD, REST_URL_POSTFIX (the path after the context and
 * version, appended to address endpoints) and messageType (the request's media type; application/xml
 * for a request without a body).
 */
export function enterApi(msg: MessageContext, match: ApiMatch & { kind: 'resource' }, method: string, target: string): void {
  const { def } = match.api;
  const p = msg.properties;
  p.set('SYNAPSE_REST_API', def.name);
  p.set('SYNAPSE_REST_API_VERSION', def.version ?? '');
  p.set('SYNAPSE_REST_API_VERSION_STRATEGY', def.versionType ?? '');
  p.set('REST_API_CONTEXT', def.context);
  p.set('REST_FULL_REQUEST_PATH', target);
  p.set('REST_SUB_REQUEST_PATH', match.subPath);
  p.set('REST_METHOD', method);
  p.set('SYNAPSE_RESOURCE', match.resource.name);
  if (match.resource.def.match) p.set('REST_URL_PATTERN', match.resource.def.match.text);
  for (const [k, v] of match.variables) p.set(`uri.var.${k}`, v);
  const q = target.indexOf('?');
  if (q >= 0) for (const [k, v] of queryParameters(target.slice(q + 1))) p.set(`query.param.${k}`, v);
  const a = msg.axis2;
  a.set('HTTP_METHOD', method);
  // (WSO2: the path below the context, with the version taken off too for version-type="url")
  const postfix = target.slice(def.prefix === '/' ? 0 : def.prefix.length);
  a.set('REST_URL_POSTFIX', postfix);
  const media = mediaType(msg.transport.get('content-type') as string | undefined);
  a.set('messageType', msg.body.opaque || media !== undefined ? (media ?? '') : 'application/xml');
}

/** The answer of a request the API takes but no resource does (WSO2: empty, with the status alone). */
export function apiRefusalAnswer(refused: ApiMatch & { kind: 'refused' }): Answer {
  const headers = ['content-length', '0'];
  if (refused.allow) headers.push('allow', refused.allow);
  // (the code for the access log; a 400 — a resource that refuses the content type or user agent — has no code of its own)
  const error = refused.status === 400 ? undefined : refused.status === 405 ? 'MOOR_ERR_METHOD' : 'MOOR_ERR_NO_SERVICE';
  return { status: refused.status, headers, whole: EMPTY, chunks: undefined, length: 0, error };
}

/** The answer to an OPTIONS request the resource does not mediate itself: 200 with the methods it takes (WSO2). */
export function optionsAnswer(methods: readonly string[]): Answer {
  const allow = (methods.length ? methods.filter((m) => m !== 'OPTIONS') : ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD']).join(', ');
  return { status: 200, headers: ['allow', allow, 'content-length', '0'], whole: EMPTY, chunks: undefined, length: 0 };
}

const EMPTY = Buffer.alloc(0);

/** The reply to an API client, its payload made by the reply's messageType (rest-payload.ts), written to `sink`. */
export function writeRestReply(sink: AnswerSink, msg: MessageContext): Promise<void> | undefined {
  const type = msg.axis2.get('messageType');
  // WSO2's ContentType (axis2) names the answer's Content-Type, whatever wrote the payload
  const forced = msg.axis2.get('ContentType');
  if (typeof forced === 'string' && forced !== '') msg.transport.set('content-type', forced);
  // SOAP goes as it is, and so does an opaque body: no await on the way
  // (JSON carried as it came, going out as XML, is made XML first)
  const convert = typeof type === 'string' && type !== '' && !isJsonType(type) && msg.jsonReadable;
  if (!convert && (msg.body.opaque || typeof type !== 'string' || type === 'text/xml' || type === 'application/soap+xml')) return sink.write(answerOf(msg), msg);
  return restPayload(msg).then((bytes) => {
    if (bytes === undefined && convert) {
      const current = msg.transport.get('content-type');
      msg.transport.set('content-type', outgoingContentType(msg, typeof current === 'string' ? current : undefined) ?? String(type));
    }
    if (bytes !== undefined) {
      msg.body.replaceAll(bytes);
      const current = msg.transport.get('content-type');
      const next = outgoingContentType(msg, typeof current === 'string' ? current : undefined);
      if (bytes.length && next !== undefined) msg.transport.set('content-type', next);
      else if (bytes.length && !msg.transport.has('content-type')) msg.transport.set('content-type', type || 'application/xml');
      if (!bytes.length) msg.transport.delete('content-type');
    }
    return sink.write(answerOf(msg), msg);
  });
}
