/**
 * Backends that break, through a real gateway: a broken reply blames the backend (SOAP 1.1 Server,
 * SOAP 1.2 Receiver, 5xx), a fault names the endpoint by its configured name only (addresses, socket
 * errors and parser text go to the log), a reply that stops mid-body never ends cleanly for the client,
 * and a SOAP 1.2 VersionMismatch fault says which envelopes moor understands (env:Upgrade).
 */
import test from 'ava';
import { request } from 'undici';
import { NS } from '../../src/xml/names.ts';
import { startBrokenBackend, type BrokenReply } from '../helpers/broken-backend.ts';
import { definitions, filler, post, soap11, soap12, startGateway, XML11, XML12 } from '../helpers/gateway.ts';
import { deadUrl } from '../mediators/soap-backend.ts';
import { type GatewayOptions } from '../../src/server/gateway.ts';

/** Runs `check` against a gateway whose proxy P sends to the endpoint "billing" at `uri`. */
async function through(uri: string, check: (target: string) => Promise<void>, options: { out?: string; gateway?: Partial<GatewayOptions> } = {}): Promise<void> {
  const out = options.out ? `<outSequence>${options.out}<send/></outSequence>` : '';
  const g = await startGateway({ 'p.xml': definitions(`<proxy name="P"><target><endpoint name="billing"><address uri="${uri}"/></endpoint>${out}</target></proxy>`) }, options.gateway);
  try {
    await check(`${g.url}/services/P`);
  } finally {
    await g.close();
  }
}

/** Runs `check` against a gateway in front of a backend that answers `reply`. */
async function replying(reply: string, how: BrokenReply, check: (target: string) => Promise<void>, options: { out?: string; gateway?: Partial<GatewayOptions> } = {}): Promise<void> {
  const backend = await startBrokenBackend(reply, how);
  try {
    await through(backend.url, check, options);
  } finally {
    await backend.close();
  }
}

test('a malformed backend reply is a Receiver fault (502) naming the endpoint, never the parser or the address; Server in SOAP 1.1', async (t) => {
  await replying(soap12('<a><b></a>'), { contentType: 'application/soap+xml' }, async (target) => {
    const r12 = await post(target, soap12('<op/>'), XML12);
    t.is(r12.status, 502, r12.text);
    t.regex(r12.text, /<soapenv:Value>soapenv:Receiver<\/soapenv:Value>/);
    t.regex(r12.text, /the reply of endpoint billing is not a well-formed SOAP envelope/);
    t.notRegex(r12.text, /127\.0\.0\.1|expected </, 'no address, no parser text');
    t.is(r12.headers['x-moor-error'], 'MOOR_ERR_BAD_REPLY');
    const r11 = await post(target, soap11('<op/>'), XML11);
    t.is(r11.status, 502);
    t.regex(r11.text, /<faultcode>soapenv:Server<\/faultcode>/);
  });
});

test('a backend reply with junk after its Envelope, or none at all, is the backend’s fault too', async (t) => {
  for (const reply of [`${soap11('<ok/>')}<junk/>`, '<html>not an envelope</html>', `<!DOCTYPE x>${soap11('<ok/>')}`]) {
    await replying(reply, {}, async (target) => {
      const r = await post(target, soap11('<op/>'), XML11);
      t.is(r.status, 502, reply);
      t.regex(r.text, /<faultcode>soapenv:Server<\/faultcode>/);
    });
  }
});

test('a large malformed reply found broken once it started streaming is cut off, never ended cleanly', async (t) => {
  await replying(soap11(`${filler(400_000)}<a>&bad;</a>${filler(100_000)}`), { chunked: true }, async (target) => {
    const res = await request(target, { method: 'POST', headers: XML11, body: soap11('<op/>') });
    t.is(res.statusCode, 200);
    await t.throwsAsync(res.body.text());
  });
});

for (const chunked of [false, true]) {
  test(`a reply that stops mid-body (${chunked ? 'chunked' : 'with a Content-Length'}) aborts the client's connection`, async (t) => {
    const reply = soap11(filler(300_000));
    await replying(reply, { chunked, cutAfter: 200_000 }, async (target) => {
      const res = await request(target, { method: 'POST', headers: XML11, body: soap11('<op/>') });
      await t.throwsAsync(res.body.text(), undefined, 'the client sees a broken reply, not a clean end');
    });
    // a small reply cut short arrives before anything was sent to the client: a fault blaming the backend
    await replying(soap11(filler(2000)), { chunked, cutAfter: 1000 }, async (target) => {
      const r = await request(target, { method: 'POST', headers: XML11, body: soap11('<op/>') });
      const text = await r.body.text().catch(() => 'aborted');
      if (text !== 'aborted') {
        t.true(r.statusCode >= 500, text);
        t.notRegex(text, /127\.0\.0\.1/);
      }
    });
  });
}

test('a non-XML reply cut off mid-body aborts the client’s connection too', async (t) => {
  await replying('x'.repeat(300_000), { contentType: 'text/plain', chunked: true, cutAfter: 200_000 }, async (target) => {
    const res = await request(target, { method: 'POST', headers: XML11, body: soap11('<op/>') });
    await t.throwsAsync(res.body.text());
  });
});

test('a reply that is not XML (an HTML error page) passes untouched', async (t) => {
  await replying('<html><body>oops & more</body></html>', { contentType: 'text/html' }, async (target) => {
    const r = await post(target, soap11('<op/>'), XML11);
    t.is(r.status, 200);
    t.is(r.text, '<html><body>oops & more</body></html>');
  });
});

test('a reply too large for <log level="full"> is blamed on the backend (502 Server), not on the client (413)', async (t) => {
  await replying(
    soap11(filler(50_000)),
    {},
    async (target) => {
      const r = await post(target, soap11('<op/>'), XML11);
      t.is(r.status, 502, r.text);
      t.regex(r.text, /<faultcode>soapenv:Server<\/faultcode>/);
      t.regex(r.text, /the reply of endpoint billing exceeds a limit/);
      t.is(r.headers['x-moor-error'], 'MOOR_ERR_BAD_REPLY');
    },
    { out: '<log level="full"/>', gateway: { limits: { maxMessageBytes: 20_000 } } },
  );
});

test('an unreachable endpoint is named by its name in the fault: no address, no socket error', async (t) => {
  await through(await deadUrl(), async (target) => {
    const r = await post(target, soap12('<op/>'), XML12);
    t.is(r.status, 500);
    t.regex(r.text, /endpoint billing is unreachable/);
    t.notRegex(r.text, /127\.0\.0\.1|ECONNREFUSED|services\/Dead/);
  });
});

test('a SOAP 1.2 VersionMismatch fault carries env:Upgrade with the envelopes moor understands', async (t) => {
  await through(await deadUrl(), async (target) => {
    const r = await post(target, '<e:Envelope xmlns:e="http://example.com/not-soap"><e:Body/></e:Envelope>', XML12);
    t.is(r.status, 500);
    t.regex(r.text, /<soapenv:Value>soapenv:VersionMismatch<\/soapenv:Value>/);
    const upgrade = /<soapenv:Header><soapenv:Upgrade>(.*)<\/soapenv:Upgrade><\/soapenv:Header><soapenv:Body>/.exec(r.text)?.[1] ?? '';
    t.regex(upgrade, new RegExp(`<soapenv:SupportedEnvelope qname="v12:Envelope" xmlns:v12="${NS.soap12}"/>`));
    t.regex(upgrade, new RegExp(`<soapenv:SupportedEnvelope qname="v11:Envelope" xmlns:v11="${NS.soap11}"/>`));
  });
});
