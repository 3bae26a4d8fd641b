/**
 * Turns the sequences of a Config into runnable mediator lists, checking what only the whole
 * configuration can tell: unknown mediators, keys that name nothing, cycles of sequence references.
 */
import { type ApiDef, type ResourceDef } from '../config/api-def.ts';
import { type SequenceSource } from '../config/artifacts.ts';
import { type EndpointDef, type EndpointRef } from '../config/endpoint-def.ts';
import { type Config } from '../config/load.ts';
import { type EntryValue, entryText } from '../config/local-entry.ts';
import { type ConfigNode, Diagnostics, reportingInto } from '../config/node.ts';
import { suggest } from '../config/suggest.ts';
import { MoorError, type SourceLoc } from '../errors.ts';
import { compilingWith } from '../expr/entries.ts';
import { listExpressions } from '../endpoints/recipient-list.ts';
import { Expression } from '../expr/expression.ts';
import { EndpointLink, SequenceLink } from './links.ts';
import { type Mediator, type ParseContext, type Sequence } from './mediator.ts';
import { targetSequence } from './proxy-target.ts';
import { MEDIATORS, UNSUPPORTED_MEDIATORS } from './registry.ts';
import { type CompiledTask, compileTasks } from './task-message.ts';
import { StoreLink } from './message-store.ts';
import { checkProcessors } from './processor-checks.ts';
import { type MessageProcessorDef } from '../config/store-def.ts';

/** A proxy ready to run. */
export interface ProxyRuntime {
  readonly name: string;
  readonly inSequence: Sequence | undefined;
  readonly outSequence: Sequence | undefined;
  readonly faultSequence: Sequence | undefined;
  /** The send to the target endpoint, as a sequence of its own (proxy-target.ts). */
  readonly target: Sequence | undefined;
  readonly wsdl: PublishedWsdl | undefined;
}

/** A REST API resource ready to run: it runs as a proxy without a target endpoint does. */
export interface ResourceRuntime extends ProxyRuntime {
  readonly def: ResourceDef;
}

/** A REST API ready to run. */
export interface ApiRuntime {
  readonly def: ApiDef;
  readonly resources: readonly ResourceRuntime[];
}

/** The WSDL a proxy publishes: a file, or inline XML (a local entry) whose relative imports resolve beside `file`. */
export type PublishedWsdl = string | { readonly file: string; readonly text: string };

/** A configuration ready to run. */
export interface CompiledConfig {
  /** The definitions it was compiled from, as read (compile writes nothing into them). */
  readonly config: Config;
  readonly proxies: ReadonlyMap<string, ProxyRuntime>;
  /** REST APIs in the order they are tried (src/server/api-dispatch.ts). */
  readonly apis: readonly ApiRuntime[];
  readonly sequences: ReadonlyMap<string, Sequence>;
  /** Inline endpoints, to be built when the gateway starts. */
  readonly inlineEndpoints: readonly EndpointDef[];
  /** Every endpoint its mediators and proxies send to, linked once the endpoints are built (links.ts). */
  readonly endpointLinks: readonly EndpointLink[];
  /** Every message store a `<store>` names, linked once the runtime's stores are made. */
  readonly storeLinks: readonly StoreLink[];
  /** Message processors whose store, endpoint and sequences exist (server/processors.ts runs them). */
  readonly processors: readonly MessageProcessorDef[];
  /** Scheduled tasks, run by the gateway (server/tasks.ts), not by moor/testing. */
  readonly tasks: readonly CompiledTask[];
}

/** What compiling gives: the compiled configuration, and the problems compiling found (its own output). */
export interface Compilation {
  readonly compiled: CompiledConfig;
  readonly diag: Diagnostics;
  /** Checks that need an await (ParseContext.later), run by {@link finishChecks} before the load is judged. */
  readonly checks: readonly ((diag: Diagnostics) => Promise<void>)[];
}

/** Runs the checks that compiling left for later; their problems go to the compilation's Diagnostics. */
export async function finishChecks(compilation: Compilation): Promise<void> {
  for (const check of compilation.checks) await check(compilation.diag);
}

/**
 * Compiles `config`. It is only read: the problems found here go to the compilation's own
 * Diagnostics, also those reported at its nodes (reportingInto), so a read configuration may be frozen.
 */
