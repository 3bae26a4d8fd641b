/**
 * Reads every *.xml file under a configuration folder into one Config, the first step of the load path
 * (server/runtime.ts: read → compile → check → freeze → link). Each
 * file holds one artifact (<proxy>, <sequence>, <endpoint>, <api>, <template>, <task>) or a <definitions> root with several. All
 * problems are collected and reported together, each with file:line:col.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { type SourceLoc } from '../errors.ts';
import { NS } from '../xml/names.ts';
import { type ApiDef, parseApi } from './api-def.ts';
import { type NamedEndpoint, parseEndpointArtifact, parseProxy, parseSequenceArtifact, type ProxyDef, type SequenceDef } from './artifacts.ts';
import { MOOR_CONFIG_NS, type MoorSettings, parseMoorSetting } from './moor-settings.ts';
import { type ConfigNode, Diagnostics } from './node.ts';
import { parseRegistryDecl, type RegistryDecl } from './registry-decl.ts';
import { registryRoots, type RegistryRoots } from './registry-folder.ts';
import { addKeyedArtifact, loadRegistryKeys, type RegistryResource } from './registry-keys.ts';
import { type LocalEntryDef, readLocalEntry } from './local-entry.ts';
import { type MessageProcessorDef, type MessageStoreDef, parseMessageProcessor, parseMessageStore } from './store-def.ts';
import { parseTask, parseTaskManager, type TaskDef } from './task-def.ts';
import { type EndpointTemplateDef, fillEndpointTemplates, type TemplateScope } from './endpoint-template.ts';
import { parseTemplate, type TemplateDef } from './template-def.ts';
import { resolveWsdlEndpoints, wsdlScope, type WsdlScope } from './wsdl-resolve.ts';
import { displayPath, readXmlDocument, xmlFilesUnder } from './xml-file.ts';

/** A whole configuration, as read from a folder. */
export interface Config {
  /** The folder that relative paths in it (a `<class>` module's, a dispatcher's) resolve against: a single file's own folder. */
  readonly dir: string;
  /** The files read as configuration (not the test suites, mock services and sample envelopes beside them). */
  readonly files: readonly string[];
  readonly proxies: ReadonlyMap<string, ProxyDef>;
  readonly sequences: ReadonlyMap<string, SequenceDef>;
  readonly endpoints: ReadonlyMap<string, NamedEndpoint>;
  /** REST APIs by name (and `:v<version>` when versioned, as WSO2 names them), in the order read. */
  readonly apis: ReadonlyMap<string, ApiDef>;
  /** Sequence templates (`<template>`, run by `<call-template>`), by name. */
  readonly templates: ReadonlyMap<string, TemplateDef>;
  /** Endpoint templates, by name: each use was filled in as the files were read (endpoint-template.ts). */
  readonly endpointTemplates: ReadonlyMap<string, EndpointTemplateDef>;
  /** Scheduled tasks (`<task>`, run by server/tasks.ts), by name. */
  readonly tasks: ReadonlyMap<string, TaskDef>;
  /** Message stores (`<messageStore>`, where `<store>` keeps messages), by name. */
  readonly messageStores: ReadonlyMap<string, MessageStoreDef>;
  /** Message processors (`<messageProcessor>`, run by server/processors.ts), by name. */
  readonly messageProcessors: ReadonlyMap<string, MessageProcessorDef>;
  /** The problems the read found (compiling reports into its own output: mediators/compile.ts). */
  readonly diag: Diagnostics;
  /** moor's own settings (`<moor:store>`, `<moor:cookieKey>`). */
  readonly settings?: MoorSettings;
  /** Where `conf:/…` and `gov:/…` keys are read from (registry-folder.ts). */
  readonly registry: RegistryRoots;
  /** The `<registry>` declared, if any (its provider is not loaded). */
  readonly registryDecl: RegistryDecl | undefined;
  /** Local entries that are values (not sequences or endpoints), by key. */
  readonly localEntries: ReadonlyMap<string, LocalEntryDef>;
  /** Registry resources that are not artifacts (WSDL, XSLT, policies, text), by key. */
  readonly resources: ReadonlyMap<string, RegistryResource>;
  /**
   * Names whose artifact was refused, or keys that name nothing, reported where they are: what uses
   * them is not reported again ("no sequence named …"), so one problem gives one error. A refused
   * `<import package="p">` is here as `p.*` (the templates it would have brought).
   */
  readonly refused: ReadonlySet<string>;
}

/** How a configuration is read, besides its location. */
export interface ReadOptions {
  /** The registry root (`--registry DIR`); wins over `<moor:registry root>` and the defaults. */
  readonly registry?: string | undefined;
}

