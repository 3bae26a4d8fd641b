/**
 * Sample envelopes given as text or as a file path, and the shape a test input takes on the wire: a
 * payload that is XML but not a SOAP Envelope is wrapped in a SOAP 1.1 Envelope's Body, as WSO2's unit
 * tests do for sequence inputs.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MoorError } from '../errors.ts';
import { NS } from '../xml/names.ts';
import { parseXml } from '../xml/parse.ts';
import { type SoapVersion, soapVersionOf } from '../xml/soap.ts';

/** True when `source` is XML text rather than a file path: it starts with `<` (after whitespace). */
export function isXmlText(source: string): boolean {
  return /^\s*(\uFEFF)?</.test(source) || source.trim() === '';
}

/** The text of `source`: itself when it is XML text, else the file it names (relative to `baseDir`). */
export async function readSource(source: string, baseDir: string): Promise<string> {
  if (isXmlText(source)) return source;
  const file = path.resolve(baseDir, source);
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new MoorError('MOOR_ERR_TEST_SUITE', `cannot read the envelope file ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** What a request envelope looks like once prepared: its text and SOAP version. */
export interface PreparedEnvelope {
  readonly text: string;
  readonly version: SoapVersion;
}

/**
 * `text` as a request envelope. An Envelope stays as written (byte for byte); other well-formed XML is
 * wrapped in a SOAP 1.1 Body; text that is not well-formed stays as written, so that a test can check
 * how the gateway refuses it.
 */
export function prepareEnvelope(text: string): PreparedEnvelope {
  let root;
  try {
    root = parseXml(text.replace(/^\uFEFF/, '').trim());
  } catch {
    return { text, version: '1.1' };
  }
  const version = root.name.local === 'Envelope' ? soapVersionOf(root.name.uri) : undefined;
  if (version) return { text, version };
  if (root.name.local === 'Envelope') return { text, version: '1.1' };
  const payload = text.replace(/^\uFEFF/, '').replace(/^\s*<\?xml[^?]*\?>/, '').trim();
  return { text: `<soapenv:Envelope xmlns:soapenv="${NS.soap11}"><soapenv:Body>${payload}</soapenv:Body></soapenv:Envelope>`, version: '1.1' };
}
