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

test('simple level logs the addressing properties; headers adds the header blocks; full the envelope', async (t) => {
  const simple = await run(`<log/>`);
  t.regex(String(simple[0]!.message), /SOAPAction: urn:order, ReplyTo: , MessageID: urn:uuid:m1, Direction: request/);
  t.notRegex(String(simple[0]!.message), /Envelope/);
  const headers = await run(`<log level="headers"/>`);
  t.regex(String(headers[0]!.message), /MessageID: <wsa:MessageID xmlns:wsa="http:\/\/www.w3.org\/2005\/08\/addressing">urn:uuid:m1<\/wsa:MessageID>/);
  const full = await run(`<log level="full"/>`);
  t.regex(String(full[0]!.message), /Envelope: <soapenv:Envelope.*<o:id>17<\/o:id>/);
});