const ARTIFACTS = ['definitions', 'proxy', 'sequence', 'endpoint', 'api', 'template', 'task', 'taskManager', 'messageStore', 'messageProcessor'];
/** Synapse artifacts moor knows of but does not run: refused with a clear message, never a crash. */
export const UNSUPPORTED_ARTIFACTS: Record<string, string> = {
  inboundEndpoint: 'inbound endpoints',
  priorityExecutor: 'priority executors',
  eventSource: 'event sources',
  import: 'connector imports (<import>)',
  executor: 'executors',
  datasource: 'data sources (<datasource>); nor data services',
};
/**
 * Roots of files that live beside configuration but are not configuration: test suites and WSO2 mock
 * services (`moor test`); SOAP envelopes (their samples) are skipped too.
 */
const IGNORED_ROOTS = ['unit-test', 'test-suite', 'mock-service'];

export { displayPath };

/** Reads a configuration folder (or a single XML file). Problems are in `config.diag`, closed once read. */
export async function readConfig(location: string, options: ReadOptions = {}): Promise<Config> {
  const diag = new Diagnostics();
  const proxies = new Map<string, ProxyDef>();
  const sequences = new Map<string, SequenceDef>();
  const endpoints = new Map<string, NamedEndpoint>();
  const resources = new Map<string, RegistryResource>();
  const localEntries = new Map<string, LocalEntryDef>();
  const refused = new Set<string>();
  const apis = new Map<string, ApiDef>();
  const templates = new Map<string, TemplateDef>();
  const endpointTemplates = new Map<string, EndpointTemplateDef>();
  const tasks = new Map<string, TaskDef>();
  const messageStores = new Map<string, MessageStoreDef>();
  const messageProcessors = new Map<string, MessageProcessorDef>();
  const settings: MoorSettings = {};
  let registryDecl: RegistryDecl | undefined;
  const abs = path.resolve(location);
  const dir = (await stat(abs).catch(() => undefined))?.isFile() ? path.dirname(abs) : abs;
  // (a registry folder inside the configuration holds resources, not configuration: not even parsed)
  const early = registryRoots(dir, { flag: options.registry });
  const listed = (await listXml(abs, diag)).filter((f) => !isBelow(early.root, f));
  const roots: { file: string; root: ConfigNode }[] = [];
  // files that local entries read (src=): theirs, not artifacts of their own
  const entrySources = new Set<string>();
  for (const file of listed) {
    const root = await readRoot(file, diag);
    if (!root) continue;
    roots.push({ file, root });
    for (const e of root.name === 'definitions' ? root.children() : [root]) {
      const src = e.name === 'localEntry' ? e.attr('src') : undefined;
      if (src?.startsWith('file:')) entrySources.add(resolveFileUri(src, file));
    }
    if (root.name !== 'definitions') continue;
    // moor's settings and <registry> first: the registry folder decides which files are configuration
    for (const node of root.children()) {
      if (parseMoorSetting(node, settings) || node.name !== 'registry' || !node.isSynapse) continue;
      if (registryDecl) node.report('MOOR_ERR_DUPLICATE_NAME', `<registry> is already declared at ${registryDecl.loc.file}:${registryDecl.loc.line}:${registryDecl.loc.col}`);
      else registryDecl = parseRegistryDecl(node, (uri) => resolveFileUri(uri, file));
    }
  }
  const registry = registryRoots(dir, {
    flag: options.registry,
    setting: settings.registry?.root,
    confRoot: registryDecl?.confRoot,
    govRoot: registryDecl?.govRoot,
  });
  const files = roots.map((r) => r.file).filter((f) => !isBelow(registry.root, f) && !entrySources.has(f));
  const tops: { node: ConfigNode; file: string }[] = [];
  for (const { file, root } of roots) {
    if (isBelow(registry.root, file) || entrySources.has(file)) continue;
    const top = root.name === 'definitions' ? root.children() : [root];
    if (root.name === 'definitions') root.allowAttributes('xmlns');
    for (const node of top) {
      if (root.name === 'definitions' && (node.el.name.uri === MOOR_CONFIG_NS || node.name === 'registry')) continue;
      if (!node.isSynapse && root.name === 'definitions') continue;
      tops.push({ node, file });
    }
  }
  // templates first: an endpoint template's uses, in any file, are filled in before anything is parsed
  for (const { node } of tops) if (node.name === 'template') addTemplate(node, { templates, endpointTemplates, refused }, diag);
  const templateScope = { templates: endpointTemplates, sequenceTemplates: new Set(templates.keys()), refused };
  fillEndpointTemplates(tops.map((t) => t.node), templateScope);
  // every <wsdl> endpoint's WSDL is read now: parsing endpoints is synchronous (wsdl-resolve.ts)
  const wsdl = wsdlScope(tops, registry);
  await resolveWsdlEndpoints(tops, wsdl);
  for (const { node, file } of tops) {
    if (node.name === 'template') continue;
    if (node.name === 'localEntry') await addLocalEntry(node, file, { sequences, endpoints, localEntries, refused, templateScope, wsdl }, diag);
    else addArtifact(node, file, { proxies, sequences, endpoints, apis, tasks, messageStores, messageProcessors, refused }, diag);
  }
  await loadRegistryKeys(tops.map((t) => t.node), registry, { sequences, endpoints, resources, refused, templateScope, wsdl }, diag, registryDecl !== undefined);
  // the read is over: what compiles these nodes later reports into its own output (node.ts reportingInto)
  diag.close();
  return { dir, files, proxies, sequences, endpoints, apis, templates, endpointTemplates, tasks, messageStores, messageProcessors, diag, settings, registry, registryDecl, localEntries, resources, refused };
}