export function compile(config: Config): Compilation {
  // get-property('k') falls back to the local entry k (expr/entries.ts)
  const entries = new Map([...config.resources].map(([k, r]) => [k, entryText(r.value)]));
  for (const [k, e] of config.localEntries) entries.set(k, entryText(e.value));
  const diag = new Diagnostics();
  const checks: ((diag: Diagnostics) => Promise<void>)[] = [];
  const compiled = reportingInto(diag, () => compilingWith(entries, () => compileWith(config, diag, checks)));
  return { compiled, diag, checks };
}

function compileWith(config: Config, diag: Diagnostics, checks: ((diag: Diagnostics) => Promise<void>)[]): CompiledConfig {
  const inlineEndpoints: EndpointDef[] = [];
  const endpointLinks: EndpointLink[] = [];
  const sequenceLinks: SequenceLink[] = [];
  const templateLinks: SequenceLink[] = [];
  const storeLinks: StoreLink[] = [];
  const refs: { key: string; node: ConfigNode; from: string | undefined }[] = [];
  const endpointRefs: { key: string; node: ConfigNode }[] = [];
  const templateEdges: { key: string; node: ConfigNode; from: string }[] = [];
  let current: string | undefined;
  const shared = new Map<string, unknown>();
  const ctx: ParseContext = {
    later: (check) => checks.push(check),
    baseDir: config.dir,
    shared: <T>(name: string, make: () => T): T => {
      if (!shared.has(name)) shared.set(name, make());
      return shared.get(name) as T;
    },
    mediators: (node) => parseMediators(node, ctx),
    endpoint: (def, node) => {
      if (def.kind === 'ref') endpointRefs.push({ key: def.key, node });
      else inlineEndpoints.push(def);
      const link = new EndpointLink(def);
      endpointLinks.push(link);
      return link;
    },
    storeRef: (name, node) => {
      if (!config.messageStores.has(name) && !config.refused.has(name)) {
        node.report('MOOR_ERR_UNRESOLVED_KEY', `no message store named "${name}"${suggest(name, [...config.messageStores.keys()])}`);
      }
      const link = new StoreLink(name);
      storeLinks.push(link);
      return link;
    },
    sequenceRef: (key, node) => {
      refs.push({ key, node, from: current });
      const link = new SequenceLink(key);
      sequenceLinks.push(link);
      return link;
    },
    template: (name, node) => {
      const def = config.templates.get(name);
      if (!def) {
        // (a template of a refused <import>ed library, `package.template`, is not blamed again either)
        const library = `${name.slice(0, name.lastIndexOf('.'))}.*`;
        if (config.endpointTemplates.has(name)) node.report('MOOR_ERR_BAD_VALUE', `"${name}" is an endpoint template (used as <endpoint template="${name}">), not a sequence template`);
        else if (!config.refused.has(name) && !config.refused.has(library)) node.report('MOOR_ERR_UNRESOLVED_KEY', `no template named "${name}"${suggest(name, [...config.templates.keys()])}`);
        return undefined;
      }
      // (a template is a node of the cycle check as `template:<name>`: a call loop would never end)
      if (current !== undefined) templateEdges.push({ key: `template:${name}`, node, from: current });
      const body = new SequenceLink(name);
      templateLinks.push(body);
      return { def, body };
    },
    entry: (key, node, what) => {
      const value = entryOf(config, key);
      if (!value && !config.refused.has(key)) {
        node.report('MOOR_ERR_UNRESOLVED_KEY', `${what}: key "${key}" names no local entry${suggest(key, [...config.localEntries.keys()])} nor registry resource`);
      }
      return value;
    },
    entryAtRunTime: (key) => entryOf(config, key),
  };

  /** The onError handler `key` names, linked with the other sequence links. */
  const handlerLink = (key: string | undefined): SequenceLink | undefined => {
    if (key === undefined) return undefined;
    const link = new SequenceLink(key, true);
    sequenceLinks.push(link);
    return link;
  };
  const sequences = new Map<string, Sequence>();
  // (bodies are linked when compiling ends, so a template may call another, or itself, written in any order)
  const templates = new Map<string, Sequence>();
  for (const [name, def] of config.templates) {
    current = `template:${name}`;
    const onError = def.body.attr('onError');
    templates.set(name, { name: `template:${name}`, loc: def.body.loc, mediators: parseMediators(def.body, ctx), onError: handlerLink(onError) });
    if (onError !== undefined) refs.push({ key: onError, node: def.body, from: undefined });
  }
  for (const [name, def] of config.sequences) {
    current = name;
    sequences.set(name, { name, loc: def.loc, mediators: parseMediators(def.node, ctx), onError: handlerLink(def.onError) });
    if (def.onError !== undefined) refs.push({ key: def.onError, node: def.node, from: undefined });
  }
  current = undefined;

  /** The sequence of an artifact's in/out/fault sequence, written in place or named. */
  const sequenceOf = (s: SequenceSource | undefined, owner: string, which: string): Sequence | undefined => {
    if (!s) return undefined;
    if (s.kind === 'ref') {
      refs.push({ key: s.key, node: config.sequences.get(s.key)?.node ?? dummyNode(diag, s.loc), from: undefined });
      return sequences.get(s.key);
    }
    s.node.allowAttributes('onError', 'description');
    // (an in-place sequence's onError key is not checked at load: one naming nothing lets the error through)
    return { name: `${owner}/${which}`, loc: s.node.loc, mediators: parseMediators(s.node, ctx), onError: handlerLink(s.node.attr('onError')) };
  };

  const proxies = new Map<string, ProxyRuntime>();
  for (const [name, p] of config.proxies) {
    const seq = (s: SequenceSource | undefined, which: string): Sequence | undefined => sequenceOf(s, name, which);
    let target: Sequence | undefined;
    if (p.endpoint) {
      if (p.endpoint.kind === 'ref') {
        if (!config.endpoints.has(p.endpoint.key) && !config.refused.has(p.endpoint.key)) {
          diag.report('MOOR_ERR_UNRESOLVED_KEY', p.endpoint.loc, `no endpoint named "${p.endpoint.key}"${suggest(p.endpoint.key, [...config.endpoints.keys()])}`);
        }
      } else inlineEndpoints.push(p.endpoint);
      const link = new EndpointLink(p.endpoint);
      endpointLinks.push(link);
      target = targetSequence(name, link);
    }
    proxies.set(name, {
      name,
      inSequence: seq(p.inSequence, 'inSequence'),
      outSequence: seq(p.outSequence, 'outSequence'),
      faultSequence: seq(p.faultSequence, 'faultSequence'),
      target,
      wsdl: p.wsdl && ('file' in p.wsdl ? p.wsdl.file : wsdlResource(config, diag, p.wsdl)),
    });
  }

  const apis: ApiRuntime[] = [];
  for (const [name, def] of config.apis) {
    const resources = def.resources.map((r, i): ResourceRuntime => {
      const owner = `${name}/${r.match?.text ?? `resource${i + 1}`}`;
      return {
        name: owner,
        def: r,
        inSequence: sequenceOf(r.inSequence, owner, 'inSequence'),
        outSequence: sequenceOf(r.outSequence, owner, 'outSequence'),
        faultSequence: sequenceOf(r.faultSequence, owner, 'faultSequence'),
        target: undefined,
        wsdl: undefined,
      };
    });
    apis.push({ def, resources });
  }
  checkContexts(diag, apis);

  for (const r of refs) {
    if (!config.sequences.has(r.key) && !config.refused.has(r.key)) {
      r.node.report('MOOR_ERR_UNRESOLVED_KEY', `no sequence named "${r.key}"${suggest(r.key, [...config.sequences.keys()])}`);
    }
  }
  for (const r of endpointRefs) {
    if (!config.endpoints.has(r.key) && !config.refused.has(r.key)) r.node.report('MOOR_ERR_UNRESOLVED_KEY', `no endpoint named "${r.key}"${suggest(r.key, [...config.endpoints.keys()])}`);
  }
  reportCycles([...(refs.filter((r) => r.from !== undefined) as { key: string; node: ConfigNode; from: string }[]), ...templateEdges]);
  checkEndpoints(config, diag, inlineEndpoints);
  // every sequence is compiled now: references by name become the sequences themselves
  for (const l of sequenceLinks) l.link(sequences);
  for (const l of templateLinks) l.link(templates);
  return { config, proxies, apis: orderApis(apis), sequences, inlineEndpoints, endpointLinks, storeLinks, tasks: compileTasks(config, diag), processors: checkProcessors(config, diag) };
}

