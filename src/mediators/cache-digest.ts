/**
 * The request digests of <cache> (WSO2's hash generators), as SHA-256 hex strings:
 *
 * - `body` (DOMHASHGenerator): the SOAP Body's content only. Elements count by namespace and local
 *   name (not prefix), attributes by name and value in any order (namespace declarations do not count),
 *   text as it is; whitespace-only text between elements, comments and processing instructions do not
 *   count. So two envelopes that differ only in prefixes, attribute order or indentation hash alike,
 *   as DOM-HASH (RFC 2803) means them to.
 * - `request` (REQUESTHASHGenerator): the To address (the request URL), the transport headers and the body.
 * - `http` (HttpRequestHashGenerator, MI's default): the HTTP method, the request URL, the transport
 *   headers but those excluded, and the body.
 *
 * The body is read through the compact read-only view (no DOM is built for it).
 */
import { createHash, type Hash } from 'node:crypto';
import { type MessageContext } from '../message/context.ts';
import { ELEMENT, TEXT, CDATA } from '../xml/node-types.ts';

export type DigestKind = 'body' | 'request' | 'http';

/** Which headers a digest leaves out: none, all (`*`), or these (lower-case). */
export type HeaderExclusion = 'none' | 'all' | ReadonlySet<string>;

/** The digest of `msg`'s request. */
export async function requestDigest(msg: MessageContext, kind: DigestKind, excluded: HeaderExclusion): Promise<string> {
  const hash = createHash('sha256');
  if (kind === 'http') hash.update(`method ${String(msg.axis2.get('HTTP_METHOD') ?? 'POST').toUpperCase()}\n`);
  if (kind !== 'body') {
    hash.update(`url ${msg.axis2.transportInUrl ?? ''}\n`);
    const names = [...msg.transport.keys()].filter((n) => excluded !== 'all' && (excluded === 'none' || !excluded.has(n))).sort();
    for (const n of names) {
      const v = msg.transport.get(n);
      for (const one of Array.isArray(v) ? v : [v]) hash.update(`header ${n}: ${String(one)}\n`);
    }
  }
  const doc = await msg.envelopeView();
  const body = childElement(doc.documentElement as unknown as Node | null, 'Body');
  if (body) for (let c = body.firstChild; c; c = c.nextSibling) canonical(c, hash);
  return hash.digest('hex');
}

function childElement(parent: Node | null, local: string): Node | undefined {
  for (let c = parent?.firstChild; c; c = c.nextSibling) if (c.nodeType === ELEMENT && (c as Element).localName === local) return c;
  return undefined;
}

/** Feeds `node` to `hash` in the canonical form described above. */
function canonical(node: Node, hash: Hash): void {
  if (node.nodeType === TEXT || node.nodeType === CDATA) {
    const text = node.nodeValue ?? '';
    if (text.trim() !== '') hash.update(`t${text.length}:${text}`);
    return;
  }
  if (node.nodeType !== ELEMENT) return;
  const el = node as Element;
  hash.update(`<${el.namespaceURI ?? ''}|${el.localName}`);
  const attrs: string[] = [];
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i)!;
    if (a.name === 'xmlns' || a.prefix === 'xmlns') continue;
    attrs.push(`${a.namespaceURI ?? ''}|${a.localName}=${a.value.length}:${a.value}`);
  }
  for (const a of attrs.sort()) hash.update(` ${a}`);
  hash.update('>');
  for (let c = el.firstChild; c; c = c.nextSibling) canonical(c, hash);
  hash.update('</>');
}
