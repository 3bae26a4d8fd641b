/**
 * A JSON payload read as XML, and an XML payload written as JSON, when (and only when) something needs
 * the other form, as WSO2 MI does (its JsonStreamBuilder keeps the JSON stream; the XML is built on the
 * first XPath, log or change; its JsonFormatter writes the stream as it came while the payload is
 * unchanged, and converts the XML otherwise):
 *
 * - A JSON body (application/json, text/json, *+json) is carried as it came and streams through
 *   untouched. The first mediator that needs XML (XPath over the Body, `<log level="full">`, `<enrich>`,
 *   `<xslt>`, a session read from the payload…) reads it whole (maxParseBytes, a share of the parse
 *   budget) and makes it an envelope of moor's own around its XML (json-xml.ts); the JSON is kept.
 * - Going out as JSON (messageType application/json…, or json-eval() over XML): the JSON as it came while
 *   the envelope moor made is unchanged (no mediator rewrote it, no header block was set), else the
 *   Body's first child converted (xml-json.ts).
 */
import { WRAP_END, WRAP_START } from './rest-payload.ts';
import { type MessageBody, tooLargeToParse } from './message-body.ts';
import { type MessageAbort } from './abort.ts';
import { parseBudget, type ParseLease } from './parse-budget.ts';
import { jsonToXml } from './json-xml.ts';
import { xmlToJson } from './xml-json.ts';
import { parseDom } from '../xml/dom.ts';
import { MoorError } from '../errors.ts';

/** True for the media types WSO2 reads as JSON. */
export function isJsonType(media: string | undefined): boolean {
  if (!media) return false;
  const m = media.split(';')[0]!.trim().toLowerCase();
  return m === 'application/json' || m === 'text/json' || m.endsWith('+json');
}

/** A JSON payload made XML: the JSON as it came, and the envelope made of it (compared by identity later). */
export interface JsonOrigin {
  readonly json: Buffer;
  readonly envelope: Buffer;
}

/**
 * Reads the JSON body whole and replaces it with the envelope of its XML (the body is no longer opaque).
 * Bounded by maxParseBytes (the JSON, then its XML) and maxDepth; the conversion holds a share of the
 * parse budget for the JSON's bytes until the exchange ends.
 */
export async function jsonBodyToXml(body: MessageBody, abort: MessageAbort, exchange: { leases?: ParseLease[] | undefined }): Promise<JsonOrigin> {
  const { maxParseBytes, maxDepth } = body.limits;
  if (body.length !== undefined && body.length > maxParseBytes) throw body.blame(tooLargeToParse(maxParseBytes));
  const json = await body.readAll(maxParseBytes);
  const lease = await parseBudget.acquire(json.length, abort);
  (exchange.leases ??= []).push(lease);
  let xml: string;
  try {
    xml = jsonToXml(json.toString('utf8').replace(/^\uFEFF/, ''), { maxDepth, maxChars: maxParseBytes - WRAP_START.length - WRAP_END.length });
  } catch (e) {
    throw body.blame(e);
  }
  const envelope = Buffer.from(WRAP_START + xml + WRAP_END);
  body.replaceAll(envelope);
  return { json, envelope };
}

/** The JSON text of an XML payload element (the Body's first child, as XML text). */
export function payloadXmlToJson(xml: string, maxDepth: number): Buffer {
  const { doc, failure } = parseDom(xml);
  if (failure || !doc?.documentElement) throw new MoorError('MOOR_ERR_MEDIATION', `the payload could not be read to write it as JSON: ${failure ?? 'no element'}`);
  return Buffer.from(xmlToJson(doc.documentElement, maxDepth));
}
