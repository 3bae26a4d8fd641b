/**
 * The one way moor turns XML text into a DOM (xmldom's Document) and back, for the parts that need a DOM:
 * XPath over a message, the mediators that rewrite it, WSDL publishing, moor/testing's assertions.
 *
 * xmldom is loaded on first use rather than imported: `moor validate` and `moor start` up to its
 * listening line never build a DOM, and importing xmldom costs them ~45 ms of start-up (issue 11;
 * docs/benchmarks.md). It is CommonJS, so a synchronous require at the first parse is enough.
 */
import type * as Xmldom from '@xmldom/xmldom';
import { loadOnFirstUse } from '../commonjs.ts';

const library = loadOnFirstUse<typeof Xmldom>('@xmldom/xmldom');

/** What parsing gave: the document, or the first error xmldom reported (warnings are not errors). */
export interface DomParse {
  doc: Document | undefined;
  failure: string | undefined;
}

/** What a caller's text is, beyond an XML document as it stands. */
export interface DomOptions {
  /**
   * `text` is the content of an element (elements and text, any number: a mediator's inline XML, a
   * property's XML value): it is parsed inside a wrapper element, which is the document's root.
   */
  readonly fragment?: boolean;
  /** `text` is decoded from bytes that may begin with a byte order mark (a message, a test's input): it is dropped. */
  readonly bom?: boolean;
}

/**
 * Parses `text` as an XML document. Never throws for bad XML: xmldom reports some errors through its
 * callback and throws its own ParseError (not always an Error) for fatal ones; both end in `failure`.
 */
export function parseDom(text: string, options: DomOptions = {}): DomParse {
  if (options.bom) text = text.replace(/^\uFEFF/, '');
  if (options.fragment) text = `<moor-fragment>${text}</moor-fragment>`;
  let failure: string | undefined;
  let doc: Document | undefined;
  try {
    const { DOMParser } = library();
    doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') failure ??= message;
      },
    }).parseFromString(text, 'text/xml') as unknown as Document;
  } catch (e) {
    failure ??= (e as { message?: string }).message ?? String(e);
  }
  return { doc, failure };
}

/** Parses XML that moor itself wrote (so known to be well-formed), without collecting errors. */
export function parseTrustedDom(text: string): Document {
  return new (library().DOMParser)().parseFromString(text, 'text/xml') as unknown as Document;
}

/** The XML text of `node`. */
export function serializeDom(node: Node): string {
  return new (library().XMLSerializer)().serializeToString(node as unknown as Xmldom.Node);
}
