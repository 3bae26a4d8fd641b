/**
 * Malformed requests never pass the gateway whole: a request is checked as it streams, and one found
 * broken before its last byte left aborts the backend request (the backend never sees a complete
 * message) and is answered with a Sender/Client fault in its own SOAP version. (Broken replies:
 * fault-blame.test.ts.)
 */
import { Readable } from 'node:stream';
import test from 'ava';
import { request } from 'undici';
import { type Gateway } from '../../src/server/gateway.ts';
import { type EchoBackend, startEchoBackend } from '../helpers/echo-backend.ts';
import { definitions, filler, post, soap11, soap12, startGateway, until, XML11, XML12 } from '../helpers/gateway.ts';

let gw: Gateway;
let echo: EchoBackend;
let url: string;

test.before(async () => {
  echo = await startEchoBackend();
  gw = await startGateway({ 'p.xml': definitions(`<proxy name="Echo"><target><endpoint name="echo"><address uri="${echo.url}"/></endpoint></target></proxy>`) });
  url = `${gw.url}/services/Echo`;
});
test.after.always(async () => {
  await gw.close();
  await echo.close();
});

/** Sends `parts` as a chunked request body, one part per chunk, with a pause between them. */
async function streamed(target: string, parts: readonly string[], headers: Record<string, string>): Promise<{ status: number; text: string }> {
  async function* body(): AsyncGenerator<Buffer> {
    for (const p of parts) {
      yield Buffer.from(p);
      await new Promise((r) => setImmediate(r));
    }
  }
  const res = await request(target, { method: 'POST', headers, body: Readable.from(body()) });
  return { status: res.statusCode, text: await res.body.text() };
}

/** The bytes of an envelope before and after its Body's content. */
const [OPEN11, CLOSE11] = soap11('\u0000').split('\u0000') as [string, string];
const [OPEN12, CLOSE12] = soap12('\u0000').split('\u0000') as [string, string];

const MALFORMED: Record<string, string> = {
  'mismatched tags': '<a><b></a>',
  'an undeclared entity': '<a>&undeclared;</a>',
  'an unbound prefix': '<x:a/>',
  'a processing instruction': '<?pi data?>',
  'a raw control character': '<a>\u0001</a>',
  'an end tag that closes nothing open': '</a>',
};

for (const [what, bad] of Object.entries(MALFORMED)) {
  test.serial(`a streamed request with ${what} deep in its Body never reaches the backend whole; the client gets a Client fault`, async (t) => {
    const before = echo.received.length;
    const cut = echo.aborted();
    const r = await streamed(url, [`${OPEN11}<a>`, filler(200_000), `</a>${bad}`, filler(100_000), CLOSE11], XML11);
    t.is(r.status, 500, r.text);
    t.regex(r.text, /<faultcode>soapenv:Client<\/faultcode>/);
    t.notRegex(r.text, /expected <\/a> but found <\/soapenv:Body>/, 'refused for its own defect');
    t.is(echo.received.length, before, 'the backend received no complete request');
    await until(() => echo.aborted() === cut + 1);
    t.pass('the backend saw the request begin, and saw it cut off');
  });
}

test.serial('a streamed SOAP 1.2 request cut short before its Envelope closes: the backend never gets it complete, the client gets env:Sender 400', async (t) => {
  const before = echo.received.length;
  const r = await streamed(url, [`${OPEN12}<a>`, filler(300_000), '</a></env:Body>'], XML12);
  t.is(r.status, 400, r.text);
  t.regex(r.text, /<soapenv:Value>soapenv:Sender<\/soapenv:Value>/);
  t.regex(r.text, /ends before/);
  t.is(echo.received.length, before);
});

test.serial('with a Content-Length, the chunk that completes a malformed message is never sent', async (t) => {
  const before = echo.received.length;
  // the defect is in the last bytes: an element after the Body
  const xml = soap11(filler(300_000)).replace('</soapenv:Envelope>', '<x:late xmlns:x="urn:x"/></soapenv:Envelope>');
  const r = await post(url, xml, XML11);
  t.is(r.status, 500, r.text);
  t.regex(r.text, /follows the SOAP Body/);
  t.is(echo.received.length, before);
});

test.serial('a well-formed streamed request passes byte for byte', async (t) => {
  const parts = [`${OPEN11}<a>`, filler(200_000), '</a><!-- c --><b><![CDATA[<x>&]]></b>', CLOSE11];
  const r = await streamed(url, parts, XML11);
  t.is(r.status, 200, r.text);
  t.true(echo.received.at(-1)!.body.equals(Buffer.from(parts.join(''))));
});

test.serial('a raw control character in the SOAP head (a header block, an attribute, the Envelope tag) is refused too, and never reaches the backend', async (t) => {
  const heads = [
    soap11('<m:op xmlns:m="urn:m"/>', '<a xmlns="urn:a">x\u0001y</a>'),
    soap11('<m:op xmlns:m="urn:m"/>', '<a xmlns="urn:a" v="\u001f"/>'),
    soap11('<m:op xmlns:m="urn:m"/>', '<a xmlns="urn:a"><b>\u0008</b></a>'),
    soap11('<m:op xmlns:m="urn:m"/>').replace('<soapenv:Envelope ', '<soapenv:Envelope x="\u000b" '),
  ];
  for (const xml of heads) {
    const before = echo.received.length;
    const r = await post(url, xml, XML11);
    t.is(r.status, 500, r.text);
    t.is(r.headers['x-moor-error'], 'MOOR_ERR_MALFORMED_XML', r.text);
    t.regex(r.text, /<faultcode>soapenv:Client<\/faultcode>/);
    t.is(echo.received.length, before, 'the backend received nothing');
  }
});
