/**
 * `npx tsx --expose-gc bench/body-read.ts [--runs 5]`: what a read-only look at the body costs per
 * message in CPU time, held as the compact form (what moor does) and as xmldom's
 * DOM (what it did before, and still does for the mediators that change the payload). Each message is
 * a fresh MessageContext over the bench's ~1 KB request (and a ~34 KB one of 500 line items); the
 * readers are a filter's boolean XPath on $body, a switch's string XPath and <log level="full">'s
 * serialisation of the envelope. The DOM case asks for envelopeDom() first: the reader then reads
 * the DOM, as the same call did before the compact form.
 */
import { Expression } from '../src/expr/expression.ts';
import { silentLogger } from '../src/logging.ts';
import { MessageAbort } from '../src/message/abort.ts';
import { MessageContext } from '../src/message/context.ts';
import { DEFAULT_LIMITS } from '../src/message/limits.ts';
import { MessageBody } from '../src/message/message-body.ts';
import { median } from './stats.ts';
import { requestEnvelope } from './envelopes.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const runs = process.argv.includes('--runs') ? Number(process.argv[process.argv.indexOf('--runs') + 1]) : 5;

const ns = new Map([['o', 'urn:moor:bench:orders']]);
const filter = new Expression('$body/o:Submit/o:line[@qty > 5]', ns);
const choose = new Expression('$body/o:Submit/o:line[3]/@sku', ns);

const small = Array.from({ length: 1000 }, (_, i) => Buffer.from(requestEnvelope(`session-${i}`, i)));
const lines = Array.from({ length: 500 }, (_, i) => `<o:line sku="SKU-${1000 + i}" qty="${(i % 7) + 1}">Item ${i} for a large order</o:line>`).join('');
const large = [Buffer.from(requestEnvelope('big', 1).replace('</o:Submit>', `${lines}</o:Submit>`))];

const log = silentLogger();
function message(bytes: Buffer): MessageContext {
  return new MessageContext('request', ['content-type', 'text/xml'], new MessageBody(bytes, DEFAULT_LIMITS, bytes.length), new MessageAbort(), log, () => undefined, { version: '1.1' });
}

type Reader = (msg: MessageContext) => Promise<unknown>;
const readers: [string, Reader][] = [
  ['(no reader: the message made and dropped)', async () => undefined],
  ['filter: boolean XPath on $body', (m) => filter.boolean(m)],
  ['switch: string XPath on $body', (m) => choose.string(m)],
  ['log full: the envelope serialised', async (m) => String((await m.envelopeView()).documentElement)],
];

async function measure(envelopes: Buffer[], read: Reader, dom: boolean, n: number): Promise<number> {
  const one = async (i: number) => {
    const msg = message(envelopes[i % envelopes.length]!);
    if (dom) await msg.envelopeDom();
    await read(msg);
    msg.releaseParsed();
  };
  for (let i = 0; i < n; i++) await one(i);
  gc!();
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) await one(i);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / n;
}

for (const [size, envelopes, n] of [['~1 KB', small, 5000], ['~34 KB', large, 100]] as const) {
  console.log(`\n${size} request (${envelopes[0]!.length} bytes), ${n} messages, median of ${runs} runs`);
  for (const [name, read] of readers) {
    const row: string[] = [];
    for (const dom of [false, true]) {
      const us: number[] = [];
      for (let r = 0; r < runs; r++) us.push((await measure(envelopes as Buffer[], read, dom, n)));
      row.push(`${dom ? 'xmldom DOM' : 'compact'} ${median(us).toFixed(1)} µs`);
    }
    console.log(`  ${name.padEnd(36)} ${row.join('   ')}`);
  }
}
