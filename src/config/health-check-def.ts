/**
 * Active health checks, a moor extension (Synapse has none: it learns of a dead member from traffic),
 * written in moor's namespace as a child of an `<endpoint>`:
 *
 *   <endpoint name="A">
 *     <moor:healthCheck (path="/health" | soapAction="urn:ping") [interval="5000"] [timeout="2000"]
 *                       [healthyThreshold="2"] [unhealthyThreshold="3"]/>
 *     <address uri="http://…"/>
 *   </endpoint>
 *
 * On an endpoint with <loadbalance> or <failover>, it applies to every address member that has none
 * of its own. `path` probes with a GET of that path on the address's origin; `soapAction` with a POST
 * of an empty SOAP envelope (in the address's format) to the address itself. A probe passes on a 2xx
 * answer within `timeout`; after `unhealthyThreshold` failed probes in a row the member is taken out of
 * service, after `healthyThreshold` passed ones it is back (as Envoy and HAProxy count them).
 */
import { type SourceLoc } from '../errors.ts';
import { type ConfigNode } from './node.ts';

export interface HealthCheckDef {
  readonly loc: SourceLoc;
  /** A GET of this path on the address's origin, or undefined when soapAction probes. */
  readonly path: string | undefined;
  /** A POST of an empty envelope with this SOAP action to the address, or undefined when path probes. */
  readonly soapAction: string | undefined;
  /** ms between the end of one probe and the start of the next. */
  readonly intervalMs: number;
  /** ms a probe may take. */
  readonly timeoutMs: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export const HEALTH_CHECK_DEFAULTS = { intervalMs: 5000, timeoutMs: 2000, healthyThreshold: 2, unhealthyThreshold: 3 } as const;

/** Parses `<moor:healthCheck>`; undefined (with the problem reported) when it cannot be used. */
export function parseHealthCheck(node: ConfigNode): HealthCheckDef | undefined {
  node.allowAttributes('path', 'soapAction', 'interval', 'timeout', 'healthyThreshold', 'unhealthyThreshold');
  node.allowChildren();
  const path = node.attr('path');
  const soapAction = node.attr('soapAction');
  if ((path === undefined) === (soapAction === undefined)) {
    node.report('MOOR_ERR_BAD_VALUE', '<moor:healthCheck> needs exactly one of path="/…" (a GET) or soapAction="…" (a POST of an empty envelope)');
    return undefined;
  }
  if (path !== undefined && !path.startsWith('/')) {
    node.report('MOOR_ERR_BAD_VALUE', `<moor:healthCheck> path must start with "/", not "${path}"`);
    return undefined;
  }
  const positive = (attr: string, fallback: number): number => {
    const v = node.integer(node.attr(attr), attr);
    if (v === 0) node.report('MOOR_ERR_BAD_VALUE', `${attr} must be at least 1`);
    return v || fallback;
  };
  const d = HEALTH_CHECK_DEFAULTS;
  return {
    loc: node.loc,
    path,
    soapAction,
    intervalMs: positive('interval', d.intervalMs),
    timeoutMs: positive('timeout', d.timeoutMs),
    healthyThreshold: positive('healthyThreshold', d.healthyThreshold),
    unhealthyThreshold: positive('unhealthyThreshold', d.unhealthyThreshold),
  };
}
