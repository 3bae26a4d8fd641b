/**
 * WSO2's HTTP endpoint: a backend named by a URI template, called with a method of its own.
 *
 * <endpoint [name="N"]>
 *   <http uri-template="http://host:port/orders/{uri.var.id}?q={query.param.q}"
 *         [method="get|post|put|delete|patch|head|options"] [statistics|trace="…"]>
 *     <enableAddressing/>?
 *     <timeout>…</timeout>? <markForSuspension>…</markForSuspension>? <suspendOnFailure>…</suspendOnFailure>?
 *     <suspendDurationOnFailure>…</suspendDurationOnFailure>? <retryConfig>…</retryConfig>?
 *                                              (the failure policy of <address>: endpoint-failure-def.ts)
 *   </http>
 * </endpoint>
 *
 * The template's variables are the message's `uri.var.*` and `query.param.*` properties (a REST API's
 * resource sets them; a `<property>` may too): `{uri.var.id}` is replaced by the value %-encoded,
 * `{+uri.var.path}` as it is (slashes and all), a variable that is not set by nothing. Without
 * method= the request goes with HTTP_METHOD (a REST API's request method), else POST. Unlike an
 * `<address>`, REST_URL_POSTFIX is not appended: the template is the whole URL (as WSO2 does).
 * The runtime endpoint is an address endpoint (src/endpoints/address.ts) with `http` set, so groups,
 * sessions, suspension and health checks treat it as one.
 */
import { type AddressDef } from './endpoint-def.ts';
import { readAddressing, refuseSecurityAndRm } from './leaf-endpoint.ts';
import { FAILURE_CHILDREN, parseFailure } from './endpoint-failure-def.ts';
import { type ConfigNode } from './node.ts';

/** The methods an HTTP endpoint takes (written in any case; kept in upper case). */
const METHODS = ['get', 'post', 'put', 'delete', 'patch', 'head', 'options'] as const;

/** Parses `<http>` inside an `<endpoint>`. */
export function parseHttpEndpoint(node: ConfigNode, name: string | undefined, draining: boolean, weight: number, warnStatisticsAndTrace: (n: ConfigNode) => void): AddressDef | undefined {
  node.allowAttributes('uri-template', 'method', 'statistics', 'trace', 'legacy-encoding');
  warnStatisticsAndTrace(node);
  if (node.attr('legacy-encoding') !== undefined) node.warn('MOOR_WARN_NO_EFFECT', 'legacy-encoding= has no effect: moor %-encodes {variables} as RFC 6570 says, and {+variables} not at all');
  node.allowChildren('enableAddressing', ...FAILURE_CHILDREN, 'enableSec', 'enableRM');
  refuseSecurityAndRm(node);
  const addressing = readAddressing(node);
  const template = node.required('uri-template');
  const rawMethod = node.attr('method');
  const method = node.oneOf(rawMethod?.toLowerCase(), METHODS, 'method');
  if (template === undefined || (rawMethod !== undefined && method === undefined)) return undefined;
  const problem = templateProblem(template);
  if (problem) {
    node.report('MOOR_ERR_BAD_VALUE', `uri-template "${template}": ${problem}`);
    return undefined;
  }
  return {
    kind: 'address',
    loc: node.loc,
    name,
    uri: template,
    format: undefined,
    addressing,
    failure: parseFailure(node),
    draining,
    weight,
    http: { template, method: method?.toUpperCase() },
  };
}

/** What is wrong with a template, if anything: braces that do not pair, a scheme that is not http(s). */
function templateProblem(template: string): string | undefined {
  let depth = 0;
  for (const ch of template) {
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    if (depth < 0 || depth > 1) return 'its braces do not pair';
  }
  if (depth !== 0) return 'a "{" is not closed';
  // a template that starts with a variable is a whole URL from the message: checked when it is sent
  if (template.startsWith('{')) return undefined;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(template)?.[1]?.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return 'it must be an http:// or https:// URL';
  return undefined;
}
