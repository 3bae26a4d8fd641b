/**
 * Reading the WSDL of each `<endpoint><wsdl>` while the configuration loads, before any endpoint is
 * parsed: endpoint parsing is synchronous (wsdl-endpoint-def.ts), reading a file or fetching a URL is
 * not. Each `<wsdl>` element's outcome (its port's address and SOAP version, or the problem) is kept
 * by element for the parser, which reports it at the `<wsdl>`'s file:line:col.
 *
 * Where the WSDL comes from: the inline `<wsdl:definitions>` / WSDL 2.0 `<description>`; `uri="file:…"`
 * (relative to the configuration file, as a local entry's src); `uri="http(s)://…"`, fetched with
 * undici (at most WSDL_MAX_BYTES, WSDL_FETCH_TIMEOUT_MS; anything but a 2xx is a failure); or, a moor
 * extension WSO2's `<wsdl>` lacks, `key=` naming a local entry or a registry resource (`conf:/…`, `gov:/…`).
 * WSO2 only logs a WSDL it cannot fetch and builds an endpoint without an address, which fails every
 * message; moor refuses the configuration (MOOR_ERR_WSDL) instead.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { request } from 'undici';
import { type ErrorCode } from '../errors.ts';
import { childElements, type XmlElement } from '../xml/element.ts';
import { parseXml, XmlSyntaxError } from '../xml/parse.ts';
import { LineIndex } from '../xml/positions.ts';
import { type ConfigNode } from './node.ts';
import { lookupKey, missingKeyMessage, registryKeyOf, type RegistryRoots } from './registry-folder.ts';
import { portAddress } from './wsdl-address.ts';
import { displayPath } from './xml-file.ts';

/** A fetched WSDL may be this large (bytes); a larger one is a configuration error. */
export const WSDL_MAX_BYTES = 4 * 1024 * 1024;
/** A WSDL fetch may take this long (ms), connection to last byte. */
export const WSDL_FETCH_TIMEOUT_MS = 10_000;

export const WSDL_NAMESPACES = ['http://schemas.xmlsoap.org/wsdl/', 'http://www.w3.org/ns/wsdl'];

/** What a `<wsdl>` resolved to: the port's address, or the problem to report at it. */
export type WsdlResolution =
  | { readonly uri: string; readonly format: 'soap11' | 'soap12'; readonly written: string; readonly from: string }
  | { readonly code: ErrorCode; readonly message: string };

/** Each `<wsdl>` element's resolution, for wsdl-endpoint-def.ts. */
export const resolvedWsdl = new WeakMap<XmlElement, WsdlResolution>();

/** What a read resolves WSDLs against: the registry, the top-level local entries, and what it fetched already. */
export interface WsdlScope {
  readonly registry: RegistryRoots;
  /** `<localEntry>` elements by key, with the file that declares each (for a relative src). */
  readonly localEntries: ReadonlyMap<string, { readonly node: ConfigNode; readonly file: string }>;
  /** Documents read in this load, by path or URL: one fetch for every endpoint naming it. */
  readonly documents: Map<string, Promise<Doc>>;
}

type Doc = { readonly root: XmlElement } | { readonly code: ErrorCode; readonly message: string };

/** A scope for one read: `tops` are its top-level elements, each with its file. */
export function wsdlScope(tops: readonly { node: ConfigNode; file: string }[], registry: RegistryRoots): WsdlScope {
  const localEntries = new Map<string, { node: ConfigNode; file: string }>();
  for (const t of tops) {
    const key = t.node.name === 'localEntry' ? t.node.attr('key') : undefined;
    if (key !== undefined && !localEntries.has(key)) localEntries.set(key, t);
  }
  return { registry, localEntries, documents: new Map() };
}

/** Resolves every `<endpoint><wsdl>` below `nodes` (not inside `<template>`s: their uses are filled copies). */
export async function resolveWsdlEndpoints(nodes: readonly { node: ConfigNode; file: string }[], scope: WsdlScope): Promise<void> {
  const found: { wsdl: ConfigNode; file: string }[] = [];
  const walk = (n: ConfigNode, file: string): void => {
    if (n.name === 'template' && n.isSynapse) return;
    for (const c of n.children()) {
      if (n.name === 'endpoint' && c.name === 'wsdl' && c.isSynapse) found.push({ wsdl: c, file });
      walk(c, file);
    }
  };
  for (const { node, file } of nodes) walk(node, file);
  await Promise.all(found.map(async ({ wsdl, file }) => {
    const r = await resolve(wsdl, file, scope);
    if (r) resolvedWsdl.set(wsdl.el, r);
  }));
}

async function resolve(wsdl: ConfigNode, file: string, scope: WsdlScope): Promise<WsdlResolution | undefined> {
  const service = wsdl.attr('service');
  const port = wsdl.attr('port');
  const uri = wsdl.attr('uri');
  const key = wsdl.attr('key');
  const inline = childElements(wsdl.el).filter((c) => WSDL_NAMESPACES.includes(c.name.uri));
  // (a missing service or port, or not exactly one source, is reported by the parser)
  if (service === undefined || port === undefined || [uri, key, inline[0]].filter((s) => s !== undefined).length !== 1) return undefined;
  let doc: Doc;
  let from: string;
  if (inline[0]) [doc, from] = [{ root: inline[0] }, 'the inline WSDL'];
  else if (uri !== undefined) [doc, from] = await byUri(uri.trim(), file, scope);
  else [doc, from] = await byKey(key!, scope);
  if (!('root' in doc)) return doc;
  const found = portAddress(doc.root, service, port);
  if ('problem' in found) return { code: found.unsupported ? 'MOOR_ERR_UNSUPPORTED' : 'MOOR_ERR_WSDL', message: `${from}: ${found.problem}` };
  return { ...found, from };
}