/** Reads a `<localEntry>`: a value, or the sequence or endpoint it holds (named by its key). */
async function addLocalEntry(
  node: ConfigNode,
  file: string,
  maps: { sequences: Map<string, SequenceDef>; endpoints: Map<string, NamedEndpoint>; localEntries: Map<string, LocalEntryDef>; refused: Set<string>; templateScope: TemplateScope; wsdl: WsdlScope },
  diag: Diagnostics,
): Promise<void> {
  const read = await readLocalEntry(node, (uri) => resolveFileUri(uri, file), diag);
  if (!read) {
    const key = node.attr('key');
    if (key !== undefined) maps.refused.add(key);
    return;
  }
  const key = 'entry' in read ? read.entry.key : read.key;
  // (Synapse keeps local entries, sequences and endpoints in one local registry: one name, one thing)
  const first = maps.localEntries.get(key)?.loc ?? maps.sequences.get(key)?.loc ?? maps.endpoints.get(key)?.loc;
  if (first) {
    node.report('MOOR_ERR_DUPLICATE_NAME', `key "${key}" is already defined at ${first.file}:${first.line}:${first.col}`);
    return;
  }
  if ('entry' in read) {
    maps.localEntries.set(key, read.entry);
    return;
  }
  // an endpoint in the entry's src file was not among the files read: its <wsdl> is read now
  const src = node.attr('src');
  if (src !== undefined) await resolveWsdlEndpoints([{ node: read.artifact, file: resolveFileUri(src, file) }], maps.wsdl);
  if (!addKeyedArtifact(key, read.artifact, maps)) maps.refused.add(key);
}

