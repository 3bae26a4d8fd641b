import { Writable } from 'node:stream';
import test from 'ava';
import winston from 'winston';
import { definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { proxy, startSoapBackend } from './soap-backend.ts';

/** A logger whose lines (JSON) are kept for the test. */
function capture(): { logger: winston.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] }), lines };
}

const envelope = soap11(`<o:Order xmlns:o="urn:o"><o:id>17</o:id></o:Order>`, `<wsa:MessageID xmlns:wsa="http://www.w3.org/2005/08/addressing">urn:uuid:m1</wsa:MessageID>`);

async function run(inSeq: string) {
  const backend = await startSoapBackend();
  const { logger, lines } = capture();
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: inSeq, uri: backend.url })) }, { logger });
  try {
    await post(`${gw.url}/services/P`, envelope, { 'content-type': 'text/xml', soapaction: '"urn:order"' });
    return lines.filter((l) => l.component === 'log');
  } finally {
    await gw.close();
    await backend.close();
  }
}

test('custom level logs only the properties, at the category given', async (t) => {
  const lines = await run(`<log level="custom" category="WARN" separator=" | "><property name="id" expression="//o:id" xmlns:o="urn:o"/><property name="k" value="v"/></log>`);
  t.is(lines.length, 1);
  t.is(lines[0]!.level, 'warn');
  t.is(lines[0]!.message, 'id = 17 | k = v');
});

test('simple level logs the addressing properties as Synapse does (a missing one left out); headers only the header blocks; full simple and the envelope', async (t) => {
  const simple = await run(`<log/>`);
  t.regex(String(simple[0]!.message), /^To: \/services\/P, WSAction: urn:order, SOAPAction: urn:order, MessageID: urn:uuid:m1, Direction: request$/);
  const headers = await run(`<log level="headers"/>`);
  t.is(String(headers[0]!.message), 'MessageID : urn:uuid:m1');
  const full = await run(`<log level="full"/>`);
  t.regex(String(full[0]!.message), /^To: \/services\/P, .*Direction: request, Envelope: <soapenv:Envelope.*<o:id>17<\/o:id>/);
});

test('simple level gives From and ReplyTo as their wsa:Address', async (t) => {
  const wsa = 'xmlns:wsa="http://www.w3.org/2005/08/addressing"';
  const backend = await startSoapBackend();
  const { logger, lines } = capture();
  const gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: '<log/>', uri: backend.url })) }, { logger });
  try {
    const head = `<wsa:To ${wsa}>http://x/services/P</wsa:To><wsa:From ${wsa}><wsa:Address>urn:client</wsa:Address></wsa:From>` +
      `<wsa:ReplyTo ${wsa}><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo><wsa:Action ${wsa}>urn:a</wsa:Action>`;
    await post(`${gw.url}/services/P`, soap11('<o:Order xmlns:o="urn:o"/>', head), { 'content-type': 'text/xml', soapaction: '"urn:order"' });
    const line = lines.find((l) => l.component === 'log');
    t.regex(String(line?.message), /^To: http:\/\/x\/services\/P, From: urn:client, WSAction: urn:a, SOAPAction: urn:order, ReplyTo: http:\/\/www.w3.org\/2005\/08\/addressing\/anonymous, MessageID: urn:uuid:[0-9a-f-]{36}, Direction: request$/);
  } finally {
    await gw.close();
    await backend.close();
  }
});
