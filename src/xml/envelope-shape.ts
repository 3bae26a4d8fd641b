/**
 * SOAP's rules for a message as a whole, and the faults that break them, written once: the head scan
 * (head-scanner.ts, head-tokens.ts), the head's shape checked from the scan's index or from the parsed
 * tree (message/envelope-head.ts), and the streaming check of a whole message (envelope-check.ts) each
 * find these in their own way, and each answers with the same fault and the same words.
 */
import { MoorError } from '../errors.ts';
import { NS, type QName } from './names.ts';
import { type SoapVersion, soapVersionOf } from './soap.ts';

/** The SOAP version an Envelope named `local` in namespace `uri` speaks, or the fault a non-envelope deserves. */
export function envelopeVersion(uri: string, local: string): SoapVersion {
  if (local !== 'Envelope') {
    throw new MoorError('MOOR_ERR_NOT_ENVELOPE', `the root element is <${local}>, not a SOAP Envelope`);
  }
  const version = soapVersionOf(uri);
  if (!version) {
    throw new MoorError('MOOR_ERR_VERSION_MISMATCH', `the Envelope namespace "${uri}" is neither SOAP 1.1 (${NS.soap11}) nor SOAP 1.2 (${NS.soap12})`);
  }
  return version;
}

/** The Envelope's Header elements (`headers`, whatever their namespace): at most one, in `envNs`. */
export function checkHeaders(headers: readonly QName[], envNs: string): void {
  if (headers.length > 1) throw moreThanOneHeader();
  const header = headers[0];
  if (header && header.uri !== envNs) throw headerOutsideEnvelopeNamespace();
}

export function moreThanOneHeader(): MoorError {
  return new MoorError('MOOR_ERR_NOT_ENVELOPE', 'the Envelope has more than one Header');
}

export function headerOutsideEnvelopeNamespace(): MoorError {
  return new MoorError('MOOR_ERR_NOT_ENVELOPE', 'the Header element is not in the SOAP envelope namespace');
}

/** Where the Body should stand, `found` does (an element as written, `<p:Name>`, or 'nothing'). */
export function notBody(found: string): MoorError {
  return new MoorError('MOOR_ERR_NOT_ENVELOPE', `expected the SOAP Body in the Envelope, found ${found}`);
}

export function noBody(): MoorError {
  return new MoorError('MOOR_ERR_NOT_ENVELOPE', 'the Envelope has no Body');
}

/** Any processing instruction but the XML declaration at the very start. */
export function processingInstruction(): MoorError {
  return new MoorError('MOOR_ERR_NOT_ENVELOPE', 'a SOAP message must not contain processing instructions');
}

/** A document type declaration (so entity expansion can never happen). */
export function doctype(): MoorError {
  return new MoorError('MOOR_ERR_DOCTYPE', 'a SOAP message must not contain a document type declaration (<!DOCTYPE)');
}
