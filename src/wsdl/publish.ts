/**
 * `GET /services/<Proxy>?wsdl`: the proxy's `<publishWSDL>` file as Synapse publishes it, pointing
 * clients at the gateway rather than past it:
 *
 * - every service address (WSDL 1.1 `soap:address`, `soap12:address`, `http:address` location; WSDL 2.0
 *   `endpoint` address) becomes the URL the request for the WSDL reached (public-url.ts), so a client
 *   generated from it sends its messages, and its session, through the gateway;
 * - every relative import and include (`xsd:import`/`include`/`redefine`/`override` schemaLocation,
 *   WSDL 1.1 and 2.0 `import`/`include` location) becomes `…?xsd=<path>` or `…?wsdl=<path>` at the same
 *   URL, where the gateway serves that document rewritten the same way. Only documents reachable so from
 *   the published WSDL are served (the path is checked against them, never used to roam the disk);
 *   absolute locations (http:, file:, urn:) are left as written.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { type Document, type Element } from '@xmldom/xmldom';
import { parseDom, serializeDom } from '../xml/dom.ts';
import { MoorError } from '../errors.ts';
import { type PublishedWsdl } from '../mediators/compile.ts';
import { writeFault } from '../server/reply.ts';
import { type SoapVersion } from '../xml/soap.ts';
import { publicOrigin } from './public-url.ts';

const NS = {
  wsdl11: 'http://schemas.xmlsoap.org/wsdl/',
  wsdl20: 'http://www.w3.org/ns/wsdl',
  soap11: 'http://schemas.xmlsoap.org/wsdl/soap/',
  soap12: 'http://schemas.xmlsoap.org/wsdl/soap12/',
  http: 'http://schemas.xmlsoap.org/wsdl/http/',
  xsd: 'http://www.w3.org/2001/XMLSchema',
};

/** Attributes naming where the service is: [namespace, element, attribute]. */
const ADDRESSES: readonly (readonly [string, string, string])[] = [
  [NS.soap11, 'address', 'location'],
  [NS.soap12, 'address', 'location'],
  [NS.http, 'address', 'location'],
  [NS.wsdl20, 'endpoint', 'address'],
];

/** Attributes naming another document: [namespace, element, attribute, query parameter it is served at]. */
const REFERENCES: readonly (readonly [string, string, string, 'xsd' | 'wsdl'])[] = [
  [NS.xsd, 'import', 'schemaLocation', 'xsd'],
  [NS.xsd, 'include', 'schemaLocation', 'xsd'],
  [NS.xsd, 'redefine', 'schemaLocation', 'xsd'],
  [NS.xsd, 'override', 'schemaLocation', 'xsd'],
  [NS.wsdl11, 'import', 'location', 'wsdl'],
  [NS.wsdl20, 'import', 'location', 'wsdl'],
  [NS.wsdl20, 'include', 'location', 'wsdl'],
];

/** Whether a GET for `url` asks for a published document: `?wsdl`, `?wsdl=<path>`, `?xsd=<path>`. */
export function isWsdlRequest(url: URL): boolean {
  return url.search === '?wsdl' || url.search === '?WSDL' || url.searchParams.has('wsdl') || url.searchParams.has('xsd');
}

/** The document `url` asks for: '' for the WSDL itself, else a path relative to its folder. */
function requestedDocument(url: URL): string {
  const key = url.searchParams.get('xsd') ?? url.searchParams.get('wsdl') ?? '';
  return key === '' || key.toLowerCase() === 'wsdl' ? '' : path.posix.normalize(key);
}

/** A location that names a file beside the WSDL (not a URL with a scheme, not an absolute path). */
function isRelative(location: string): boolean {
  return location !== '' && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(location) && !location.startsWith('/') && !location.startsWith('#');
}

