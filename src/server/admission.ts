/**
 * What a request is, from its line and headers, before any byte of its body: a SOAP message to
 * mediate, a REST API's resource, a path under /_moor/, a WSDL request, or a refusal (shutting down,
 * no such service or resource, not POST, not SOAP, too large) with the answer that answers it. No socket: the gateway and the testing
 * harness admit alike.
 */
import { type Protocol } from '../config/https-only.ts';
import { MoorError } from '../errors.ts';
import { parsedOnce } from '../parsed-once.ts';
import { type HeaderLines, rawHeader } from '../message/context.ts';
import { type ProxyRuntime } from '../mediators/compile.ts';
import { soapVersionOfContentType, type SoapVersion } from '../xml/soap.ts';
import { isWsdlRequest } from '../wsdl/publish.ts';
import { type Answer, faultAnswer } from './answer.ts';
import { type ApiMatch, dispatchApi } from './api-dispatch.ts';
import { apiBodyShape, apiRefusalAnswer, optionsAnswer } from './api-request.ts';
import { type BodyShape } from './request-body.ts';
import { type Runtime } from './runtime.ts';

/** A request's line and headers. */
export interface RequestHead {
  readonly method: string;
  /** The request target as sent (`/services/Cart?wsdl`). */
  readonly target: string;
  /** The header lines as they came. */
  readonly headers: HeaderLines;
  /** The listener it came in on, when the gateway has two (`--https-port`); undefined with one (api-dispatch.ts). */
  readonly listener?: Protocol | undefined;
}

export type Admission =
  | { readonly kind: 'soap'; readonly url: URL; readonly runtime: Runtime; readonly proxy: ProxyRuntime | undefined; readonly version: SoapVersion; readonly declared: number | undefined }
  | {
      readonly kind: 'api';
      readonly url: URL;
      readonly runtime: Runtime;
      readonly match: ApiMatch & { kind: 'resource' };
      readonly version: SoapVersion;
      readonly declared: number | undefined;
      /** How its payload becomes a message body (rest-payload.ts). */
      readonly shape: BodyShape;
    }
  | { readonly kind: 'reserved'; readonly url: URL }
  | { readonly kind: 'wsdl'; readonly url: URL; readonly version: SoapVersion; readonly proxy: ProxyRuntime }
  | {
      readonly kind: 'refused';
      /** The error it answers (none for a REST API's bare 400, which has no code of its own). */
      readonly error: MoorError | undefined;
      readonly answer: Answer;
      /** What becomes of the unread body: it flows away (`drain`), the connection is cut (`destroy`), or neither. */
      readonly rest: 'drain' | 'destroy' | 'leave';
    };

/**
 * Admits `head` against `runtime`. `proxy`, when given, is the proxy (or the sequence run as one) that
 * takes the message whatever the path says: the testing harness names it.
 */
export function admit(runtime: Runtime, head: RequestHead, stopping: boolean, proxy?: ProxyRuntime): Admission {
  const { url, service: proxyName } = requestTarget(head.target);
  // (read from the raw lines: Node's header object is then never built, nor the map until wanted)
  const contentType = rawHeader(head.headers, 'content-type');
  const announced = soapVersionOfContentType(contentType);
  const version: SoapVersion = announced === '1.2' ? '1.2' : '1.1';
  const refuse = (e: MoorError, rest: 'drain' | 'destroy' | 'leave', extra?: string[]): Admission => ({ kind: 'refused', error: e, answer: faultAnswer(version, e, extra, rest !== 'drain'), rest });
  if (stopping) return refuse(new MoorError('MOOR_ERR_SHUTTING_DOWN', 'the gateway is shutting down'), 'leave');
  // (the path is normalised by URL parsing: /services/../_moor/health is /_moor/health here)
  if (url.pathname.startsWith('/_moor/')) return { kind: 'reserved', url };
  const target = proxy ?? (proxyName !== undefined ? runtime.compiled.proxies.get(proxyName) : undefined);
  // a path no proxy takes may be a REST API's (WSO2 dispatches APIs where no service was found)
  if (!target && runtime.compiled.apis.length) {
    const api = admitApi(runtime, head, url, version);
    if (api) return api;
  }
  // as in Synapse, a message for a service that is not a proxy goes to the main sequence, if any
  // (the load-balancing samples post to /services/LBService1 and forward to the same path)
  if (proxyName !== undefined && !target && !runtime.compiled.sequences.has('main')) return refuse(new MoorError('MOOR_ERR_NO_SERVICE', `no proxy service named "${proxyName}"`), 'drain');
  if (head.method === 'GET' && target && isWsdlRequest(url)) return { kind: 'wsdl', url, version, proxy: target };
  if (head.method !== 'POST') {
    return refuse(new MoorError('MOOR_ERR_METHOD', `${head.method || 'this method'} is not a SOAP request: messages are POSTed (GET ?wsdl gives a proxy's WSDL)`), 'drain', ['allow', 'POST']);
  }
  if (announced === undefined) {
    return refuse(new MoorError('MOOR_ERR_NOT_SOAP', `content type "${contentType ?? ''}" is not SOAP (text/xml for SOAP 1.1, application/soap+xml for SOAP 1.2)`), 'drain');
  }
  const declared = declaredLength(head);
  if (tooLarge(runtime, declared)) return refuseTooLarge(runtime, version);
  return { kind: 'soap', url, runtime, proxy: target, version, declared };
}

