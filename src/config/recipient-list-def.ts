/**
 * Synapse's recipient list endpoint, as configured (the runtime: src/endpoints/recipient-list.ts; the
 * fan-out of a <send>: src/mediators/recipient-send.ts).
 *
 * <endpoint [name="N"]>
 *   <recipientlist>
 *     <endpoint …/>+                                   (any endpoint but another recipient list)
 *   | <member hostName="h" httpPort="p" [httpsPort="p"]/>+   (the request's path, on that host)
 *   | <endpoints value="url,url,…" | value="{xpath}" [max-cache="n"]/>
 *                                                      (a list of addresses, or an expression giving one,
 *                                                       read per message; max-cache: how many of the
 *                                                       addresses seen are kept as endpoints, default 20)
 *   </recipientlist>
 * </endpoint>
 *
 * As WSO2's RecipientListEndpoint: endpoints and members cannot be mixed; a copy of the message goes to
 * every recipient that is ready. A <session> on it is refused (endpoint-def.ts): WSO2 reads none on a
 * recipient list, and a copy for every member is not a session's single member. A list may give at most
 * MAX_RECIPIENTS addresses (a dynamic one is checked per message).
 */
import { isHttpUrl } from './leaf-endpoint.ts';
import { type SourceLoc } from '../errors.ts';
import { DEFAULT_FAILURE } from './endpoint-failure-def.ts';
import { type EndpointDef } from './endpoint-def.ts';
import { unfilledUses } from './endpoint-template.ts';
import { type ConfigNode } from './node.ts';

/** The most recipients one message is copied to; a longer list (static, or dynamic per message) is refused. */
export const MAX_RECIPIENTS = 64;

/** WSO2's RecipientListEndpoint.DEFAULT_MAX_POOL: dynamic addresses kept as endpoints (their health with them). */
export const DEFAULT_MAX_CACHE = 20;

export interface RecipientListDef {
  readonly kind: 'recipientlist';
  readonly loc: SourceLoc;
  readonly name: string | undefined;
  /** The static recipients (<endpoint>s or <member>s); empty for a dynamic list. */
  readonly members: readonly EndpointDef[];
  /** <endpoints value>: a literal comma-separated list, or the `{…}` expression that gives one per message. */
  readonly dynamic?: {
    readonly loc: SourceLoc;
    readonly literal: string | undefined;
    readonly expression: string | undefined;
    readonly namespaces: ReadonlyMap<string, string>;
    readonly maxCache: number;
  };
  readonly draining: boolean;
}

/** Reads `<recipientlist>` (`node`) of the endpoint named `name`; `parseEndpoint` reads its <endpoint> children. */
export function parseRecipientList(node: ConfigNode, name: string | undefined, draining: boolean, parseEndpoint: (n: ConfigNode) => EndpointDef | undefined): RecipientListDef | undefined {
  node.allowAttributes();
  node.allowChildren('endpoint', 'member', 'endpoints');
  const kids = node.children();
  const used = new Set(kids.map((c) => c.name));
  if ([...used].filter((n) => n === 'endpoint' || n === 'member' || n === 'endpoints').length > 1) {
    node.report('MOOR_ERR_BAD_VALUE', '<recipientlist> takes <endpoint>s, <member>s or one <endpoints>, not a mix of them');
    return undefined;
  }
  if (used.has('endpoints')) return dynamicList(kids.filter((c) => c.name === 'endpoints'), node, name, draining);
  const members: EndpointDef[] = [];
  for (const c of kids) {
    if (c.name === 'endpoint') {
      const m = parseEndpoint(c);
      if (m?.kind === 'recipientlist') c.report('MOOR_ERR_UNSUPPORTED', 'a <recipientlist> inside a <recipientlist> is not supported: list its recipients in one');
      else if (m) members.push(m);
    } else if (c.name === 'member') {
      c.allowAttributes('hostName', 'httpPort', 'httpsPort');
      const host = c.required('hostName');
      const port = c.integer(c.required('httpPort'), 'httpPort');
      if (c.attr('httpsPort') !== undefined) c.warn('MOOR_WARN_NO_EFFECT', 'httpsPort has no effect: the member is reached on httpPort over http');
      // as a <loadbalance>'s <member>: the request's own path, on this host
      if (host !== undefined && port !== undefined) members.push({ kind: 'address', loc: c.loc, name: `${host}:${port}`, uri: `http://${host}:${port}`, keepRequestPath: true, format: undefined, addressing: false, failure: DEFAULT_FAILURE, draining: false, weight: 1 });
    }
  }
  if (members.length === 0) {
    if (!kids.some((c) => unfilledUses.has(c.el))) node.report('MOOR_ERR_BAD_VALUE', '<recipientlist> needs <endpoint>s, <member>s or <endpoints value="…"/>');
    return undefined;
  }
  if (members.length > MAX_RECIPIENTS) {
    node.report('MOOR_ERR_BAD_VALUE', `<recipientlist> lists ${members.length} recipients; moor copies a message to at most ${MAX_RECIPIENTS}`);
    return undefined;
  }
  return { kind: 'recipientlist', loc: node.loc, name, members, draining };
}

function dynamicList(nodes: ConfigNode[], list: ConfigNode, name: string | undefined, draining: boolean): RecipientListDef | undefined {
  if (nodes.length > 1) {
    nodes[1]!.report('MOOR_ERR_BAD_VALUE', '<recipientlist> takes one <endpoints>');
    return undefined;
  }
  const e = nodes[0]!;
  e.allowAttributes('value', 'max-cache');
  e.allowChildren();
  const value = e.required('value');
  if (value === undefined) return undefined;
  const maxCache = e.integer(e.attr('max-cache'), 'max-cache') ?? DEFAULT_MAX_CACHE;
  if (maxCache < 1) {
    e.report('MOOR_ERR_BAD_VALUE', `max-cache="${maxCache}" must be at least 1`);
    return undefined;
  }
  const dynamic = value.length > 2 && value.startsWith('{') && value.endsWith('}');
  if (!dynamic) {
    const urls = splitRecipients(value);
    const bad = urls.find((u) => !isHttpUrl(u));
    if (bad !== undefined) {
      e.report('MOOR_ERR_BAD_VALUE', `the recipient "${bad}" is not an http(s) URL`);
      return undefined;
    }
    if (urls.length === 0 || urls.length > MAX_RECIPIENTS) {
      e.report('MOOR_ERR_BAD_VALUE', urls.length === 0 ? '<endpoints value> lists no address' : `<endpoints value> lists ${urls.length} recipients; moor copies a message to at most ${MAX_RECIPIENTS}`);
      return undefined;
    }
  }
  return {
    kind: 'recipientlist',
    loc: list.loc,
    name,
    members: [],
    dynamic: { loc: e.loc, literal: dynamic ? undefined : value, expression: dynamic ? value.slice(1, -1) : undefined, namespaces: e.scope, maxCache },
    draining,
  };
}

/** The addresses of a comma-separated list (as WSO2 splits it: on commas, blanks dropped). */
export function splitRecipients(value: string): string[] {
  return value.split(',').map((u) => u.trim()).filter((u) => u !== '');
}

