/**
 * Which REST API and resource a request goes to, as WSO2's API dispatch decides it:
 *
 * 1. APIs are tried longest path prefix first (compile.ts orders them); an API takes a path that is its
 *    prefix, or starts with it followed by "/" or "?" (the context "/" takes every path), and, when it
 *    names a hostname or port, a Host header that matches them (port 80 when the header has none), and,
 *    when its transports= names one listener, a request that came in on it (else the API is passed over,
 *    as WSO2's canProcess passes it over: a shorter prefix, the main sequence or a fault may take it).
 * 2. Within the API, the resources that accept the request are those whose methods= include its method
 *    (OPTIONS is always accepted), whose content-type= equals the request's (when it has a body), whose
 *    user-agent= pattern matches and whose protocol= is the listener it came in on. Among them: an exact url-mapping, else the url-mapping
 *    "/prefix/*" with the most segments, else an extension mapping "*.x", else the first uri-template
 *    that matches, in the order written, else the default resource (neither attribute).
 * 3. When none is found: 404 when no resource has the path; 405 when one has it, but not for this
 *    method; 400 when one has it for this method but refuses the content type, user agent or listener.
 *    WSO2 answers these with an empty body.
 *
 * A request that no API takes goes on as before (a proxy under /services/, or the main sequence).
 */
import { type UriTemplate, type UrlMapping, matchUriTemplate, matchUrlMapping } from '../config/uri-template.ts';
import { type Protocol } from '../config/https-only.ts';
import { type ApiRuntime, type ResourceRuntime } from '../mediators/compile.ts';

/** What the dispatch found for a request. */
export type ApiMatch =
  | {
      readonly kind: 'resource';
      readonly api: ApiRuntime;
      readonly resource: ResourceRuntime;
      /** uri-template variables (uri.var.*), decoded. */
      readonly variables: ReadonlyMap<string, string>;
      /** The path below the API's prefix, with its query (REST_SUB_REQUEST_PATH; "/" at least). */
      readonly subPath: string;
    }
  | { readonly kind: 'refused'; readonly api: ApiRuntime; readonly status: 400 | 404 | 405; readonly allow?: string };

/** What the dispatch reads of a request. */
export interface ApiRequest {
  readonly method: string;
  /** The path with its query, as requested (%-escapes kept). */
  readonly target: string;
  readonly host: string | undefined;
  readonly contentType: string | undefined;
  readonly userAgent: string | undefined;
  /** True when the request has a body (content-type= is checked only then). */
  readonly hasBody: boolean;
  /**
   * The listener it came in on, when the gateway has two (`--https-port`); undefined: one listener, on
   * which every API and resource is served whatever its transports= or protocol= (https-only.ts).
   */
  readonly listener?: Protocol | undefined;
}

/** The API and resource for `req`; undefined when no API takes its path. */
export function dispatchApi(apis: readonly ApiRuntime[], req: ApiRequest): ApiMatch | undefined {
  const q = req.target.indexOf('?');
  const path = q < 0 ? req.target : req.target.slice(0, q);
  for (const api of apis) {
    if (!takesPath(api.def.prefix, path) || !takesHost(api, req.host) || !servedOn(api.def.protocol, req.listener)) continue;
    const below = req.target.slice(api.def.prefix === '/' ? 0 : api.def.prefix.length);
    const subPath = below === '' ? '/' : below.startsWith('?') ? `/${below}` : below;
    const accepting = api.resources.filter((r) => accepts(r, req));
    const found = accepting.length ? findResource(accepting, subPath) : undefined;
    if (found) return { kind: 'resource', api, resource: found.resource, variables: found.variables, subPath };
    if (accepting.length) return { kind: 'refused', api, status: 404 };
    const anyMethod = findResource(api.resources, subPath);
    if (!anyMethod) return { kind: 'refused', api, status: 404 };
    const methods = anyMethod.resource.def.methods;
    if (methods.length && !methods.includes(req.method)) return { kind: 'refused', api, status: 405, allow: allowedAt(api, subPath) };
    return { kind: 'refused', api, status: 400 };
  }
  return undefined;
}

function takesPath(prefix: string, path: string): boolean {
  return prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);
}

function takesHost(api: ApiRuntime, host: string | undefined): boolean {
  const { hostname, port } = api.def;
  if (hostname === undefined && port === undefined) return true;
  if (host === undefined) return false;
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  if (!m) return false;
  if (hostname !== undefined && m[1]!.toLowerCase() !== hostname.toLowerCase()) return false;
  return port === undefined || port === (m[2] !== undefined ? Number(m[2]) : 80);
}

/** Whether what is kept to `protocol` (undefined: both) is served on `listener` (undefined: the one listener). */
function servedOn(protocol: Protocol | undefined, listener: Protocol | undefined): boolean {
  return protocol === undefined || listener === undefined || protocol === listener;
}

function accepts(r: ResourceRuntime, req: ApiRequest): boolean {
  const { methods, contentType, userAgent } = r.def;
  if (req.method !== 'OPTIONS' && methods.length && !methods.includes(req.method)) return false;
  if (!servedOn(r.def.protocol, req.listener)) return false;
  if (contentType !== undefined && req.hasBody && mediaType(req.contentType) !== contentType.toLowerCase()) return false;
  return userAgent === undefined || (req.userAgent !== undefined && userAgent.test(req.userAgent));
}

/** The media type of a Content-Type value, lower case, without parameters. */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

function findResource(resources: readonly ResourceRuntime[], subPath: string): { resource: ResourceRuntime; variables: ReadonlyMap<string, string> } | undefined {
  const none = new Map<string, string>();
  const mappings = resources.filter((r): r is ResourceRuntime & { def: { match: UrlMapping } } => r.def.match?.kind === 'mapping');
  let best: { resource: ResourceRuntime; segments: number } | undefined;
  let extension: ResourceRuntime | undefined;
  for (const r of mappings) {
    const m = matchUrlMapping(r.def.match, subPath);
    if (m?.how === 'exact') return { resource: r, variables: none };
    if (m?.how === 'prefix' && (!best || m.segments > best.segments)) best = { resource: r, segments: m.segments };
    if (m?.how === 'extension') extension ??= r;
  }
  if (best) return { resource: best.resource, variables: none };
  if (extension) return { resource: extension, variables: none };
  for (const r of resources) {
    if (r.def.match?.kind !== 'template') continue;
    const variables = matchUriTemplate(r.def.match as UriTemplate, subPath);
    if (variables) return { resource: r, variables };
  }
  const fallback = resources.find((r) => r.def.match === undefined);
  return fallback && { resource: fallback, variables: none };
}

/** The methods the resources at `subPath` take, for the Allow header of a 405. */
function allowedAt(api: ApiRuntime, subPath: string): string {
  const methods = new Set<string>();
  for (const r of api.resources) if (findResource([r], subPath)) for (const m of r.def.methods) methods.add(m);
  return [...methods].join(', ');
}
