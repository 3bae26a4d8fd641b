/**
 * What the head scanner (head-scanner.ts) finds in a SOAP envelope: the byte offsets of its landmarks
 * and an index of the head's structure with every name resolved. A file of its own because its readers
 * (envelope-head.ts, envelope-check.ts, message-body.ts) need the shape of the result, not the scan.
 */
import { type QName } from './names.ts';

/** Byte offsets of the head's landmarks. */
export interface HeadBoundary {
  /** Offset just after the Envelope start tag. */
  readonly envelopeTagEnd: number;
  /** The Envelope's tag name as written, e.g. `soapenv:Envelope`. */
  readonly envelopeTag: string;
  /** Offsets of the (first) Header element, when there is one. */
  readonly header: { readonly start: number; readonly end: number } | undefined;
  /** Offset of the `<` that opens the first non-Header child of the Envelope (normally the Body). */
  readonly bodyStart: number;
  /** Offset just after that element's start tag. */
  readonly bodyTagEnd: number;
  /** Its tag name as written, and whether it closed itself (`<Body/>`). */
  readonly bodyTag: string;
  readonly bodySelfClosing: boolean;
  /** What the scan learnt of the head's structure, with every name resolved to its namespace. */
  readonly index: HeadIndex;
}

/**
 * The head's structure as the scan found it, enough to check the Envelope's shape and to find a header
 * block without parsing the whole head: every prefix in the head was checked to be declared on the way.
 */
export interface HeadIndex {
  readonly envelope: QName;
  /** The Envelope's children before the Body (all named Header, in whatever namespace). */
  readonly headers: readonly QName[];
  /** The element the head ends at, normally the Body. */
  readonly body: QName;
  /** The namespaces in scope inside the first Header (a block parsed alone needs them). */
  readonly headerScope: ReadonlyMap<string, string>;
  /** The first Header's child elements, in order, with their byte ranges. */
  readonly blocks: readonly HeadBlock[];
  /** The namespaces in scope inside the Body (the streaming check of the rest resolves prefixes in it). */
  readonly bodyScope: ReadonlyMap<string, string>;
}

/** A header block as the scan found it. */
export interface HeadBlock {
  readonly name: QName;
  /** Offsets of its `<` and just after its end tag (or of its self-closing start tag). */
  readonly start: number;
  readonly end: number;
  /** Offset just after its start tag. */
  readonly tagEnd: number;
  /**
   * True when it holds nothing but character data (no child element, comment or CDATA section), as
   * most routing headers do (ClientID, ServiceGroupId, wsa:To): such a block is read without a parser.
   */
  readonly leaf: boolean;
}

/** Result of one scan: the boundary, 'more' (need more bytes), or 'ended' (root closed, no Body seen). */
export type ScanResult = HeadBoundary | 'more' | 'ended';
