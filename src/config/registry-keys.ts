/**
 * Registry keys (`conf:/…`, `gov:/…`) wherever a configuration names an artifact or a resource by key:
 * `<sequence key>`, `<endpoint key>`, `<target inSequence|outSequence|faultSequence|endpoint>`,
 * `onError`, `<send receive>`, `<target sequence>`, `<publishWSDL key>`, an API `<resource>`'s sequences.
 * Each is looked up in the registry folder (registry-folder.ts) when the configuration
 * loads. A resource whose root is `<sequence>` or `<endpoint>` becomes a sequence or endpoint named by
 * its key (the `name` it may carry is WSO2's display name, not how it is found); any other file (a WSDL,
 * an XSLT, a policy, text) is a resource that the artifact naming it reads. A key that names no file is
 * one error at the place that names it, naming the key and every path looked at; the artifacts using it
 * are not blamed again ("no sequence named …"). Keys inside a registry resource are followed too.
 * When a `<registry>` is declared, a key without a prefix that names no artifact of the configuration is
 * looked up below the registry root too, as Synapse asks its registry for a key it does not hold.
 * Dynamic keys (`{…}`) are evaluated per message and not looked up here; when there is one, every
 * `*.xml` of the conf and gov registries is loaded too (as `conf:/path`, `gov:/path`), so that it may
 * name any of them.
 */
import { type NamedEndpoint, type SequenceDef } from './artifacts.ts';
import { parseEndpoint, warnStatisticsAndTrace } from './endpoint-def.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type EntryValue, looksLikeXml } from './local-entry.ts';
import { type ConfigNode, type Diagnostics } from './node.ts';
import { lookupKey, missingKeyMessage, registryKeyOf, type RegistryRoots, type SubRegistry } from './registry-folder.ts';
import { fillEndpointTemplates, type TemplateScope } from './endpoint-template.ts';
import { resolveWsdlEndpoints, type WsdlScope } from './wsdl-resolve.ts';
import { readXmlDocument, xmlFilesUnder } from './xml-file.ts';

/**
 * The attributes that name an artifact or a resource by key, by element: only where moor uses the key
 * (the keys of a construct moor refuses, `<xquery key>` say, are not looked up: the refusal is the one
 * error there).
 */
const KEY_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  sequence: ['key', 'onError'],
  endpoint: ['key'],
  target: ['inSequence', 'outSequence', 'faultSequence', 'endpoint', 'sequence'],
  inSequence: ['onError'],
  outSequence: ['onError'],
  faultSequence: ['onError'],
  // (an API's <resource> names sequences; an <xslt>'s <resource location key> a stylesheet)
  resource: ['inSequence', 'outSequence', 'faultSequence', 'key'],
  send: ['receive'],
  publishWSDL: ['key'],
  format: ['key'],
  source: ['key'],
  xslt: ['key'],
};

/** A registry resource that is not an artifact: read by whatever names it. */
export interface RegistryResource {
  readonly key: string;
  readonly file: string;
  readonly value: EntryValue;
}

/** Where registry keys land: the configuration's maps, and the names already reported. */
export interface KeyTargets {
  readonly sequences: Map<string, SequenceDef>;
  readonly endpoints: Map<string, NamedEndpoint>;
  readonly resources: Map<string, RegistryResource>;
  /** Keys (names) whose problem was reported where they are named: not to be reported again. */
  readonly refused: Set<string>;
  /** The endpoint templates that uses in what a key names are filled in from (endpoint-template.ts). */
  readonly templateScope?: TemplateScope;
  /** What `<wsdl>` endpoints in what a key names are resolved against (wsdl-resolve.ts). */
  readonly wsdl?: WsdlScope;
}

/**
 * Looks up every registry key named below `tops` (and below what they load), filling `into`. `declared`:
 * a `<registry>` is declared, so keys without a prefix that name no artifact are registry keys too.
 */