/**
 * A request to a REST API (api-dispatch.ts): its resource, or its refusal (no resource: WSO2's empty
 * 404/405/400; OPTIONS; too large); undefined when no API takes its path.
 */
function admitApi(runtime: Runtime, head: RequestHead, url: URL, version: SoapVersion): Admission | undefined {
  const contentType = rawHeader(head.headers, 'content-type');
  const declared = declaredLength(head);
  const hasBody = (declared !== undefined && declared > 0) || rawHeader(head.headers, 'transfer-encoding') !== undefined;
  const method = head.method || 'GET';
  const match = dispatchApi(runtime.compiled.apis, {
    method,
    target: url.pathname + url.search,
    host: rawHeader(head.headers, 'host'),
    contentType,
    userAgent: rawHeader(head.headers, 'user-agent'),
    hasBody,
    listener: head.listener,
  });
  if (!match) return undefined;
  if (match.kind === 'refused') return { kind: 'refused', error: undefined, answer: apiRefusalAnswer(match), rest: 'drain' };
  if (method === 'OPTIONS' && !match.resource.def.methods.includes('OPTIONS')) return { kind: 'refused', error: undefined, answer: optionsAnswer(match.resource.def.methods), rest: 'drain' };
  if (tooLarge(runtime, declared)) return refuseTooLarge(runtime, soapVersionOfContentType(contentType) === '1.1' ? '1.1' : '1.2');
  // faults to a REST client are SOAP 1.2 ones (400 for its own mistakes, as REST expects), unless it posted SOAP 1.1
  const faults: SoapVersion = version === '1.1' && soapVersionOfContentType(contentType) === '1.1' ? '1.1' : '1.2';
  return { kind: 'api', url, runtime, match, version: faults, declared, shape: apiBodyShape(contentType, hasBody) };
}

/** How many bytes a request announces: its Content-Length, or undefined (none, or chunked). */
function declaredLength(head: RequestHead): number | undefined {
  const lengthHeader = rawHeader(head.headers, 'content-length');
  return lengthHeader !== undefined ? Number(lengthHeader) : undefined;
}

function tooLarge(runtime: Runtime, declared: number | undefined): boolean {
  return declared !== undefined && declared > runtime.limits.maxMessageBytes;
}

/** A request announced over the limit: answered 413 at once, the connection closed (its body is never read). */
function refuseTooLarge(runtime: Runtime, version: SoapVersion): Admission {
  const e = new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `the message is larger than ${runtime.limits.maxMessageBytes} bytes`);
  return { kind: 'refused', error: e, answer: faultAnswer(version, e, [], true), rest: 'destroy' };
}

/** The proxy label of a request refused before mediation: its proxy, `main`, or `(none)` (never client text). */
export function proxyLabel(runtime: Runtime, target: string): string {
  const { service } = requestTarget(target);
  const compiled = runtime.compiled;
  if (service !== undefined && compiled.proxies.has(service)) return service;
  return compiled.sequences.has('main') ? 'main' : '(none)';
}

/** A request target: the URL, and the service named by a `/services/<Name>[/…]` path, decoded. */
interface RequestTarget {
  readonly url: URL;
  readonly service: string | undefined;
}

/** The request target, parsed once per distinct target (nothing here changes a URL it is given). */
const requestTarget = parsedOnce((target): RequestTarget => {
  const url = new URL(target, 'http://gateway');
  const raw = /^\/services\/([^/?]+)/.exec(url.pathname)?.[1];
  return { url, service: raw === undefined ? undefined : decodedSegment(raw) };
});

/** The service a `/services/<Name>[/…]` request target names, decoded; undefined for any other path. */
export function serviceOfTarget(target: string): string | undefined {
  return requestTarget(target).service;
}

/** A path segment with its %-escapes decoded; as written when they are malformed (it then names no proxy). */
function decodedSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
