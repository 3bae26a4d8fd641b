/**
 * How a REST API resource names the paths it takes, as WSO2's dispatchers read them:
 *
 *   uri-template="/orders/{id}"             a path whose segments match; {id} takes one segment (or the part
 *                                           of one between literals: /files/{name}.json), decoded
 *   uri-template="/files/{+path}"           {+path} takes the rest of the path, slashes included
 *   uri-template="/search?q={q}&page={p}"   each query parameter named must be there (in any order, others
 *                                           may come too); its value goes to the variable
 *   url-mapping="/orders"                   exactly this path (a trailing slash and the query ignored)
 *   url-mapping="/orders/*"                 this path and everything below it (the longest such mapping wins)
 *   url-mapping="*.json"                    any path that ends so
 *
 * Matching is against the request's path below the API's context (and version): WSO2's
 * REST_SUB_REQUEST_PATH, with its query. Pure functions, no message: src/server/api-dispatch.ts uses them.
 */

/** One piece of a path segment: a literal, or a variable (`rest`: {+var}, which takes slashes too). */
type Piece = { readonly literal: string } | { readonly variable: string; readonly rest: boolean };

/** A compiled uri-template. */
export interface UriTemplate {
  readonly kind: 'template';
  readonly text: string;
  /** The path part as a regular expression over the raw (still %-encoded) path, and its variables in order. */
  readonly path: RegExp;
  readonly pathVariables: readonly string[];
  /** Query parameters the template names: parameter → variable. */
  readonly query: ReadonlyMap<string, string>;
}

/** A compiled url-mapping. */
export interface UrlMapping {
  readonly kind: 'mapping';
  readonly text: string;
  readonly exact: string | undefined;
  /** `/a/b/*`: the segments before the star (none for `/*`). */
  readonly prefix: readonly string[] | undefined;
  /** `*.json`: `.json`. */
  readonly extension: string | undefined;
}

/** Compiles a uri-template; a string saying what is wrong with it when it cannot be read. */
export function compileUriTemplate(text: string): UriTemplate | string {
  if (!text.startsWith('/')) return 'a uri-template starts with "/"';
  const q = text.indexOf('?');
  const pathPart = q < 0 ? text : text.slice(0, q);
  const queryPart = q < 0 ? '' : text.slice(q + 1);
  const pieces = parsePieces(pathPart);
  if (typeof pieces === 'string') return pieces;
  const pathVariables: string[] = [];
  let source = '';
  for (const p of pieces) {
    if ('literal' in p) source += escapeRegExp(p.literal);
    else {
      pathVariables.push(p.variable);
      source += p.rest ? '(.*)' : '([^/]*)';
    }
  }
  // a trailing slash of the request is as good as none (WSO2 trims it before matching)
  const trimmed = source.endsWith('/') && source.length > 1 ? source.slice(0, -1) : source;
  const query = new Map<string, string>();
  for (const pair of queryPart ? queryPart.split('&') : []) {
    const m = /^([^=]+)=\{([A-Za-z_][\w.-]*)\}$/.exec(pair);
    if (!m) return `the query part "${pair}" is not name={variable}`;
    query.set(m[1]!, m[2]!);
  }
  return { kind: 'template', text, path: new RegExp(`^${trimmed}/?$`), pathVariables, query };
}

function parsePieces(path: string): Piece[] | string {
  const out: Piece[] = [];
  let i = 0;
  while (i < path.length) {
    const open = path.indexOf('{', i);
    if (open < 0) {
      out.push({ literal: path.slice(i) });
      break;
    }
    if (open > i) out.push({ literal: path.slice(i, open) });
    const close = path.indexOf('}', open);
    if (close < 0) return `"{" at ${open + 1} is not closed`;
    const inner = path.slice(open + 1, close);
    const rest = inner.startsWith('+');
    const name = rest ? inner.slice(1) : inner;
    if (!/^[A-Za-z_][\w.-]*$/.test(name)) return `"{${inner}}" is not a variable name`;
    out.push({ variable: name, rest });
    i = close + 1;
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The variables of `template` for a sub-path (with its query), or undefined when it does not match. */
export function matchUriTemplate(template: UriTemplate, subPath: string): Map<string, string> | undefined {
  const q = subPath.indexOf('?');
  const path = q < 0 ? subPath : subPath.slice(0, q);
  const m = template.path.exec(path);
  if (!m) return undefined;
  const vars = new Map<string, string>();
  for (let i = 0; i < template.pathVariables.length; i++) {
    const v = decoded(m[i + 1] ?? '');
    if (v === undefined) return undefined;
    vars.set(template.pathVariables[i]!, v);
  }
  if (template.query.size) {
    const params = queryParameters(q < 0 ? '' : subPath.slice(q + 1));
    for (const [param, variable] of template.query) {
      const v = params.get(param);
      if (v === undefined) return undefined;
      vars.set(variable, v);
    }
  }
  return vars;
}

/** Compiles a url-mapping (every text is one: an exact path, a prefix, or an extension). */
export function compileUrlMapping(text: string): UrlMapping {
  if (text.startsWith('/') && text.endsWith('/*')) {
    const inner = text.slice(1, -2);
    return { kind: 'mapping', text, exact: undefined, prefix: inner ? inner.split('/') : [], extension: undefined };
  }
  if (text.startsWith('*.')) return { kind: 'mapping', text, exact: undefined, prefix: undefined, extension: text.slice(1) };
  const exact = text.length > 1 && text.endsWith('/') ? text.slice(0, -1) : text;
  return { kind: 'mapping', text, exact, prefix: undefined, extension: undefined };
}

/** How a url-mapping matches a sub-path: exactly, by a prefix of `n` segments, by extension, or not. */
export type MappingMatch = { readonly how: 'exact' } | { readonly how: 'prefix'; readonly segments: number } | { readonly how: 'extension' } | undefined;

/** Matches a url-mapping against a sub-path (its query ignored). */
export function matchUrlMapping(mapping: UrlMapping, subPath: string): MappingMatch {
  const q = subPath.indexOf('?');
  let path = q < 0 ? subPath : subPath.slice(0, q);
  if (path === '') path = '/';
  const trimmed = path !== '/' ? path.replace(/\/+$/, '') : path;
  if (mapping.exact !== undefined) return mapping.exact === trimmed ? { how: 'exact' } : undefined;
  if (mapping.prefix) {
    // (`/*` matches everything, as the shortest prefix there is)
    if (mapping.prefix.length === 0) return { how: 'prefix', segments: 0 };
    const segments = path.replace(/^\/+/, '').split('/');
    for (let i = 0; i < mapping.prefix.length; i++) if (segments[i] !== mapping.prefix[i]) return undefined;
    return { how: 'prefix', segments: mapping.prefix.length };
  }
  return mapping.extension !== undefined && path.endsWith(mapping.extension) ? { how: 'extension' } : undefined;
}

/** The query's parameters, decoded (`+` is a space); the first of a repeated name wins. */
export function queryParameters(query: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!query) return out;
  for (const entry of query.split('&')) {
    if (!entry) continue;
    const eq = entry.indexOf('=');
    const name = decoded(eq < 0 ? entry : entry.slice(0, eq)) ?? entry;
    const value = eq < 0 ? '' : (decoded(entry.slice(eq + 1).replace(/\+/g, ' ')) ?? entry.slice(eq + 1));
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

function decoded(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