/** Two APIs at one path prefix and host: the second could never be reached (WSO2 refuses it too). */
function checkContexts(diag: Diagnostics, apis: readonly ApiRuntime[]): void {
  const seen = new Map<string, ApiDef>();
  for (const { def } of apis) {
    const key = `${def.hostname ?? ''}:${def.port ?? ''}${def.prefix}`;
    const first = seen.get(key);
    if (first) diag.report('MOOR_ERR_DUPLICATE_NAME', def.loc, `the API "${def.name}" has the context ${def.prefix} of the API "${first.name}" (${first.loc.file}:${first.loc.line}:${first.loc.col})`);
    else seen.set(key, def);
  }
}

/**
 * The order APIs are tried in: the longest path prefix first, so that /orders/archive is found before
 * /orders (WSO2 tries versioned APIs first and the context "/" last; a longer prefix is the more
 * specific API in both), then the order they were read.
 */
function orderApis(apis: readonly ApiRuntime[]): ApiRuntime[] {
  return [...apis].sort((a, b) => segmentsOf(b.def.prefix) - segmentsOf(a.def.prefix));
}

function segmentsOf(prefix: string): number {
  return prefix === '/' ? 0 : prefix.split('/').length;
}

function parseMediators(node: ConfigNode, ctx: ParseContext): Mediator[] {
  const out: Mediator[] = [];
  for (const child of node.children()) {
    if (child.name === 'description') continue;
    const def = MEDIATORS.get(child.name);
    if (!def) {
      if (UNSUPPORTED_MEDIATORS.includes(child.name)) child.report('MOOR_ERR_UNSUPPORTED', `the <${child.name}> mediator is not supported by moor`);
      // <kafkaTransport.init>, <salesforce.query>…: an operation of a WSO2 connector
      else if (/^[\w-]+\.[\w.-]+$/.test(child.name)) {
        const connector = child.name.slice(0, child.name.indexOf('.'));
        child.report('MOOR_ERR_UNSUPPORTED', `<${child.name}> is an operation of the WSO2 connector "${connector}": moor runs no connectors`);
      }
      else child.report('MOOR_ERR_UNKNOWN_MEDIATOR', `<${child.name}> is not a mediator${suggest(child.name, [...MEDIATORS.keys()])}`);
      continue;
    }
    const m = def.parse(child, ctx);
    if (m) out.push(m);
  }
  return out;
}

