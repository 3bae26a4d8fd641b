/** Compiles a stylesheet written as text and runs it over an XML document, for the tests of src/xslt/. */
import { Diagnostics, ConfigNode } from '../../src/config/node.ts';
import { parseDom } from '../../src/xml/dom.ts';
import { parseXml } from '../../src/xml/parse.ts';
import { LineIndex } from '../../src/xml/positions.ts';
import { type Stylesheet } from '../../src/xslt/model.ts';
import { compileStylesheet, type StylesheetSources } from '../../src/xslt/stylesheet.ts';
import { transform, type TransformOptions } from '../../src/xslt/transform.ts';

/** The root of `text` as the configuration reads it, reporting to `diag`. */
export function nodeOf(text: string, diag = new Diagnostics(), file = 'test.xsl'): ConfigNode {
  const el = parseXml(text, { positions: true });
  return new ConfigNode(el, file, new LineIndex(text), diag, new Map(el.namespaces));
}

/** The compiled stylesheet, or the problems reported (`file:line:col CODE message` lines). */
export function compile(text: string, sources: StylesheetSources = { include: () => undefined }): Stylesheet | string {
  const diag = new Diagnostics();
  const sheet = compileStylesheet(nodeOf(text, diag), sources);
  return sheet ?? diag.errors.map((e) => e.toString()).join('\n');
}

/** Runs `xsl` over `xml`; the result serialised. */
export function run(xsl: string, xml: string, options: Partial<TransformOptions> = {}): string {
  const sheet = compile(xsl);
  if (typeof sheet === 'string') throw new Error(sheet);
  const { doc } = parseDom(xml);
  const out = transform(sheet, doc!, { params: new Map(), factory: doc!, ...options });
  return out.map((n) => String(n)).join('');
}

export const XSL = 'xmlns:xsl="http://www.w3.org/1999/XSL/Transform"';

/** A stylesheet of `templates` (version 1.0 unless given), declaring `extra` namespaces. */
export function sheet(templates: string, extra = '', version = '1.0'): string {
  return `<xsl:stylesheet version="${version}" ${XSL} ${extra}>${templates}</xsl:stylesheet>`;
}
