/** What a SOAP message sends to a REST peer when its messageType is not SOAP: the Body's first child. */
import test from 'ava';
import { restPayload } from '../../src/message/rest-payload.ts';
import { parseTrustedDom } from '../../src/xml/dom.ts';
import { contextOf } from '../fixtures/messages.ts';

test('the Body’s first child, written out as xmldom writes it (with the declarations it inherits)', async (t) => {
  const xml =
    '<?xml version="1.0"?>\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:o="urn:o"><s:Body>\n' +
    '<o:Order xmlns="urn:d" n="a&#10;b"><item>1 &amp; 2</item><o:note><![CDATA[<x>]]></o:note></o:Order></s:Body></s:Envelope>';
  const msg = contextOf(xml);
  msg.axis2.set('messageType', 'application/xml');
  const payload = (await restPayload(msg))!.toString('utf8');
  const doc = parseTrustedDom(xml);
  const order = doc.getElementsByTagNameNS('urn:o', 'Order')[0]!;
  t.is(payload, String(order));
  t.is(payload, '<o:Order xmlns="urn:d" n="a&#10;b" xmlns:o="urn:o"><item>1 &amp; 2</item><o:note><![CDATA[<x>]]></o:note></o:Order>');
});
