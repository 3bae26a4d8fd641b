import test from 'ava';
import { SERVICE_GROUP_ID, soapServiceGroup } from '../../src/dispatch/soap-service-group.ts';
import { NS } from '../../src/xml/names.ts';
import { CORPUS_DIRS, corpusFile } from '../fixtures/corpus.ts';
import { contextOf } from '../fixtures/messages.ts';

const S11 = `xmlns:soapenv="${NS.soap11}"`;

/** What an Axis2 soapsession service answers: the id as a reference parameter of ReplyTo. */
function response(wsa: string, id: string, where = 'ReplyTo'): string {
  return (
    `<soapenv:Envelope ${S11} xmlns:wsa="${wsa}"><soapenv:Header>` +
    `<wsa:${where}><wsa:Address>${wsa}/anonymous</wsa:Address><wsa:ReferenceParameters>` +
    `<axis2:ServiceGroupId xmlns:axis2="${NS.axis2}">${id}</axis2:ServiceGroupId>` +
    `</wsa:ReferenceParameters></wsa:${where}><wsa:Action>urn:addResponse</wsa:Action>` +
    `</soapenv:Header><soapenv:Body><r/></soapenv:Body></soapenv:Envelope>`
  );
}

/** What the client sends back: the reference parameter as a header block. */
function request(wsa: string, id: string, prefix = 'axis2'): string {
  return (
    `<soapenv:Envelope ${S11} xmlns:wsa="${wsa}"><soapenv:Header><wsa:To>http://svc</wsa:To>` +
    `<${prefix}:ServiceGroupId xmlns:${prefix}="${NS.axis2}" wsa:IsReferenceParameter="true">${id}</${prefix}:ServiceGroupId>` +
    `</soapenv:Header><soapenv:Body><q/></soapenv:Body></soapenv:Envelope>`
  );
}

for (const [set, wsa] of [
  ['2005/08', NS.wsa],
  ['2004/08 submission', NS.wsaSubmission],
] as const) {
  test(`WS-Addressing ${set}: the response's ReplyTo creates the session, the request's header block names it`, async (t) => {
    const d = soapServiceGroup();
    t.is(d.initiator, 'server');
    t.deepEqual(SERVICE_GROUP_ID, { uri: 'http://ws.apache.org/namespaces/axis2', local: 'ServiceGroupId' }, 'Axis2’s own name by default');
    t.is(await d.keyOfResponse!(contextOf(response(wsa, '  urn:uuid:SG-1\n', 'ReplyTo'), {}, 'response')), 'urn:uuid:SG-1');
    t.is(await d.keyOfRequest(contextOf(request(wsa, 'urn:uuid:SG-1'))), 'urn:uuid:SG-1');
    t.is(await d.keyOfRequest(contextOf(request(wsa, 'urn:uuid:SG-1', 'sg'))), 'urn:uuid:SG-1', 'whatever the prefix');
  });
}

test('only ReplyTo creates a session; an id elsewhere, empty, or in another namespace does not', async (t) => {
  const d = soapServiceGroup();
  t.is(await d.keyOfResponse!(contextOf(response(NS.wsa, 'SG', 'FaultTo'), {}, 'response')), undefined);
  t.is(await d.keyOfResponse!(contextOf(response(NS.wsa, '  ', 'ReplyTo'), {}, 'response')), undefined);
  t.is(await d.keyOfResponse!(contextOf(response('urn:not-wsa', 'SG', 'ReplyTo'), {}, 'response')), undefined);
  t.is(await d.keyOfRequest(contextOf(request(NS.wsa, 'SG').replaceAll(NS.axis2, 'urn:axis1'))), undefined);
  t.is(await d.keyOfRequest(contextOf(`<soapenv:Envelope ${S11}><soapenv:Body/></soapenv:Envelope>`)), undefined);
});

test('a custom referenceParameter QName: the WS-Addressing corpus messages carry fabrikam:CustomerKey and axis2:ParamOne', async (t) => {
  for (const set of ['final', 'submission']) {
    const bytes = await corpusFile(`${CORPUS_DIRS.addressing}/valid-messages/${set}/soapmessage.xml`);
    const customer = soapServiceGroup({ uri: 'http://example.com/fabrikam', local: 'CustomerKey' });
    t.is(await customer.keyOfResponse!(contextOf(bytes, {}, 'response')), '123456789', set);
    t.is(customer.description, 'soap reference parameter {http://example.com/fabrikam}CustomerKey');
    t.is(await soapServiceGroup().keyOfResponse!(contextOf(bytes, {}, 'response')), undefined, `${set}: no ServiceGroupId there`);
  }
  const final = await corpusFile(`${CORPUS_DIRS.addressing}/valid-messages/final/soapmessage.xml`);
  t.is(await soapServiceGroup({ uri: NS.axis2, local: 'ParamTwo' }).keyOfRequest(contextOf(final)), 'ABCDEFG');
});

test('SOAP 1.2 envelopes work the same', async (t) => {
  const to12 = (xml: string): string => xml.replace(NS.soap11, NS.soap12);
  const d = soapServiceGroup();
  t.is(await d.keyOfResponse!(contextOf(to12(response(NS.wsa, 'SG12')), {}, 'response')), 'SG12');
  t.is(await d.keyOfRequest(contextOf(to12(request(NS.wsa, 'SG12')))), 'SG12');
});
