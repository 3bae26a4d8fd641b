import test from 'ava';
import { contextOf } from '../fixtures/messages.ts';

const S11 = 'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"';

test('a body that is not well-formed, read whole for a mediator, is the sender’s malformed XML, not an internal error', async (t) => {
  for (const body of ['<a><b></a>', '<a>&undeclared;</a>', '<a x="1" x="2"/>']) {
    const msg = contextOf(`<soapenv:Envelope ${S11}><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`, {}, 'request', { chunk: 7 });
    t.is((await msg.head()).version, '1.1', 'the head alone is fine');
    await t.throwsAsync(msg.envelopeDom(), { code: 'MOOR_ERR_MALFORMED_XML' }, body);
  }
});

test('the whole envelope read for a mediator is the message as sent, head and body', async (t) => {
  const xml = `<soapenv:Envelope ${S11}><soapenv:Header><h:Id xmlns:h="urn:h">1</h:Id></soapenv:Header><soapenv:Body><m:Op xmlns:m="urn:m">é</m:Op></soapenv:Body></soapenv:Envelope>`;
  const msg = contextOf(xml, {}, 'request', { chunk: 5 });
  const doc = await msg.envelopeDom();
  t.is(doc.documentElement.localName, 'Envelope');
  t.is(doc.getElementsByTagNameNS('urn:m', 'Op')[0]?.textContent, 'é');
  t.is(doc.getElementsByTagNameNS('urn:h', 'Id')[0]?.textContent, '1');
});

test('a read-only reader gets the compact view, no DOM; a DOM asked for later is made from it and answers readers from then on', async (t) => {
  const xml = `<?xml version="1.0"?>\n<soapenv:Envelope ${S11}><soapenv:Body><m:Op xmlns:m="urn:m" n="1">é</m:Op></soapenv:Body></soapenv:Envelope>`;
  const msg = contextOf(xml, {}, 'request', { chunk: 9 });
  const view = await msg.envelopeView();
  t.is(view.constructor.name, 'CDocument', 'the compact view');
  t.is(String(view.documentElement), `<soapenv:Envelope ${S11}><soapenv:Body><m:Op xmlns:m="urn:m" n="1">é</m:Op></soapenv:Body></soapenv:Envelope>`);
  const dom = await msg.envelopeDom();
  t.not(dom.constructor.name, 'CDocument');
  t.is(String(dom.documentElement), String(view.documentElement), 'the same envelope');
  t.is((await msg.envelopeView()) as unknown, dom, 'the DOM answers readers once it exists (a mediator may have changed it)');
  msg.setEnvelope(`<soapenv:Envelope ${S11}><soapenv:Body/></soapenv:Envelope>`);
  t.is(String((await msg.envelopeView()).documentElement), `<soapenv:Envelope ${S11}><soapenv:Body/></soapenv:Envelope>`, 'a new envelope is read anew');
});

test('a body the compact parser leaves to xmldom is xmldom’s: its DOM for readers, or its malformed XML', async (t) => {
  const cdata = `<soapenv:Envelope ${S11}><soapenv:Body><a>x<![CDATA[]]>y</a></soapenv:Body></soapenv:Envelope>`;
  const view = await contextOf(cdata).envelopeView();
  t.not(view.constructor.name, 'CDocument');
  t.is(String(view.documentElement), `<soapenv:Envelope ${S11}><soapenv:Body><a>xy</a></soapenv:Body></soapenv:Envelope>`, 'one text node, as xmldom joins it');
  for (const body of ['<a><b></a>', '<a>&undeclared;</a>', '<a x="1" x="2"/>']) {
    const msg = contextOf(`<soapenv:Envelope ${S11}><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`, {}, 'request', { chunk: 7 });
    await t.throwsAsync(msg.envelopeView(), { code: 'MOOR_ERR_MALFORMED_XML' }, body);
  }
});
