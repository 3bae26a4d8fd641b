/**
 * `npx tsx bench/xslt.ts [--runs 5]`: what one <xslt> costs per message in CPU time, in process: a fresh
 * MessageContext over sample 8's CheckPriceRequest, the <xslt> of test/fixtures/xslt/check-price-request.xslt
 * run on it (the envelope parsed, the source copied into a document of its own, transformed, the result
 * put in its place, the envelope written back), beside a <payloadFactory> that makes the same getQuote
 * (the other way moor has to replace a payload), and an identity transform of a ~34 KB body of 500 line
 * items. Prints the median of `runs` rounds, in microseconds per message.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ConfigNode, Diagnostics } from '../src/config/node.ts';
import { silentLogger } from '../src/logging.ts';
import { MessageAbort } from '../src/message/abort.ts';
import { MessageContext } from '../src/message/context.ts';
import { DEFAULT_LIMITS } from '../src/message/limits.ts';
import { MessageBody } from '../src/message/message-body.ts';
import { type Mediator, type MediationEnv, type ParseContext } from '../src/mediators/mediator.ts';
import { payloadFactory } from '../src/mediators/payload-factory.ts';
import { xslt } from '../src/mediators/xslt.ts';
import { parseXml } from '../src/xml/parse.ts';
import { LineIndex } from '../src/xml/positions.ts';
import { median } from './stats.ts';

const runs = process.argv.includes('--runs') ? Number(process.argv[process.argv.indexOf('--runs') + 1]) : 5;
const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';

function node(text: string, file = 'bench.xml'): ConfigNode {
  const el = parseXml(text, { positions: true });
  return new ConfigNode(el, file, new LineIndex(text), new Diagnostics(), new Map(el.namespaces));
}

const entries = new Map<string, ConfigNode>([
  ['to-getQuote', node(readFileSync(new URL('../test/fixtures/xslt/check-price-request.xslt', import.meta.url), 'utf8'), 'check-price-request.xslt')],
  ['identity', node('<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:template match="@*|node()"><xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy></xsl:template></xsl:stylesheet>')],
]);
const ctx = {
  entry: (key: string) => {
    const n = entries.get(key);
    return n && { kind: 'xml' as const, node: n, file: undefined };
  },
  entryAtRunTime: () => undefined,
} as unknown as ParseContext;
const env = {} as MediationEnv;

function mediator(xml: string, def: typeof xslt): Mediator {
  const m = def.parse(node(xml), ctx);
  if (!m) throw new Error(`${xml} did not compile`);
  return m;
}

const envelope = (body: string) => Buffer.from(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`);
const checkPrice = envelope('<m0:CheckPriceRequest xmlns:m0="http://services.samples"><m0:Code>IBM</m0:Code></m0:CheckPriceRequest>');
const lines = Array.from({ length: 500 }, (_, i) => `<o:line sku="SKU-${1000 + i}" qty="${(i % 7) + 1}">Item ${i} for a large order</o:line>`).join('');
const large = envelope(`<o:Submit xmlns:o="urn:moor:bench:orders">${lines}</o:Submit>`);

const log = silentLogger();
const message = (bytes: Buffer) => new MessageContext('request', ['content-type', 'text/xml'], new MessageBody(bytes, DEFAULT_LIMITS, bytes.length), new MessageAbort(), log, () => undefined, { version: '1.1' });

const cases: [string, Buffer, Mediator | undefined, number][] = [
  ['(no mediator: the message parsed and written back)', checkPrice, undefined, 5000],
  ['<xslt> sample 8 request: CheckPriceRequest → getQuote', checkPrice, mediator(`<xslt ${SYN} key="to-getQuote"/>`, xslt), 5000],
  ['<payloadFactory> making the same getQuote', checkPrice, mediator(`<payloadFactory ${SYN}><format><m:getQuote xmlns:m="http://services.samples"><m:request><m:symbol>$1</m:symbol></m:request></m:getQuote></format><args><arg xmlns:m0="http://services.samples" expression="//m0:Code"/></args></payloadFactory>`, payloadFactory), 5000],
  ['(no mediator: the 34 KB message parsed and written back)', large, undefined, 200],
  ['<xslt> identity transform of 500 line items (34 KB)', large, mediator(`<xslt ${SYN} key="identity"/>`, xslt), 200],
];

for (const [name, bytes, m, n] of process.argv.includes('--large') ? cases.slice(4) : cases) {
  const perMessage: number[] = [];
  for (let r = 0; r < runs + 1; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const msg = message(bytes);
      if (m) await m.mediate(msg, env);
      else msg.setEnvelope(String(await msg.envelopeDom()));
      msg.releaseParsed();
    }
    // (the first round warms up)
    if (r > 0) perMessage.push(((performance.now() - t0) * 1000) / n);
  }
  console.log(`${median(perMessage).toFixed(1).padStart(8)} us  ${name}`);
}