/** The key of `location` written in the document with key `from` ('' is the WSDL; keys are posix paths). */
function keyOf(from: string, location: string): string {
  return path.posix.normalize(path.posix.join(path.posix.dirname(from === '' ? '.' : from), location.split(/[?#]/)[0]!));
}

function parse(text: string, file: string): Document {
  const { doc, failure } = parseDom(text);
  if (failure !== undefined || !doc?.documentElement) throw new Error(`${file} is not well-formed XML: ${failure ?? 'no root element'}`);
  return doc as unknown as Document;
}

function elements(doc: Document, ns: string, local: string): Element[] {
  return Array.from(doc.getElementsByTagNameNS(ns, local));
}

/** The relative documents `doc` (with key `key`) refers to, as keys. */
function referencesOf(doc: Document, key: string): string[] {
  const out: string[] = [];
  for (const [ns, local, attr] of REFERENCES) {
    for (const el of elements(doc, ns, local)) {
      const loc = el.getAttribute(attr);
      if (loc !== null && isRelative(loc)) out.push(keyOf(key, loc));
    }
  }
  return out;
}

/**
 * Reads the document `wanted` of the WSDL at `wsdlFile`: the WSDL itself for '', else a document the
 * WSDL reaches through relative imports and includes; undefined when `wanted` is none of those.
 */
async function reachable(wsdl: PublishedWsdl, wanted: string): Promise<Document | undefined> {
  const wsdlFile = typeof wsdl === 'string' ? wsdl : wsdl.file;
  const folder = path.dirname(wsdlFile);
  const seen = new Set<string>();
  const queue = [''];
  while (queue.length > 0) {
    const key = queue.shift()!;
    if (seen.has(key)) continue;
    seen.add(key);
    const file = key === '' ? wsdlFile : path.join(folder, ...key.split('/'));
    // (a WSDL written in a local entry is its text; what it imports lies beside the file declaring it)
    const doc = parse(key === '' && typeof wsdl !== 'string' ? wsdl.text : await readFile(file, 'utf8'), file);
    if (key === wanted) return doc;
    queue.push(...referencesOf(doc, key));
  }
  return undefined;
}

/** `doc` (key `key`) as published at `serviceUrl`: addresses → the service URL, references → served through it. */
function rewrite(doc: Document, key: string, serviceUrl: string): string {
  for (const [ns, local, attr] of ADDRESSES) for (const el of elements(doc, ns, local)) if (el.hasAttribute(attr)) el.setAttribute(attr, serviceUrl);
  for (const [ns, local, attr, param] of REFERENCES) {
    for (const el of elements(doc, ns, local)) {
      const loc = el.getAttribute(attr);
      if (loc !== null && isRelative(loc)) el.setAttribute(attr, `${serviceUrl}?${param}=${encodeURIComponent(keyOf(key, loc))}`);
    }
  }
  return serializeDom(doc as unknown as Node);
}

/** Answers a GET that {@link isWsdlRequest} accepted, for the proxy `proxy` (its name and WSDL file). */
export async function publishWsdl(req: IncomingMessage, res: ServerResponse, url: URL, proxy: { readonly wsdl: PublishedWsdl | undefined }, version: SoapVersion): Promise<void> {
  if (!proxy.wsdl) {
    writeFault(res, version, new MoorError('MOOR_ERR_NO_SERVICE', 'this proxy publishes no WSDL'));
    return;
  }
  const wanted = requestedDocument(url);
  let doc: Document | undefined;
  try {
    doc = await reachable(proxy.wsdl, wanted);
  } catch (e) {
    writeFault(res, version, new MoorError('MOOR_ERR_NO_SERVICE', `the WSDL cannot be read: ${(e as Error).message}`));
    return;
  }
  if (!doc) {
    writeFault(res, version, new MoorError('MOOR_ERR_NO_SERVICE', `the WSDL of this proxy refers to no document "${wanted}"`));
    return;
  }
  const { origin, prefix } = publicOrigin(req);
  const body = Buffer.from(rewrite(doc, wanted, `${origin}${prefix}${url.pathname}`));
  res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'content-length': body.length }).end(body);
}
