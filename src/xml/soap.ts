/** SOAP 1.1 and 1.2: namespaces, content types, and the shape and HTTP status of faults. */
import { NS } from './names.ts';
import { escapeText } from './serialize.ts';
import { NOT_XML_CHAR } from './well-formed.ts';

export type SoapVersion = '1.1' | '1.2';

/** The SOAP version whose Envelope lives in `uri`, if any. */
export function soapVersionOf(uri: string): SoapVersion | undefined {
  if (uri === NS.soap11) return '1.1';
  if (uri === NS.soap12) return '1.2';
  return undefined;
}

/** The Envelope namespace of a SOAP version. */
export function envelopeNamespace(v: SoapVersion): string {
  return v === '1.1' ? NS.soap11 : NS.soap12;
}

/** The SOAP version a Content-Type announces: text/xml is 1.1, application/soap+xml is 1.2. */
export function soapVersionOfContentType(contentType: string | undefined): SoapVersion | 'xml' | undefined {
  if (contentType === undefined) return undefined;
  const semi = contentType.indexOf(';');
  const mime = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (mime === 'application/soap+xml') return '1.2';
  if (mime === 'text/xml') return '1.1';
  if (mime === 'application/xml' || mime.endsWith('+xml')) return 'xml';
  return undefined;
}

/** The Content-Type of a message of version `v` (SOAP 1.2 carries the action as a parameter). */
export function contentTypeOf(v: SoapVersion, action?: string): string {
  if (v === '1.1') return 'text/xml; charset=utf-8';
  return action ? `application/soap+xml; charset=utf-8; action="${action}"` : 'application/soap+xml; charset=utf-8';
}

/** A fault code in SOAP 1.2 terms; SOAP 1.1 maps Sender to Client and Receiver to Server. */
export type FaultCode = 'Sender' | 'Receiver' | 'VersionMismatch' | 'MustUnderstand' | 'DataEncodingUnknown';

/** What a fault says. `detail` is XML written inside the detail element as is. */
export interface FaultSpec {
  readonly code: FaultCode;
  readonly reason: string;
  readonly role?: string;
  readonly detail?: string;
  /** SOAP 1.2 subcode as `{uri, local}`; written with the prefix `m`. */
  readonly subcode?: { readonly uri: string; readonly local: string };
}

/**
 * SOAP 1.2's Upgrade header block (part 1, §5.4.7): a VersionMismatch fault lists the envelopes the
 * node understands, SOAP 1.2's first.
 */
const UPGRADE =
  `<soapenv:Header><soapenv:Upgrade>` +
  `<soapenv:SupportedEnvelope qname="v12:Envelope" xmlns:v12="${NS.soap12}"/>` +
  `<soapenv:SupportedEnvelope qname="v11:Envelope" xmlns:v11="${NS.soap11}"/>` +
  `</soapenv:Upgrade></soapenv:Header>`;

/**
 * The HTTP status of a fault. SOAP 1.1 (WS-I Basic Profile R1126): always 500. SOAP 1.2 HTTP binding:
 * 400 for Sender, 500 otherwise.
 */
export function faultStatus(v: SoapVersion, code: FaultCode): number {
  return v === '1.2' && code === 'Sender' ? 400 : 500;
}

const SOAP11_CODE: Record<FaultCode, string> = {
  Sender: 'Client',
  Receiver: 'Server',
  VersionMismatch: 'VersionMismatch',
  MustUnderstand: 'MustUnderstand',
  DataEncodingUnknown: 'Server',
};

/**
 * `s` with the characters XML cannot hold (controls but tab, CR and LF; U+FFFE, U+FFFF; a lone
 * surrogate) as U+FFFD: a reason may quote the client (a service name decoded from `%00`).
 */
function xmlChars(s: string): string {
  return s.replace(NOT_XML_CHARS, '\uFFFD');
}

const NOT_XML_CHARS = new RegExp(NOT_XML_CHAR.source, 'gu');

/** A complete fault envelope. */
export function faultEnvelope(v: SoapVersion, f: FaultSpec): string {
  if (v === '1.1') {
    return (
      `<?xml version="1.0" encoding="utf-8"?>` +
      `<soapenv:Envelope xmlns:soapenv="${NS.soap11}"><soapenv:Body><soapenv:Fault>` +
      `<faultcode>soapenv:${SOAP11_CODE[f.code]}</faultcode>` +
      `<faultstring>${escapeText(xmlChars(f.reason))}</faultstring>` +
      (f.role ? `<faultactor>${escapeText(xmlChars(f.role))}</faultactor>` : '') +
      (f.detail ? `<detail>${f.detail}</detail>` : '') +
      `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`
    );
  }
  const sub = f.subcode
    ? `<soapenv:Subcode><soapenv:Value xmlns:m="${f.subcode.uri}">m:${f.subcode.local}</soapenv:Value></soapenv:Subcode>`
    : '';
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<soapenv:Envelope xmlns:soapenv="${NS.soap12}">${f.code === 'VersionMismatch' ? UPGRADE : ''}<soapenv:Body><soapenv:Fault>` +
    `<soapenv:Code><soapenv:Value>soapenv:${f.code}</soapenv:Value>${sub}</soapenv:Code>` +
    `<soapenv:Reason><soapenv:Text xml:lang="en">${escapeText(xmlChars(f.reason))}</soapenv:Text></soapenv:Reason>` +
    (f.role ? `<soapenv:Role>${escapeText(xmlChars(f.role))}</soapenv:Role>` : '') +
    (f.detail ? `<soapenv:Detail>${f.detail}</soapenv:Detail>` : '') +
    `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`
  );
}