function addArtifact(
  node: ConfigNode,
  file: string,
  maps: {
    proxies: Map<string, ProxyDef>;
    sequences: Map<string, SequenceDef>;
    endpoints: Map<string, NamedEndpoint>;
    apis: Map<string, ApiDef>;
    tasks: Map<string, TaskDef>;
    messageStores: Map<string, MessageStoreDef>;
    messageProcessors: Map<string, MessageProcessorDef>;
    refused: Set<string>;
  },
  diag: Diagnostics,
): void {
  const put = <T extends { name: string; loc: SourceLoc }>(map: Map<string, T>, what: string, v: T | undefined): void => {
    if (!v) return;
    const first = map.get(v.name);
    if (first) {
      diag.report('MOOR_ERR_DUPLICATE_NAME', v.loc, `${what} "${v.name}" is already defined at ${first.loc.file}:${first.loc.line}:${first.loc.col}`);
      return;
    }
    map.set(v.name, v);
  };
  /** put(), and the artifact's name marked refused when it could not be read. */
  const putOrRefuse = <T extends { name: string; loc: SourceLoc }>(map: Map<string, T>, what: string, v: T | undefined): void => {
    const name = node.attr('name');
    if (!v && name !== undefined) maps.refused.add(name);
    put(map, what, v);
  };
  switch (node.name) {
    case 'proxy':
      put(maps.proxies, 'proxy', parseProxy(node, (uri) => resolveFileUri(uri, file)));
      return;
    case 'sequence':
      put(maps.sequences, 'sequence', parseSequenceArtifact(node));
      return;
    case 'endpoint':
      // an endpoint refused where it is written (a <wsdl> one, say) is not blamed again where it is used
      putOrRefuse(maps.endpoints, 'endpoint', parseEndpointArtifact(node));
      return;
    case 'api': {
      const api = parseApi(node);
      put(maps.apis, 'API', api && { ...api, name: api.version !== undefined ? `${api.name}:v${api.version}` : api.name });
      return;
    }
    case 'task':
      put(maps.tasks, 'task', parseTask(node));
      return;
    case 'messageStore':
      // a refused store is not blamed again at each <store> and processor naming it
      putOrRefuse(maps.messageStores, 'message store', parseMessageStore(node));
      return;
    case 'messageProcessor':
      put(maps.messageProcessors, 'message processor', parseMessageProcessor(node));
      return;
    case 'taskManager':
      parseTaskManager(node);
      return;
    case 'definitions':
      node.report('MOOR_ERR_UNKNOWN_ELEMENT', '<definitions> cannot be nested');
      return;
    default: {
      const unsupported = UNSUPPORTED_ARTIFACTS[node.name];
      if (unsupported) {
        const protocol = node.name === 'inboundEndpoint' ? node.attr('protocol') : undefined;
        node.report('MOOR_ERR_UNSUPPORTED', `moor does not support ${unsupported}${protocol ? ` (this one's protocol: ${protocol})` : ''}`);
        // what names the refused artifact is not blamed for it too
        const name = node.attr('name') ?? node.attr('key');
        if (name !== undefined) maps.refused.add(name);
        // an <import>ed library's templates are called as `package.template`: none is blamed for it
        const pkg = node.name === 'import' ? node.attr('package') : undefined;
        if (pkg !== undefined) maps.refused.add(`${pkg}.*`);
      }
      else node.unknownElement(ARTIFACTS.concat(Object.keys(UNSUPPORTED_ARTIFACTS)), 'a configuration file');
    }
  }
}

/** Reads a `<template>`, a sequence or an endpoint one (Synapse keeps both kinds under one name). */
function addTemplate(
  node: ConfigNode,
  maps: { templates: Map<string, TemplateDef>; endpointTemplates: Map<string, EndpointTemplateDef>; refused: Set<string> },
  diag: Diagnostics,
): void {
  const def = parseTemplate(node);
  const name = node.attr('name');
  // a template refused where it is written is not blamed again at each use
  if (!def) {
    if (name !== undefined) maps.refused.add(name);
    return;
  }
  const first = maps.templates.get(def.name) ?? maps.endpointTemplates.get(def.name);
  if (first) {
    diag.report('MOOR_ERR_DUPLICATE_NAME', def.loc, `template "${def.name}" is already defined at ${first.loc.file}:${first.loc.line}:${first.loc.col}`);
    return;
  }
  if (def.kind === 'template') maps.templates.set(def.name, def);
  else maps.endpointTemplates.set(def.name, def);
}

/** Whether `file` lies inside the folder `dir`. */
function isBelow(dir: string | undefined, file: string): boolean {
  if (dir === undefined) return false;
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** `file:relative/path` resolved against the config file's folder; bare paths likewise. */
function resolveFileUri(uri: string, configFile: string): string {
  const p = uri.startsWith('file:') ? uri.slice(5) : uri;
  return path.isAbsolute(p) ? p : path.resolve(path.dirname(configFile), p);
}

async function listXml(location: string, diag: Diagnostics): Promise<string[]> {
  const here: SourceLoc = { file: displayPath(location), line: 1, col: 1 };
  try {
    const s = await stat(location);
    if (s.isFile()) return [location];
    const files = await xmlFilesUnder(location);
    if (files.length === 0) diag.report('MOOR_ERR_CONFIG_DIR', here, 'the configuration folder holds no *.xml file');
    return files;
  } catch (e) {
    diag.report('MOOR_ERR_CONFIG_DIR', here, `cannot read the configuration: ${(e as Error).message}`);
    return [];
  }
}

async function readRoot(file: string, diag: Diagnostics): Promise<ConfigNode | undefined> {
  const doc = await readXmlDocument(file, diag, { read: 'MOOR_ERR_CONFIG_DIR', malformed: 'MOOR_ERR_CONFIG_XML' });
  if (!doc) return undefined;
  const { el, node } = doc;
  if (IGNORED_ROOTS.includes(el.name.local) || (el.name.local === 'Envelope' && (el.name.uri === NS.soap11 || el.name.uri === NS.soap12))) return undefined;
  if (el.name.uri !== NS.synapse && el.name.uri !== '') {
    node.report('MOOR_ERR_UNKNOWN_ELEMENT', `<${el.name.local}> is in namespace "${el.name.uri}"; use ${NS.synapse}`);
    return undefined;
  }
  return node;
}

