/**
 * `<localEntry>`: a value of the configuration named by key.
 *
 * <localEntry key="k"> an XML element </localEntry>      inline XML (a WSDL, a payload, a sequence…)
 * <localEntry key="k">text</localEntry>                  inline text
 * <localEntry key="k" src="file:path"/>                  a file, relative to the file that declares it
 *
 * An entry whose XML (inline, or the root of its src file) is a `<sequence>` or an `<endpoint>` is that
 * artifact, named by the entry's key, so that `<sequence key>` and `<endpoint key>` reach it as in
 * Synapse. Any other entry is a value that keys read: `<publishWSDL key>`, `<payloadFactory><format
 * key>`, `<enrich><source key>`, and `get-property('k')` when no property has that name. A `src` that is
 * a URL (http:, https:…) is refused: moor reads no configuration over the network.
 */
import { readFile } from 'node:fs/promises';
import { type SourceLoc } from '../errors.ts';
import { NS } from '../xml/names.ts';
import { serialize } from '../xml/serialize.ts';
import { type ConfigNode, type Diagnostics } from './node.ts';
import { displayPath, readXmlDocument } from './xml-file.ts';

/** What a key names when it is not an artifact: XML (with the namespaces in scope) or text; `file` when read from one. */
export type EntryValue =
  | { readonly kind: 'xml'; readonly node: ConfigNode; readonly file: string | undefined }
  | { readonly kind: 'text'; readonly text: string; readonly file: string | undefined };

/** A `<localEntry>` as read. `artifact`: its XML is a sequence or an endpoint, to be read as one. */
export interface LocalEntryDef {
  readonly kind: 'localEntry';
  readonly key: string;
  readonly loc: SourceLoc;
  readonly value: EntryValue;
}

/** What reading a `<localEntry>` gave: a value, or the node of the artifact it holds. */
export type ReadEntry = { readonly entry: LocalEntryDef } | { readonly key: string; readonly artifact: ConfigNode } | undefined;

/** Reads `<localEntry>`; `resolveFile` turns its src into a path. Problems are reported at the element. */
export async function readLocalEntry(node: ConfigNode, resolveFile: (uri: string) => string, diag: Diagnostics): Promise<ReadEntry> {
  node.allowAttributes('key', 'src', 'description');
  const key = node.required('key');
  if (key === undefined) return undefined;
  const src = node.attr('src');
  const elements = node.children().filter((c) => c.name !== 'description' || !c.isSynapse);
  if (src !== undefined) {
    if (elements.length || node.text !== '') node.report('MOOR_ERR_BAD_VALUE', `<localEntry key="${key}"> has both src= and content: give one`);
    if (/^[a-z][a-z0-9+.-]*:/i.test(src) && !src.startsWith('file:')) {
      node.report('MOOR_ERR_UNSUPPORTED', `<localEntry src="${src}">: moor reads local entries from files (src="file:…"), not from URLs`);
      return undefined;
    }
    return fromFile(node, key, resolveFile(src), diag);
  }
  if (elements.length > 1) {
    node.report('MOOR_ERR_BAD_VALUE', `<localEntry key="${key}"> holds ${elements.length} elements: an entry is one element or text`);
    return undefined;
  }
  const only = elements[0];
  if (only) return holding(key, only, undefined, node.loc);
  return { entry: { kind: 'localEntry', key, loc: node.loc, value: { kind: 'text', text: node.text, file: undefined } } };
}

/** The entry (or artifact) of an XML element. */
function holding(key: string, el: ConfigNode, file: string | undefined, loc: SourceLoc): ReadEntry {
  if (el.isSynapse && (el.name === 'sequence' || el.name === 'endpoint')) return { key, artifact: el };
  return { entry: { kind: 'localEntry', key, loc, value: { kind: 'xml', node: el, file } } };
}

async function fromFile(node: ConfigNode, key: string, file: string, diag: Diagnostics): Promise<ReadEntry> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    node.report('MOOR_ERR_UNRESOLVED_KEY', `<localEntry key="${key}"> cannot read its src ${displayPath(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return undefined;
  }
  if (!looksLikeXml(file, text)) return { entry: { kind: 'localEntry', key, loc: node.loc, value: { kind: 'text', text, file } } };
  const doc = await readXmlDocument(file, diag, { read: 'MOOR_ERR_CONFIG_DIR', malformed: 'MOOR_ERR_CONFIG_XML' });
  return doc ? holding(key, doc.node, file, node.loc) : undefined;
}

/** XML by its name (.xml, .wsdl, .xsd, .xsl, .xslt…) or, for other names, by its first character. */
export function looksLikeXml(file: string, text: string): boolean {
  if (/\.(xml|wsdl|xsd|xslt?|policy)$/i.test(file)) return true;
  if (/\.(js|txt|json|properties|py|rb|xq|dmc)$/i.test(file)) return false;
  return text.trimStart().startsWith('<');
}

/** An entry's value as text: XML serialized (declaring the namespaces it uses), text as it is. */
export function entryText(value: EntryValue): string {
  return value.kind === 'text' ? value.text : serialize(value.node.el, new Map([['xml', NS.xml]]));
}