/** Sequences that reach themselves through <sequence key>: each cycle reported once. */
function reportCycles(edges: { key: string; node: ConfigNode; from: string }[]): void {
  const graph = new Map<string, { key: string; node: ConfigNode }[]>();
  for (const e of edges) graph.set(e.from, [...(graph.get(e.from) ?? []), e]);
  const reported = new Set<string>();
  const visit = (start: string, at: string, path: string[]): void => {
    for (const e of graph.get(at) ?? []) {
      if (e.key === start) {
        const cycle = [...path, e.key];
        // one id per set of sequences, whichever of them the walk started from
        const id = [...new Set(cycle)].sort().join(',');
        if (!reported.has(id)) {
          reported.add(id);
          e.node.report('MOOR_ERR_SEQUENCE_CYCLE', `sequences call each other in a cycle: ${cycle.join(' → ')}`);
        }
      } else if (!path.includes(e.key)) visit(start, e.key, [...path, e.key]);
    }
  };
  for (const s of graph.keys()) visit(s, s, [s]);
}

/**
 * What endpoints hold below their top level, checked here so that one load reports every problem
 * rather than the first one the runtime build trips on: `<endpoint key>` members that name nothing or
 * lead back to their own endpoint, and `<session type="xpath">` expressions that do not compile.
 */
