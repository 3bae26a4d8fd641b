/**
 * A REST API, as WSO2 Micro Integrator writes it:
 *
 * <api name="N" context="/path[/{version}]" [version="v"] [version-type="url|context"]
 *      [hostname="h"] [port="p"] [transports="http|https"] [publishSwagger="…"] [statistics|trace="…"]>
 *   <resource [methods="GET POST PUT DELETE PATCH HEAD OPTIONS"]        (space separated; none: every method)
 *             [uri-template="/orders/{id}?q={q}" | url-mapping="/orders/*"]   (neither: the default resource)
 *             [protocol="http|https"] [content-type="type/sub"] [user-agent="regex"]
 *             [inSequence="key"] [outSequence="key"] [faultSequence="key"]>
 *     <inSequence>…</inSequence>? <outSequence>…</outSequence>? <faultSequence>…</faultSequence>?
 *   </resource>+
 *   <handlers>…</handlers>?                                              (refused: Java handler classes)
 * </api>
 *
 * A version needs its version-type: "context" puts the version where the context says `{version}` (or
 * after the context); "url" expects it as the first segment after the context. The matching rules of
 * uri-template and url-mapping are in uri-template.ts; which resource wins, in src/server/api-dispatch.ts.
 *
 * An API's transports= and a resource's protocol= say on which listener it is served, as in WSO2: "http"
 * the plain one only, "https" the HTTPS one only (`moor start --https-port`), none both. WSO2 takes
 * transports="http" or "https" alone and refuses "http https" at deployment; moor reads that as both,
 * as it reads a proxy's list (https-only.ts), and warns. Without an HTTPS listener nothing is told apart.
 */
import { type SourceLoc } from '../errors.ts';
import { type SequenceSource } from './artifacts.ts';
import { warnStatisticsAndTrace } from './endpoint-def.ts';
import { HTTPS_ONLY_API_WARNING, HTTPS_ONLY_RESOURCE_WARNING, listenersOf, type Protocol } from './https-only.ts';
import { type ConfigNode } from './node.ts';
import { compileUriTemplate, compileUrlMapping, type UriTemplate, type UrlMapping } from './uri-template.ts';

/** The HTTP methods a resource may name. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface ResourceDef {
  readonly loc: SourceLoc;
  /** The methods it takes; empty: every method. */
  readonly methods: readonly string[];
  /** How it names its paths; undefined: the default resource (any path). */
  readonly match: UriTemplate | UrlMapping | undefined;
  readonly contentType: string | undefined;
  readonly userAgent: RegExp | undefined;
  /** The one listener it is matched on (protocol="http|https"); undefined: both. */
  readonly protocol: Protocol | undefined;
  readonly inSequence: SequenceSource | undefined;
  readonly outSequence: SequenceSource | undefined;
  readonly faultSequence: SequenceSource | undefined;
}

export interface ApiDef {
  readonly kind: 'api';
  readonly name: string;
  readonly loc: SourceLoc;
  /** The context with the version in it (version-type="context"), trailing slashes removed. */
  readonly context: string;
  /** The path prefix requests start with: the context, then the version when version-type="url". */
  readonly prefix: string;
  readonly version: string | undefined;
  /** Where the version stands: as the segment after the context ('url'), in the context, or nowhere. */
  readonly versionType: 'url' | 'context' | undefined;
  readonly hostname: string | undefined;
  readonly port: number | undefined;
  /** The one listener it is served on (transports="http|https"); undefined: both. */
  readonly protocol: Protocol | undefined;
  readonly resources: readonly ResourceDef[];
}

/** Parses `<api>`. */
export function parseApi(node: ConfigNode): ApiDef | undefined {
  node.allowAttributes('name', 'context', 'version', 'version-type', 'hostname', 'port', 'transports', 'publishSwagger', 'statistics', 'trace', 'description', 'binds-to');
  warnStatisticsAndTrace(node);
  node.allowChildren('resource', 'handlers', 'description');
  for (const a of ['publishSwagger', 'binds-to'] as const) {
    if (node.attr(a) !== undefined) node.warn('MOOR_WARN_NO_EFFECT', `${a}= has no effect: moor ${a === 'publishSwagger' ? 'publishes no Swagger or OpenAPI document' : 'has no inbound endpoints; the API answers on the gateway\'s port'}`);
  }
  const protocol = apiProtocol(node);
  const handlers = node.child('handlers');
  if (handlers) handlers.report('MOOR_ERR_UNSUPPORTED', '<handlers> (Java API handler classes) are not supported');
  const name = node.required('name');
  const rawContext = node.required('context');
  const version = node.attr('version');
  const versionType = node.oneOf(node.attr('version-type'), ['url', 'context'] as const, 'version-type');
  const versioned = version !== undefined && version !== '';
  // (as WSO2: a version says where it stands)
  if (versioned && node.attr('version-type') === undefined) node.report('MOOR_ERR_MISSING_ATTRIBUTE', 'an <api> with a version needs version-type="url" or "context"');
  let context = rawContext;
  if (rawContext !== undefined && !rawContext.startsWith('/')) {
    node.report('MOOR_ERR_BAD_VALUE', `the API context "${rawContext}" must begin with "/"`);
    context = undefined;
  }
  if (context !== undefined) {
    if (versionType === 'context' && versioned) {
      // the version where the context says {version}, else after it
      context = context.includes('{version}') ? context.replace('{version}', version) : `${context.replace(/\/+$/, '')}/${version}`;
    }
    context = context.replace(/\/+$/, '') || '/';
  }
  const port = node.integer(node.attr('port'), 'port');
  const resources: ResourceDef[] = [];
  for (const r of node.children()) if (r.name === 'resource') {
    const def = parseResource(r);
    if (def) resources.push(def);
  }
  if (resources.length === 0 && !node.children().some((c) => c.name === 'resource')) node.report('MOOR_ERR_MISSING_ATTRIBUTE', `<api name="${name ?? ''}"> needs at least one <resource>`);
  checkOverlaps(resources, node);
  if (name === undefined || context === undefined) return undefined;
  return {
    kind: 'api',
    name,
    loc: node.loc,
    context,
    prefix: versioned && versionType === 'url' ? `${context === '/' ? '' : context}/${version}` : context,
    version: versioned && versionType ? version : undefined,
    versionType: versioned ? versionType : undefined,
    hostname: node.attr('hostname'),
    port,
    protocol,
    resources,
  };
}

