/**
 * Malformed messages never pass the gateway whole: a request is checked as it streams, and one found
 * broken before its last byte left aborts the backend request (the backend never sees a complete
 * message) and is answered with a Sender/Client fault in its own SOAP version; a broken reply blames
 * the backend (Receiver/Server, 502), by the endpoint's name only.
 */
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import test from 'ava';
import { request } from 'undici';
import { type Gateway } from '../../src/server/gateway.ts';
import { type EchoBackend, startEchoBackend } from '../helpers/echo-backend.ts';
import { definitions, post, soap11, soap12, startGateway } from '../helpers/gateway.ts';
import { listenOnFreePort } from '../helpers/listen.ts';

const XML11 = { 'content-type': 'text/xml; charset=utf-8' };
const XML12 = { 'content-type': 'application/soap+xml; charset=utf-8' };

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

/** A body of `n` bytes of well-formed items. */
function filler(n: number): string {
  return '<i>0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab</i>'.repeat(Math.ceil(n / 67));
}

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
    const r = await streamed(url, [`${OPEN11}<a>`, filler(200_000), `</a>${bad}`, filler(100_000), CLOSE11], XML11);
    t.is(r.status, 500, r.text);
    t.regex(r.text, /<faultcode>soapenv:Client<\/faultcode>/);
    t.notRegex(r.text, /expected <\/a> but found <\/soapenv:Body>/, 'refused for its own defect');
    t.is(echo.received.length, before, 'the backend received no complete request');
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

/** A backend that answers every request with `reply` (in `chunks` pieces), or cuts it off after `cutAfter` bytes. */
async function fixedBackend(reply: string, options: { contentType?: string; chunked?: boolean; cutAfter?: number } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const bytes = Buffer.from(reply);
      const headers: Record<string, string | number> = { 'content-type': options.contentType ?? 'text/xml; charset=utf-8' };
      if (!options.chunked) headers['content-length'] = bytes.length;
      res.writeHead(200, headers);
      if (options.cutAfter !== undefined) {
        res.write(bytes.subarray(0, options.cutAfter), () => res.destroy());
        return;
      }
      res.end(bytes);
    });
  });
  const { port, close } = await listenOnFreePort(server);
  return { url: `http://127.0.0.1:${port}/services/Broken`, close };
}

async function viaGateway(backendUrl: string, run: (target: string) => Promise<void>): Promise<void> {
  const g = await startGateway({ 'p.xml': definitions(`<proxy name="P"><target><endpoint name="billing"><address uri="${backendUrl}"/></endpoint></target></proxy>`) });
  try {
    await run(`${g.url}/services/P`);
  } finally {
    await g.close();
  }
}

test('a malformed backend reply is a Receiver fault (502) naming the endpoint, in SOAP 1.2 and 1.1', async (t) => {
  const backend = await fixedBackend(soap12('<a><b></a>'), { contentType: 'application/soap+xml' });
  try {
    await viaGateway(backend.url, async (target) => {
      const r12 = await post(target, soap12('<op/>'), XML12);
      t.is(r12.status, 502, r12.text);
      t.regex(r12.text, /soapenv:Receiver/);
      t.regex(r12.text, /endpoint billing/);
      t.notRegex(r12.text, /127\.0\.0\.1|expected </, 'no address, no parser text');
      const r11 = await post(target, soap11('<op/>'), XML11);
      t.is(r11.status, 502);
      t.regex(r11.text, /<faultcode>soapenv:Server<\/faultcode>/);
    });
  } finally {
    await backend.close();
  }
});

test('a large malformed reply streamed to the client is cut off, never ended cleanly', async (t) => {
  const backend = await fixedBackend(soap11(`${filler(400_000)}<a>&bad;</a>${filler(100_000)}`), { chunked: true });
  try {
    await viaGateway(backend.url, async (target) => {
      const res = await request(target, { method: 'POST', headers: XML11, body: soap11('<op/>') });
      t.is(res.statusCode, 200);
      await t.throwsAsync(res.body.text());
    });
  } finally {
    await backend.close();
  }
});

test('a reply that is not XML (an HTML error page) passes untouched', async (t) => {
  const backend = await fixedBackend('<html><body>oops & more</body></html>', { contentType: 'text/html' });
  try {
    await viaGateway(backend.url, async (target) => {
      const r = await post(target, soap11('<op/>'), XML11);
      t.is(r.status, 200);
      t.is(r.text, '<html><body>oops & more</body></html>');
    });
  } finally {
    await backend.close();
  }
});
