/**
 * A URL taken apart into the fragments Synapse's URL Rewrite mediator names (protocol, user, host,
 * port, path, query, ref) and put back together. Written by hand rather than with WHATWG `URL`, which
 * would normalise what a rule did not touch (a default port, a relative address such as `/services/X`).
 */
export const FRAGMENTS = ['protocol', 'user', 'host', 'port', 'path', 'query', 'ref'] as const;
export type Fragment = (typeof FRAGMENTS)[number];
export type UrlFragments = Record<Fragment, string | undefined>;

const SHAPE = /^(?:([a-zA-Z][\w+.-]*):)?(?:\/\/(?:([^@/?#]*)@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?)?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/;

/** The fragments of `url` (each undefined when the URL has none). */
export function fragmentsOf(url: string | undefined): UrlFragments {
  const m = url === undefined ? undefined : SHAPE.exec(url);
  const none = (s: string | undefined): string | undefined => (s === '' ? undefined : s);
  return {
    protocol: m?.[1],
    user: m?.[2],
    host: none(m?.[3]),
    port: none(m?.[4]),
    path: none(m?.[5]),
    query: m?.[6],
    ref: m?.[7],
  };
}

/** The URL the fragments make. */
export function urlOf(f: UrlFragments): string {
  let out = f.protocol !== undefined ? `${f.protocol}:` : '';
  if (f.host !== undefined) out += `//${f.user !== undefined ? `${f.user}@` : ''}${f.host}${f.port !== undefined ? `:${f.port}` : ''}`;
  out += f.path ?? '';
  if (f.query !== undefined) out += `?${f.query}`;
  if (f.ref !== undefined) out += `#${f.ref}`;
  return out;
}