async function byUri(uri: string, file: string, scope: WsdlScope): Promise<[Doc, string]> {
  if (/^https?:\/\//i.test(uri)) return [await once(scope, uri, () => fetchWsdl(uri)), `the WSDL at ${uri}`];
  if (/^file:/i.test(uri)) {
    const p = resolveFile(uri, file);
    return [await once(scope, p, () => readWsdlFile(p)), `the WSDL ${displayPath(p)}`];
  }
  return [{ code: 'MOOR_ERR_BAD_VALUE', message: `<wsdl uri="${uri}"> is not a file:, http: or https: URL` }, ''];
}

async function byKey(key: string, scope: WsdlScope): Promise<[Doc, string]> {
  const ref = registryKeyOf(key);
  if (ref) {
    const found = lookupKey(scope.registry, ref);
    if (!('file' in found)) return [{ code: 'MOOR_ERR_UNRESOLVED_KEY', message: missingKeyMessage(scope.registry, key, found.looked) }, ''];
    return [await once(scope, found.file, () => readWsdlFile(found.file)), `the WSDL ${key} (${displayPath(found.file)})`];
  }
  const entry = scope.localEntries.get(key);
  if (!entry) return [{ code: 'MOOR_ERR_UNRESOLVED_KEY', message: `<wsdl key="${key}"> names no local entry, nor a registry resource (conf:/…, gov:/…)` }, ''];
  const src = entry.node.attr('src');
  if (src !== undefined) {
    // (a src= that is not a file is refused where the local entry is: not again here)
    if (!/^file:/i.test(src) && /^[a-z][a-z0-9+.-]*:/i.test(src)) return [{ code: 'MOOR_ERR_WSDL', message: `the local entry "${key}" is not read (its src is not a file)` }, ''];
    const p = resolveFile(src, entry.file);
    return [await once(scope, p, () => readWsdlFile(p)), `the WSDL of local entry "${key}" (${displayPath(p)})`];
  }
  const el = childElements(entry.node.el)[0];
  if (!el) return [{ code: 'MOOR_ERR_WSDL', message: `the local entry "${key}" holds text, not a WSDL` }, ''];
  return [{ root: el }, `the WSDL of local entry "${key}"`];
}

function once(scope: WsdlScope, id: string, read: () => Promise<Doc>): Promise<Doc> {
  let p = scope.documents.get(id);
  if (!p) scope.documents.set(id, (p = read()));
  return p;
}

/** `file:relative/path` against the configuration file's folder (as a local entry's src). */
function resolveFile(uri: string, configFile: string): string {
  const p = decodeURIComponent(uri.replace(/^file:(\/\/(?=\/))?/i, ''));
  return path.isAbsolute(p) ? p : path.resolve(path.dirname(configFile), p);
}

async function readWsdlFile(file: string): Promise<Doc> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return { code: 'MOOR_ERR_WSDL', message: `cannot read the WSDL ${displayPath(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  return parsed(text, `the WSDL ${displayPath(file)}`);
}

async function fetchWsdl(url: string): Promise<Doc> {
  const fail = (why: string): Doc => ({ code: 'MOOR_ERR_WSDL', message: `cannot fetch the WSDL at ${url}: ${why}` });
  let res;
  try {
    res = await request(url, {
      headers: { accept: 'application/wsdl+xml, text/xml, application/xml, */*' },
      signal: AbortSignal.timeout(WSDL_FETCH_TIMEOUT_MS),
      headersTimeout: WSDL_FETCH_TIMEOUT_MS,
      bodyTimeout: WSDL_FETCH_TIMEOUT_MS,
    });
  } catch (e) {
    return fail(reason(e));
  }
  // (a body given up on, not 2xx or too large, is destroyed: undici then emits an AbortError, not ours)
  res.body.on('error', () => {});
  if (res.statusCode < 200 || res.statusCode >= 300) {
    res.body.destroy();
    return fail(`it answered HTTP ${res.statusCode}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > WSDL_MAX_BYTES) {
        res.body.destroy();
        return fail(`it is larger than ${WSDL_MAX_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (e) {
    return fail(reason(e));
  }
  return parsed(Buffer.concat(chunks).toString('utf8'), `the WSDL at ${url}`);
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  if (err.name === 'TimeoutError' || err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT') return `no answer within ${WSDL_FETCH_TIMEOUT_MS} ms`;
  return err.code ?? err.cause?.code ?? err.message;
}

function parsed(text: string, what: string): Doc {
  try {
    return { root: parseXml(text, { positions: true }) };
  } catch (e) {
    if (!(e instanceof XmlSyntaxError)) throw e;
    const at = e.offset !== undefined ? new LineIndex(text).at(e.offset) : e.line !== undefined ? { line: e.line, col: e.col ?? 1 } : undefined;
    return { code: 'MOOR_ERR_WSDL', message: `${what} is not well-formed XML${at ? ` (at ${at.line}:${at.col})` : ''}: ${e.message}` };
  }
}
