/**
 * Endpoints as configured. The runtime objects (with their health state) are built from these by
 * src/endpoints/.
 *
 * <endpoint name="N" template="T" [uri="…"]> <parameter name="p" value="…"/>* </endpoint>
 *                                                   (an endpoint template's use: filled in when read, endpoint-template.ts)
 * <endpoint [name="N"] [key="K"] [draining="true"]>
 *   <session …/>?                                  (with loadbalance or failover)
 *   <moor:healthCheck …/>?                         (moor's active health checks: health-check-def.ts)
 *   ( <address uri="http://…" [format="soap11|soap12"]>
 *       <enableAddressing/>?
 *       <timeout>…</timeout>? <markForSuspension>…</markForSuspension>? <suspendOnFailure>…</suspendOnFailure>?
 *       <suspendDurationOnFailure>…</suspendDurationOnFailure>? <retryConfig>…</retryConfig>?
 *                                                   (grammar in endpoint-failure-def.ts)
 *     </address>
 *   | <http uri-template="http://…/{uri.var.id}" [method="get|post|…"]> (failure children as <address>) </http>
 *                                                   (grammar in http-endpoint-def.ts)
 *   | <wsdl (uri="file:…|http(s)://…" | key="K" | inline WSDL) service="S" port="P"> (failure children as <address>) </wsdl>
 *                                                   (grammar in wsdl-endpoint-def.ts: read at load, then an address)
 *   | <loadbalance [algorithm="roundRobin|weightedRoundRobin|org.apache.synapse…RoundRobin"] [failover="true|false"]>
 *       (<endpoint …/> | <member hostName="h" httpPort="p"/>)+
 *     </loadbalance>
 *   | <failover> <endpoint …/>+ </failover>
 *   | <recipientlist> … </recipientlist>            (grammar in recipient-list-def.ts)
 *   | <default [format="…"]> (failure children as <address>) </default> )  (grammar in default-endpoint-def.ts)
 * </endpoint>
 */
import { type SourceLoc } from '../errors.ts';
import { DEFAULT_FAILURE, FAILURE_CHILDREN, type FailureDef, parseFailure } from './endpoint-failure-def.ts';
import { unfilledUses } from './endpoint-template.ts';
import { type HealthCheckDef, parseHealthCheck } from './health-check-def.ts';
import { isHttpUrl, otherTransport, readAddressing, refuseFormatConversion, refuseSecurityAndRm, warnByteOptions } from './leaf-endpoint.ts';
import { parseHttpEndpoint } from './http-endpoint-def.ts';
import { MOOR_CONFIG_NS } from './moor-settings.ts';
import { parseWsdlEndpoint } from './wsdl-endpoint-def.ts';
import { type ConfigNode } from './node.ts';
import { parseDefaultEndpoint } from './default-endpoint-def.ts';
import { parseRecipientList, type RecipientListDef } from './recipient-list-def.ts';
import { parseSession, type SessionDef } from './session-def.ts';

export interface AddressDef {
  readonly kind: 'address';
  readonly loc: SourceLoc;
  readonly name: string | undefined;
  readonly uri: string;
  readonly format: 'soap11' | 'soap12' | undefined;
  readonly addressing: boolean;
  /** Timeout, suspension and retry policy (src/config/endpoint-failure-def.ts). */
  readonly failure: FailureDef;
  readonly draining: boolean;
  /** A <default> endpoint (default-endpoint-def.ts): the URL is each message's WS-Addressing To. */
  readonly toHeader?: boolean;
  /** Synapse <member>: forward to the same path as the request, on this host. */
  readonly keepRequestPath?: boolean;
  /** Relative weight for weightedRoundRobin. */
  readonly weight: number;
  /** moor's active health check of this backend, if configured (on it or on its group). */
  readonly healthCheck?: HealthCheckDef;
  /** An `<http>` endpoint (http-endpoint-def.ts): `uri` is its template, expanded per message; its own method, if given. */
  readonly http?: { readonly template: string; readonly method: string | undefined };
}

/** leastActive is a moor extension: the member with the fewest requests in flight. */
export type Algorithm = 'roundRobin' | 'weightedRoundRobin' | 'leastActive';

