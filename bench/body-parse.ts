/**
 * `npx tsx --expose-gc bench/body-parse.ts [--mb 1,5,10] [--json]`: what parsing a message body for a mediator
 * costs in memory, per byte of message, for each representation moor could hold it in. Measured in
 * process: the heap (and external memory) retained by the parsed form after a full GC, divided by the
 * message's bytes; the peak RSS growth while parsing is printed beside it. Bodies are a typical SOAP
 * payload (an order of line items: elements with attributes and short text). `--json` prints one line
 * of results instead, for `npm run bench`'s memory part (bench/run.ts).
 */
import { DOMParser } from '@xmldom/xmldom';
import { parseXml } from '../src/xml/parse.ts';
import { parseCompact } from '../src/xml/compact-tree.ts';
import { CompactView } from '../src/xml/compact-dom.ts';
import { parseXPath } from '../src/expr/xpath-lib.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

function body(bytes: number): string {
  const item = '<o:line no="0001" sku="SKU-000123"><o:qty>3</o:qty><o:price currency="EUR">12.50</o:price><o:note>fragile, keep upright</o:note></o:line>';
  const head = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><o:order xmlns:o="urn:orders">';
  const tail = '</o:order></soapenv:Body></soapenv:Envelope>';
  return head + item.repeat(Math.ceil((bytes - head.length - tail.length) / item.length)) + tail;
}

const forms: Record<string, (text: string) => unknown> = {
  'xmldom DOM (what the mediators that change the payload read)': (text) => new DOMParser().parseFromString(text, 'text/xml'),
  'fast-xml-parser, ordered, as XmlElement trees (the head parser)': (text) => parseXml(text, { wellFormed: true }),
  // the string is part of what it holds: the tree is offsets into it
  'compact tree (the text + typed arrays; what read-only routes hold)': (text) => parseCompact(text),
  // an evaluation that reaches every node makes an object for each, held by its view until it ends
  'compact tree during an XPath that visits every node (count(//*), its view kept)': (text) => {
    const view = new CompactView(parseCompact(text)!);
    parseXPath('count(//*)').evaluate({ node: view.document as unknown as Node });
    return view;
  },
};

function retained(make: () => unknown): { heap: number; peakRss: number } {
  gc!();
  gc!();
  const before = process.memoryUsage();
  const held = make();
  const during = process.memoryUsage().rss;
  gc!();
  gc!();
  const after = process.memoryUsage();
  void held;
  const heap = after.heapUsed + after.external - (before.heapUsed + before.external);
  (held as { x?: unknown }).x = 1; // keep it alive until here
  return { heap, peakRss: during - before.rss };
}

const sizes = (process.argv.includes('--mb') ? process.argv[process.argv.indexOf('--mb') + 1]! : '1,5,10').split(',').map(Number);
const json = process.argv.includes('--json');
/** One row of results, as `--json` prints them. */
export interface BodyParseRow {
  form: string;
  mb: number;
  perByte: number;
  retainedMb: number;
  peakRssMb: number;
}
const rows: BodyParseRow[] = [];
for (const mb of sizes) {
  const bytes = Buffer.from(body(mb * 1024 * 1024));
  if (!json) console.log(`\n${mb} MB body (${bytes.length} bytes)`);
  for (const [name, parse] of Object.entries(forms)) {
    const r = retained(() => parse(bytes.toString('utf8')));
    rows.push({ form: name, mb, perByte: r.heap / bytes.length, retainedMb: r.heap / 1e6, peakRssMb: r.peakRss / 1e6 });
    if (!json) console.log(`  ${name}: ${(r.heap / bytes.length).toFixed(1)}× retained (${(r.heap / 1e6).toFixed(0)} MB), RSS +${(r.peakRss / 1e6).toFixed(0)} MB while parsing`);
  }
}
if (json) console.log(JSON.stringify(rows));
