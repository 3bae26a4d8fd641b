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