export interface GroupDef {
  readonly kind: 'loadbalance' | 'failover';
  readonly loc: SourceLoc;
  readonly name: string | undefined;
  readonly algorithm: Algorithm;
  /** loadbalance: try the next member when one cannot be connected to (Synapse's failover="true"). */
  readonly failover: boolean;
  /** failover: true (default) starts each message at the first active member; false stays on the member that last answered. */
  readonly dynamic: boolean;
  readonly members: readonly EndpointDef[];
  readonly session: SessionDef | undefined;
  readonly draining: boolean;
}

export interface EndpointRef {
  readonly kind: 'ref';
  readonly loc: SourceLoc;
  readonly key: string;
}

export type EndpointDef = AddressDef | GroupDef | EndpointRef | RecipientListDef;

const ALGORITHMS: Record<string, Algorithm> = {
  roundRobin: 'roundRobin',
  weightedRoundRobin: 'weightedRoundRobin',
  leastActive: 'leastActive',
  'org.apache.synapse.endpoints.algorithms.RoundRobin': 'roundRobin',
  'org.apache.synapse.endpoints.algorithms.WeightedRoundRobin': 'weightedRoundRobin',
};

/** Parses an `<endpoint>` element (named, inline, or a `key` reference). */
export function parseEndpoint(node: ConfigNode): EndpointDef | undefined {
  node.allowAttributes('name', 'key', 'draining', 'weight', 'template', 'uri');
  const key = node.attr('key');
  if (key !== undefined) return { kind: 'ref', loc: node.loc, key };
  if (node.attr('template') !== undefined) {
    // (a use filled in when the configuration was read has no template= left: endpoint-template.ts)
    if (!unfilledUses.has(node.el)) node.report('MOOR_ERR_UNSUPPORTED', 'an endpoint template is filled in where the configuration\'s files use it (an artifact, a proxy\'s target, <send>, <call>, a group member); not here');
    return undefined;
  }
  const name = node.attr('name');
  const draining = node.attr('draining') === 'true';
  // Synapse gives a member its weight as <property name="loadbalance.weight" value="N"/>; weight="N" also works
  const weightProp = node.children().find((c) => c.name === 'property' && c.attr('name') === 'loadbalance.weight');
  const weight = node.integer(node.attr('weight'), 'weight') ?? (weightProp && weightProp.integer(weightProp.attr('value'), 'loadbalance.weight')) ?? 1;
  for (const c of node.children()) {
    if (c.name === 'property' && c.attr('name') !== 'loadbalance.weight') c.warn('MOOR_WARN_NO_EFFECT', `endpoint <property name="${c.attr('name') ?? ''}"> has no effect: moor reads only loadbalance.weight`);
  }
  const moorChildren = node.children().filter((c) => c.el.name.uri === MOOR_CONFIG_NS);
  for (const c of moorChildren) if (c.name !== 'healthCheck') c.unknownElement(['healthCheck'], '<endpoint> (moor extensions)');
  const checkNode = moorChildren.find((c) => c.name === 'healthCheck');
  const healthCheck = checkNode && parseHealthCheck(checkNode);
  const kinds = node.children().filter((c) => c.el.name.uri !== MOOR_CONFIG_NS && c.name !== 'session' && c.name !== 'property' && c.name !== 'description');
  const body = kinds[0];
  if (!body || kinds.length > 1) {
    node.report('MOOR_ERR_BAD_VALUE', '<endpoint> needs exactly one of <address>, <http>, <wsdl>, <default>, <loadbalance>, <failover>, <recipientlist> (or key="…")');
    return undefined;
  }
  const sessionNode = node.child('session');
  const session = sessionNode ? parseSession(sessionNode) : undefined;
  switch (body.name) {
    case 'address':
      if (sessionNode) sessionNode.report('MOOR_ERR_BAD_VALUE', '<session> belongs on an endpoint with <loadbalance> or <failover>');
      return withHealthCheck(parseAddress(body, name, draining, weight), healthCheck);
    case 'loadbalance':
    case 'failover':
      if (sessionNode && session) warnChoiceWithoutEffect(sessionNode, session, body);
      return withHealthCheck(parseGroup(body, name, session, draining), healthCheck);
    case 'http':
      if (sessionNode) sessionNode.report('MOOR_ERR_BAD_VALUE', '<session> belongs on an endpoint with <loadbalance> or <failover>');
      return withHealthCheck(parseHttpEndpoint(body, name, draining, weight, warnStatisticsAndTrace), healthCheck);
    case 'recipientlist':
      if (sessionNode) sessionNode.report('MOOR_ERR_BAD_VALUE', '<session> belongs on an endpoint with <loadbalance> or <failover>: a <recipientlist> sends every message to all its recipients');
      return withHealthCheck(parseRecipientList(body, name, draining, parseEndpoint), healthCheck);
    case 'wsdl':
      if (sessionNode) sessionNode.report('MOOR_ERR_BAD_VALUE', '<session> belongs on an endpoint with <loadbalance> or <failover>');
      return withHealthCheck(parseWsdlEndpoint(body, name, draining, weight, warnStatisticsAndTrace), healthCheck);
    case 'default':
      if (sessionNode) sessionNode.report('MOOR_ERR_BAD_VALUE', '<session> belongs on an endpoint with <loadbalance> or <failover>');
      if (checkNode) checkNode.report('MOOR_ERR_BAD_VALUE', '<moor:healthCheck> needs an address to probe; a <default> endpoint has none (each message\'s To)');
      return parseDefaultEndpoint(body, name, draining, weight, warnStatisticsAndTrace);
    case 'dynamicLoadbalance':
    case 'serviceDynamicLoadbalance':
      body.report('MOOR_ERR_UNSUPPORTED', `<${body.name}> endpoints are not supported; use <address>, <http>, <wsdl>, <default>, <loadbalance>, <failover> or <recipientlist>`);
      return undefined;
    default:
      body.unknownElement(['address', 'http', 'wsdl', 'default', 'loadbalance', 'failover', 'recipientlist'], '<endpoint>');
      return undefined;
  }
}

