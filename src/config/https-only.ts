/**
 * The warnings of what WSO2 serves over HTTPS alone: a proxy's `transports="https"`, an API's
 * `transports="https"`, a resource's `protocol="https"`. moor honours each of them once `moor start` has
 * an HTTPS listener (`--https-port`, server/transports.ts, server/api-dispatch.ts), and a gateway with
 * one does not show them; without it there is one plain-HTTP listener, and these are matched there too
 * (TLS, if any, ends in front of moor), which is what the warnings say. `moor validate` cannot know
 * which listeners a start will have, so it always shows them.
 */

/** A proxy with `transports="https"` alone. */
export const HTTPS_ONLY_WARNING =
  'transports="https": WSO2 serves this proxy on its HTTPS listener only; moor does so when started with --https-port, and without it serves the proxy on its one plain-HTTP listener (put TLS in front of it to refuse plain HTTP)';

/** An `<api transports="https">`. */
export const HTTPS_ONLY_API_WARNING =
  'transports="https": WSO2 serves this API on its HTTPS listener only; moor does so when started with --https-port, and without it serves the API on its one plain-HTTP listener (put TLS in front of it to refuse plain HTTP)';

/** A `<resource protocol="https">`. */
export const HTTPS_ONLY_RESOURCE_WARNING =
  'protocol="https": WSO2 matches this resource over HTTPS only; moor does so when started with --https-port, and without it matches it on its one plain-HTTP listener too (put TLS in front of it to refuse plain HTTP)';

/** The three, which a gateway with an HTTPS listener leaves out of what it logs. */
export const HTTPS_ONLY_WARNINGS: ReadonlySet<string> = new Set([HTTPS_ONLY_WARNING, HTTPS_ONLY_API_WARNING, HTTPS_ONLY_RESOURCE_WARNING]);

/** The listener a request came in on: the plain-HTTP one or the HTTPS one. */
export type Protocol = 'http' | 'https';

/**
 * The listeners a `transports` list names (`http`, `https`, both; space or comma separated, as a
 * proxy's is written); undefined when it names neither.
 */
export function listenersOf(transports: string): { readonly http: boolean; readonly https: boolean } | undefined {
  const listed = transports.split(/[\s,]+/);
  const http = listed.includes('http');
  const https = listed.includes('https');
  return http || https ? { http, https } : undefined;
}