export async function loadRegistryKeys(tops: readonly ConfigNode[], registry: RegistryRoots, into: KeyTargets, diag: Diagnostics, declared: boolean): Promise<void> {
  // key → why it names nothing (every place naming a missing key is told, each once)
  const missing = new Map<string, string>();
  // (a local entry's key is a name of the configuration too, even while moor refuses local entries)
  const local = new Set([...into.sequences.keys(), ...into.endpoints.keys(), ...tops.filter((t) => t.name === 'localEntry').map((t) => t.attr('key') ?? '')]);
  const keyOf = (v: string): { readonly sub: SubRegistry; readonly path: string } | undefined =>
    registryKeyOf(v) ?? (declared && !local.has(v) && !v.startsWith('{') && v !== '' ? { sub: 'root', path: v } : undefined);
  const seen = new Set<string>();
  const queue: { key: string; node: ConfigNode }[] = [];
  let dynamic = false;
  // a dynamic <xslt> key may name any stylesheet of the registry too, not only its *.xml
  let stylesheets = false;
  const scan = (node: ConfigNode): void => {
    if ((node.name === 'sequence' || node.name === 'endpoint') && (node.attr('key')?.startsWith('{') || node.attr('key-expression') !== undefined)) dynamic = true;
    if (node.name === 'xslt' && node.attr('key')?.startsWith('{')) dynamic = stylesheets = true;
    for (const a of KEY_ATTRIBUTES[node.name] ?? []) {
      const v = node.attr(a);
      if (v !== undefined && keyOf(v)) queue.push({ key: v, node });
    }
    for (const c of node.children()) scan(c);
  };
  for (const t of tops) scan(t);
  for (;;) {
    if (!queue.length) {
      // a dynamic key may name any registry sequence or endpoint: once the static keys are done, all of them
      if (!dynamic || !tops.length) return;
      dynamic = false;
      for (const key of await everyRegistryXml(registry, stylesheets)) if (!seen.has(key) && keyOf(key)) queue.push({ key, node: tops[0]! });
      continue;
    }
    const { key, node } = queue.shift()!;
    const ref = keyOf(key)!;
    const why = missing.get(key);
    if (why !== undefined) node.report('MOOR_ERR_UNRESOLVED_KEY', why);
    if (seen.has(key)) continue;
    seen.add(key);
    const found = lookupKey(registry, ref);
    if (!('file' in found)) {
      into.refused.add(key);
      missing.set(key, missingKeyMessage(registry, key, found.looked, ref.sub === 'root'));
      node.report('MOOR_ERR_UNRESOLVED_KEY', missing.get(key)!);
      continue;
    }
    const loaded = await loadResource(key, found.file, into, diag);
    if (loaded) scan(loaded);
  }
}

/**
 * Every `*.xml` of the conf and gov registries (and `*.xsl`, `*.xslt` with `stylesheets`), as keys
 * (`conf:/a/b.xml`), for dynamic keys to name.
 */
async function everyRegistryXml(registry: RegistryRoots, stylesheets: boolean): Promise<string[]> {
  const keys: string[] = [];
  for (const sub of ['conf', 'gov'] as const) {
    for (const folder of registry[sub]) {
      const files = await xmlFilesUnder(folder, stylesheets ? ['.xml', '.xsl', '.xslt'] : ['.xml']).catch(() => [] as string[]);
      for (const f of files) keys.push(`${sub}:/${path.relative(folder, f).split(path.sep).join('/')}`);
    }
  }
  // (a key without a prefix names a file below the registry root: Synapse's samples 8 and 16 name their stylesheets so)
  if (stylesheets) {
    for (const folder of registry.plain) {
      const files = await xmlFilesUnder(folder, ['.xsl', '.xslt']).catch(() => [] as string[]);
      for (const f of files) keys.push(path.relative(folder, f).split(path.sep).join('/'));
    }
  }
  return keys;
}

/** Reads one resource into `into`; the node of an XML artifact, to follow the keys inside it. */
async function loadResource(key: string, file: string, into: KeyTargets, diag: Diagnostics): Promise<ConfigNode | undefined> {
  if (!/\.xml$/i.test(file)) {
    // a WSDL, an XSLT, a script…: read as the entry of a key (local-entry.ts)
    const text = await readFile(file, 'utf8');
    if (!looksLikeXml(file, text)) {
      into.resources.set(key, { key, file, value: { kind: 'text', text, file } });
      return undefined;
    }
  }
  const doc = await readXmlDocument(file, diag, { read: 'MOOR_ERR_CONFIG_DIR', malformed: 'MOOR_ERR_CONFIG_XML' });
  if (!doc) {
    into.refused.add(key);
    return undefined;
  }
  // (a <wsdl> endpoint in a registry resource is read before the resource's endpoints are parsed)
  if (into.wsdl) await resolveWsdlEndpoints([{ node: doc.node, file }], into.wsdl);
  if (addKeyedArtifact(key, doc.node, into)) return doc.node;
  into.resources.set(key, { key, file, value: { kind: 'xml', node: doc.node, file } });
  return undefined;
}

/**
 * Adds `node` as the sequence or endpoint named `key` (a registry resource, a local entry holding one);
 * false when it is neither. The `name` it may carry is a display name, not how it is found.
 */
export function addKeyedArtifact(key: string, node: ConfigNode, into: Pick<KeyTargets, 'sequences' | 'endpoints' | 'refused' | 'templateScope'>): boolean {
  if (!node.isSynapse) return false;
  // (a registry resource or a src= local entry is read after the files: its template uses are filled here)
  if (into.templateScope && (node.name === 'sequence' || node.name === 'endpoint')) fillEndpointTemplates([node], into.templateScope);
  switch (node.name) {
    case 'sequence': {
      node.allowAttributes('name', 'onError', 'trace', 'statistics', 'description');
      warnStatisticsAndTrace(node);
      const def: SequenceDef = { kind: 'sequence', name: key, loc: node.loc, node, onError: node.attr('onError') };
      into.sequences.set(key, def);
      return true;
    }
    case 'endpoint': {
      const def = parseEndpoint(node);
      if (def) into.endpoints.set(key, { kind: 'endpoint', name: key, loc: node.loc, def });
      else into.refused.add(key);
      return true;
    }
    default:
      return false;
  }
}