/** `check` on an address, or on every address member of a group that has none of its own. */
function withHealthCheck<D extends EndpointDef>(def: D | undefined, check: HealthCheckDef | undefined): D | undefined {
  if (!def || !check) return def;
  switch (def.kind) {
    case 'address':
      // (a <default> endpoint has no address to probe)
      return def.healthCheck || def.toHeader ? def : { ...def, healthCheck: check };
    case 'loadbalance':
    case 'failover':
    case 'recipientlist':
      return { ...def, members: def.members.map((m) => withHealthCheck(m, check)!) };
    default:
      return def;
  }
}

function parseAddress(node: ConfigNode, name: string | undefined, draining: boolean, weight: number): AddressDef | undefined {
  node.allowAttributes('uri', 'format', 'optimize', 'encoding', 'statistics', 'trace');
  warnByteOptions(node);
  warnStatisticsAndTrace(node);
  node.allowChildren('enableAddressing', ...FAILURE_CHILDREN, 'enableSec', 'enableRM');
  refuseSecurityAndRm(node);
  const uri = node.required('uri');
  if (uri === undefined) return undefined;
  const transport = otherTransport(uri);
  if (transport !== undefined) {
    node.report('MOOR_ERR_UNSUPPORTED', `the ${transport}: transport is not supported; an address uri must be http:// or https://`);
    return undefined;
  }
  if (!isHttpUrl(uri)) {
    node.report('MOOR_ERR_BAD_VALUE', `the address uri "${uri}" is not an http(s) URL`);
    return undefined;
  }
  const format = node.oneOf(node.attr('format'), ['soap11', 'soap12', 'pox', 'rest', 'get', 'leave'] as const, 'format');
  refuseFormatConversion(node, format);
  const addressing = readAddressing(node);
  return {
    kind: 'address',
    loc: node.loc,
    name,
    uri,
    format: format === 'soap11' || format === 'soap12' ? format : undefined,
    addressing,
    failure: parseFailure(node),
    draining,
    weight,
  };
}

/** `choose=` where it changes nothing, or where it overrides what the group's algorithm says. */
function warnChoiceWithoutEffect(sessionNode: ConfigNode, session: SessionDef, group: ConfigNode): void {
  if (!session.chosen) return;
  if (group.name === 'failover') sessionNode.warn('MOOR_WARN_NO_EFFECT', 'choose= has no effect on <failover>: every node already gives a new session to the first member that is up');
  else if (session.mode === 'insert') sessionNode.warn('MOOR_WARN_NO_EFFECT', 'choose= has no effect with mode="insert": the cookie names the member, no store is involved');
  else if (session.choose === 'hash' && group.attr('algorithm') === 'leastActive') sessionNode.warn('MOOR_WARN_NO_EFFECT', 'algorithm="leastActive" does not place new sessions when choose="hash": the hash of the session key does (it still orders messages without a session)');
}

