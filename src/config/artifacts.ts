/**
 * The top-level artifacts of a configuration: proxies, named sequences, named endpoints.
 *
 * <proxy name="N" [transports="http https"] [startOnLoad="true"]>
 *   <target [inSequence="key"] [outSequence="key"] [faultSequence="key"] [endpoint="key"]>
 *     <inSequence>…</inSequence>? <outSequence>…</outSequence>? <faultSequence>…</faultSequence>?
 *     <endpoint …/>?
 *   </target>
 *   <publishWSDL uri="file:…" | key="conf:/…|gov:/…|local entry"/>?
 * </proxy>
 * <sequence name="N" [onError="key"]> mediators… </sequence>
 */
import { type SourceLoc } from '../errors.ts';
import { type EndpointDef, parseEndpoint, warnStatisticsAndTrace } from './endpoint-def.ts';
import { type ConfigNode } from './node.ts';
import { HTTPS_ONLY_WARNING, listenersOf } from './https-only.ts';

/** A sequence written in place, or named by key. */
export type SequenceSource = { readonly kind: 'inline'; readonly node: ConfigNode } | { readonly kind: 'ref'; readonly key: string; readonly loc: SourceLoc };

export interface SequenceDef {
  readonly kind: 'sequence';
  readonly name: string;
  readonly loc: SourceLoc;
  readonly node: ConfigNode;
  readonly onError: string | undefined;
}

export interface ProxyDef {
  readonly kind: 'proxy';
  readonly name: string;
  readonly loc: SourceLoc;
  readonly inSequence: SequenceSource | undefined;
  readonly outSequence: SequenceSource | undefined;
  readonly faultSequence: SequenceSource | undefined;
  readonly endpoint: EndpointDef | undefined;
  /** The WSDL served at ?wsdl: a file path (resolved against the config file), or a key resolved by the compiler. */
  readonly wsdl: { readonly file: string; readonly loc: SourceLoc } | { readonly key: string; readonly loc: SourceLoc } | undefined;
  /**
   * The listeners it is served on, from `transports` (both when it has none). Only a gateway with an
   * HTTPS listener (`moor start --https-port`) tells them apart (server/transports.ts).
   */
  readonly transports: { readonly http: boolean; readonly https: boolean };
}

export interface NamedEndpoint {
  readonly kind: 'endpoint';
  readonly name: string;
  readonly loc: SourceLoc;
  readonly def: EndpointDef;
}

export type Artifact = SequenceDef | ProxyDef | NamedEndpoint;

/** Parses `<sequence name>`. */
export function parseSequenceArtifact(node: ConfigNode): SequenceDef | undefined {
  node.allowAttributes('name', 'onError', 'trace', 'statistics', 'description');
  warnStatisticsAndTrace(node);
  const name = node.required('name');
  if (name === undefined) return undefined;
  return { kind: 'sequence', name, loc: node.loc, node, onError: node.attr('onError') };
}

/** Parses a top-level `<endpoint name>`. */
export function parseEndpointArtifact(node: ConfigNode): NamedEndpoint | undefined {
  const name = node.required('name');
  const def = parseEndpoint(node);
  if (name === undefined || !def) return undefined;
  return { kind: 'endpoint', name, loc: node.loc, def };
}

/** Parses `<proxy>`. `resolveFile` turns a file: URI of publishWSDL into a path. */
export function parseProxy(node: ConfigNode, resolveFile: (uri: string) => string): ProxyDef | undefined {
  node.allowAttributes('name', 'transports', 'startOnLoad', 'trace', 'statistics', 'pinnedServers', 'serviceGroup');
  warnStatisticsAndTrace(node);
  node.allowChildren('target', 'publishWSDL', 'description', 'parameter', 'policy', 'enableSec', 'enableRM', 'enableAddressing');
  for (const c of node.children()) {
    if (c.name === 'enableSec' || c.name === 'enableRM' || c.name === 'policy') {
      c.report('MOOR_ERR_UNSUPPORTED', `<${c.name}> on proxies (WS-Security, WS-RM, WS-Policy) is not supported`);
    }
  }
  const name = node.required('name');
  const transports = node.attr('transports');
  const listeners = transports ? listenersOf(transports) : { http: true, https: true };
  if (!listeners) {
    node.report('MOOR_ERR_UNSUPPORTED', `transports "${transports}": only http and https are supported`);
  } else if (listeners.https && !listeners.http) {
    node.warn('MOOR_WARN_DIFFERENT', HTTPS_ONLY_WARNING);
  }
  const target = node.child('target');
  if (!target) node.report('MOOR_ERR_MISSING_ATTRIBUTE', `<proxy name="${name ?? ''}"> needs a <target>`);
  target?.allowAttributes('inSequence', 'outSequence', 'faultSequence', 'endpoint');
  target?.allowChildren('inSequence', 'outSequence', 'faultSequence', 'endpoint');
  const seq = (which: 'inSequence' | 'outSequence' | 'faultSequence'): SequenceSource | undefined => {
    if (!target) return undefined;
    const key = target.attr(which);
    if (key !== undefined) return { kind: 'ref', key, loc: target.loc };
    const inline = target.child(which);
    return inline ? { kind: 'inline', node: inline } : undefined;
  };
  const epKey = target?.attr('endpoint');
  const epNode = target?.child('endpoint');
  const endpoint: EndpointDef | undefined =
    epKey !== undefined && target ? { kind: 'ref', loc: target.loc, key: epKey } : epNode ? parseEndpoint(epNode) : undefined;
  const publish = node.child('publishWSDL');
  let wsdl: ProxyDef['wsdl'];
  if (publish) {
    publish.allowAttributes('uri', 'key', 'preservePolicy');
    publish.allowChildren('resource', 'definitions');
    const uri = publish.attr('uri');
    const key = publish.attr('key');
    if (uri) wsdl = { file: resolveFile(uri), loc: publish.loc };
    else if (key) wsdl = { key, loc: publish.loc };
    else publish.report('MOOR_ERR_UNSUPPORTED', '<publishWSDL> is supported with uri="file:…" or key="…" only');
  }
  if (name === undefined) return undefined;
  return {
    kind: 'proxy',
    name,
    loc: node.loc,
    inSequence: seq('inSequence'),
    outSequence: seq('outSequence'),
    faultSequence: seq('faultSequence'),
    endpoint,
    wsdl,
    transports: listeners ?? { http: false, https: false },
  };
}