function checkEndpoints(config: Config, diag: Diagnostics, inline: readonly EndpointDef[]): void {
  // named endpoint → the <endpoint key> members below it, for the cycle check
  const edges = new Map<string, EndpointRef[]>();
  const walk = (def: EndpointDef, owner: string | undefined): void => {
    if (def.kind === 'ref') {
      if (!config.endpoints.has(def.key)) {
        if (config.refused.has(def.key)) return;
        diag.report('MOOR_ERR_UNRESOLVED_KEY', def.loc, `no endpoint named "${def.key}"${suggest(def.key, [...config.endpoints.keys()])}`);
      } else if (owner !== undefined) edges.set(owner, [...(edges.get(owner) ?? []), def]);
      return;
    }
    if (def.kind === 'address') return;
    if (def.kind === 'recipientlist') {
      const d = def.dynamic;
      if (d?.expression !== undefined) {
        try {
          listExpressions.set(def, new Expression(d.expression, d.namespaces));
        } catch (e) {
          diag.report(e instanceof MoorError ? e.code : 'MOOR_ERR_BAD_XPATH', d.loc, (e as Error).message);
        }
        // (Synapse samples 62 and 63 read their list so; moor's get-property has no registry scope)
        if (/get-property\(\s*['"]registry['"]/.test(d.expression)) diag.warn('MOOR_WARN_DIFFERENT', d.loc, `get-property('registry', …) reads a property of that name, not a registry resource: set the list in a property or a local entry and read it with get-property('NAME')`);
      }
    } else {
      // a copy for every recipient is not one member's answer: a group member answers one message
      for (const m of def.members) if (m.kind === 'recipientlist') diag.report('MOOR_ERR_UNSUPPORTED', m.loc, `a <recipientlist> as a member of <${def.kind}> is not supported: a <send> sends to it`);
    }
    const s = def.kind === 'recipientlist' ? undefined : def.session;
    if (s?.type === 'xpath' && s.expression !== undefined) {
      try {
        new Expression(s.expression, s.namespaces);
      } catch (e) {
        diag.report(e instanceof MoorError ? e.code : 'MOOR_ERR_BAD_XPATH', s.loc, (e as Error).message);
      }
    }
    for (const m of def.members) walk(m, owner);
  };
  for (const [name, n] of config.endpoints) walk(n.def, name);
  // top-level refs of <send> and <target> were checked where they were found
  for (const def of inline) if (def.kind !== 'ref') walk(def, undefined);

  const reported = new Set<string>();
  const visit = (start: string, at: string, path: string[]): void => {
    for (const ref of edges.get(at) ?? []) {
      if (ref.key === start) {
        const id = [...new Set(path)].sort().join(',');
        if (!reported.has(id)) {
          reported.add(id);
          diag.report('MOOR_ERR_UNRESOLVED_KEY', ref.loc, `endpoint "${start}" refers to itself: ${[...path, start].join(' → ')}`);
        }
      } else if (!path.includes(ref.key)) visit(start, ref.key, [...path, ref.key]);
    }
  };
  for (const name of edges.keys()) visit(name, name, [name]);
}

/** The value a key names: a local entry, else a registry resource. */
function entryOf(config: Config, key: string): EntryValue | undefined {
  return config.localEntries.get(key)?.value ?? config.resources.get(key)?.value;
}

/** The WSDL `<publishWSDL key>` names (a file, or a local entry's inline XML); reported when it names none. */
function wsdlResource(config: Config, diag: Diagnostics, ref: { readonly key: string; readonly loc: SourceLoc }): PublishedWsdl | undefined {
  const value = entryOf(config, ref.key);
  if (value?.kind === 'xml') return value.file !== undefined ? value.file : { file: ref.loc.file, text: entryText(value) };
  if (!config.refused.has(ref.key)) {
    const why = value ? 'holds text, not a WSDL' : 'names no local entry nor registry resource';
    diag.report('MOOR_ERR_UNRESOLVED_KEY', ref.loc, `<publishWSDL key="${ref.key}">: the key ${why}`);
  }
  return undefined;
}

/** A node that reports at `loc` (references made by attributes of a proxy's <target>). */
function dummyNode(diag: Diagnostics, loc: SourceLoc): ConfigNode {
  return {
    report: (code: Parameters<ConfigNode['report']>[0], message: string) => diag.report(code, loc, message),
  } as unknown as ConfigNode;
}