function parseGroup(node: ConfigNode, name: string | undefined, session: SessionDef | undefined, draining: boolean): GroupDef | undefined {
  const kind = node.name as 'loadbalance' | 'failover';
  node.allowAttributes('algorithm', 'failover', 'policy', 'dynamic');
  node.allowChildren('endpoint', 'member');
  const rawAlg = node.attr('algorithm');
  const algorithm = rawAlg === undefined ? 'roundRobin' : ALGORITHMS[rawAlg];
  if (algorithm === undefined) {
    node.report('MOOR_ERR_BAD_VALUE', `unknown load-balance algorithm "${rawAlg}"; use roundRobin, weightedRoundRobin or leastActive`);
  }
  const members: EndpointDef[] = [];
  for (const c of node.children()) {
    if (c.name === 'endpoint') {
      const m = parseEndpoint(c);
      if (m) members.push(m);
      // Synapse reads loadbalance.weight only in WeightedRoundRobin
      if (m?.kind === 'address' && m.weight !== 1 && (kind === 'failover' || (algorithm !== undefined && algorithm !== 'weightedRoundRobin'))) {
        c.warn('MOOR_WARN_NO_EFFECT', `the weight ${m.weight} has no effect: only algorithm="weightedRoundRobin" on a <loadbalance> reads weights`);
      }
    } else if (c.name === 'member') {
      c.allowAttributes('hostName', 'httpPort', 'httpsPort');
      const host = c.required('hostName');
      const port = c.integer(c.required('httpPort'), 'httpPort');
      if (host !== undefined && port !== undefined) {
        // Synapse's <member> forwards to the same path on the member host
        members.push({ kind: 'address', loc: c.loc, name: `${host}:${port}`, uri: `http://${host}:${port}`, keepRequestPath: true, format: undefined, addressing: false, failure: DEFAULT_FAILURE, draining: false, weight: 1 });
      }
    }
  }
  // (a member made from a template that could not be filled in was reported already)
  if (members.length === 0 && !node.children().some((c) => unfilledUses.has(c.el))) node.report('MOOR_ERR_BAD_VALUE', `<${kind}> needs at least one member endpoint`);
  const dynamic = node.oneOf(node.attr('dynamic'), ['true', 'false'] as const, 'dynamic');
  if (dynamic !== undefined && kind === 'loadbalance') node.warn('MOOR_WARN_NO_EFFECT', 'dynamic= has no effect on <loadbalance>: it belongs to <failover> (Synapse\'s dynamic load balancing is not supported)');
  if (node.attr('policy') !== undefined) node.warn('MOOR_WARN_NO_EFFECT', 'policy= has no effect: moor balances by algorithm= alone');
  if (algorithm !== undefined && algorithm !== 'roundRobin' && kind === 'failover') node.warn('MOOR_WARN_NO_EFFECT', 'algorithm= has no effect on <failover>, which always tries its members in order');
  for (const c of node.children()) {
    if (c.name === 'member' && c.attr('httpsPort') !== undefined) c.warn('MOOR_WARN_NO_EFFECT', 'httpsPort has no effect: the member is reached on httpPort over http');
  }
  return {
    kind,
    loc: node.loc,
    name,
    algorithm: algorithm ?? 'roundRobin',
    failover: kind === 'failover' || node.attr('failover') !== 'false',
    dynamic: dynamic !== 'false',
    members,
    session,
    draining,
  };
}

/**
 * statistics="enable" and trace="enable" (on addresses, proxies, sequences) turn on Synapse's
 * statistics collection and message tracing, which moor does not have; "disable" is what moor does anyway.
 */
export function warnStatisticsAndTrace(node: ConfigNode): void {
  for (const a of ['statistics', 'trace'] as const) {
    if (node.attr(a) === 'enable') node.warn('MOOR_WARN_NO_EFFECT', `${a}="enable" has no effect: moor collects no Synapse ${a === 'statistics' ? 'statistics' : 'message traces'} (its metrics and access log: docs/operations.md)`);
  }
}