function parseResource(node: ConfigNode): ResourceDef | undefined {
  node.allowAttributes('methods', 'uri-template', 'url-mapping', 'url-pattern', 'protocol', 'content-type', 'user-agent', 'inSequence', 'outSequence', 'faultSequence', 'description', 'enableStatistics', 'statistics', 'trace');
  warnStatisticsAndTrace(node);
  if (node.attr('enableStatistics') === 'true') node.warn('MOOR_WARN_NO_EFFECT', 'enableStatistics="true" has no effect: moor collects no Synapse statistics (its metrics and access log: docs/operations.md)');
  node.allowChildren('inSequence', 'outSequence', 'faultSequence', 'description');
  const methods: string[] = [];
  for (const m of (node.attr('methods') ?? '').split(/[\s,]+/).filter(Boolean)) {
    const upper = m.toUpperCase();
    if (node.oneOf(upper, HTTP_METHODS, 'a method in methods=') !== undefined) methods.push(upper);
  }
  // (Synapse's own sample 800 writes it; Synapse reads no such attribute, so the resource takes every path)
  if (node.attr('url-pattern') !== undefined) node.warn('MOOR_WARN_NO_EFFECT', 'url-pattern= has no effect (Synapse reads url-mapping=): this resource takes every path, as in Synapse');
  const template = node.attr('uri-template');
  const mapping = node.attr('url-mapping');
  let match: ResourceDef['match'];
  if (template !== undefined && mapping !== undefined) node.report('MOOR_ERR_BAD_VALUE', '<resource> takes uri-template or url-mapping, not both');
  else if (template !== undefined) {
    const t = compileUriTemplate(template);
    // (a resource whose template cannot be read is left out, not taken for the default resource)
    if (typeof t === 'string') {
      node.report('MOOR_ERR_BAD_VALUE', `uri-template "${template}": ${t}`);
      return undefined;
    }
    match = t;
  } else if (mapping !== undefined) match = compileUrlMapping(mapping);
  const protocol = node.oneOf(node.attr('protocol'), ['http', 'https'] as const, 'protocol');
  if (protocol === 'https') node.warn('MOOR_WARN_DIFFERENT', HTTPS_ONLY_RESOURCE_WARNING);
  const contentType = node.attr('content-type');
  if (contentType !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(contentType)) node.report('MOOR_ERR_BAD_VALUE', `content-type "${contentType}" is not type/subtype`);
  const userAgent = node.regex(node.attr('user-agent'), 'user-agent', '', true);
  const seq = (which: 'inSequence' | 'outSequence' | 'faultSequence'): SequenceSource | undefined => {
    const key = node.attr(which);
    if (key !== undefined) return { kind: 'ref', key, loc: node.loc };
    const inline = node.child(which);
    return inline ? { kind: 'inline', node: inline } : undefined;
  };
  return { loc: node.loc, methods, match, contentType, userAgent, protocol, inSequence: seq('inSequence'), outSequence: seq('outSequence'), faultSequence: seq('faultSequence') };
}

/** The listener an `<api transports>` keeps it to; undefined: both. A transport other than http and https is refused, as WSO2 refuses it. */
function apiProtocol(node: ConfigNode): Protocol | undefined {
  const transports = node.attr('transports');
  if (!transports) return undefined;
  const listeners = listenersOf(transports);
  if (!listeners) {
    node.report('MOOR_ERR_UNSUPPORTED', `transports "${transports}": only http and https are supported`);
    return undefined;
  }
  if (listeners.http && listeners.https) {
    // (WSO2's APIFactory takes "http" or "https" alone, and refuses any other value at deployment)
    node.warn('MOOR_WARN_DIFFERENT', `transports="${transports}": WSO2 takes "http" or "https" alone and refuses this API at deployment ("Invalid protocol name"); moor serves it on both listeners, as without the attribute`);
    return undefined;
  }
  if (listeners.https) node.warn('MOOR_WARN_DIFFERENT', HTTPS_ONLY_API_WARNING);
  return listeners.https ? 'https' : 'http';
}

/** WSO2 refuses two resources with one mapping and a method in common, and more than one default resource. */
function checkOverlaps(resources: readonly ResourceDef[], api: ConfigNode): void {
  for (let i = 0; i < resources.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = resources[i]!;
      const b = resources[j]!;
      const shareMethod = a.methods.length === 0 || b.methods.length === 0 || a.methods.some((m) => b.methods.includes(m));
      if (a.match === undefined && b.match === undefined) {
        api.diag.report('MOOR_ERR_DUPLICATE_NAME', a.loc, `only one resource of an API can be the default (no uri-template or url-mapping); the other is at line ${b.loc.line}`);
      } else if (a.match && b.match && a.match.text === b.match.text && shareMethod) {
        api.diag.report('MOOR_ERR_DUPLICATE_NAME', a.loc, `two resources have the mapping "${a.match.text}" and a method in common; the other is at line ${b.loc.line}`);
      }
    }
  }
}
