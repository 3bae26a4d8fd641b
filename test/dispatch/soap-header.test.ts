import test from 'ava';
import { CLIENT_ID, clientId, soapHeader } from '../../src/dispatch/soap-header.ts';
import { NS } from '../../src/xml/names.ts';
import { contextOf } from '../fixtures/messages.ts';

function envelope(header: string, version: '1.1' | '1.2' = '1.1'): string {
  const ns = version === '1.1' ? NS.soap11 : NS.soap12;
  return `<e:Envelope xmlns:e="${ns}"><e:Header>${header}</e:Header><e:Body><op/></e:Body></e:Envelope>`;
}

test('clientId reads syn:ClientID, whatever the prefix, in SOAP 1.1 and 1.2', async (t) => {
  const d = clientId();
  t.is(d.initiator, 'client');
  t.is(d.keyOfResponse, undefined, 'the client creates the session: nothing to learn from responses');
  t.deepEqual(CLIENT_ID, { uri: NS.synapse, local: 'ClientID' });
  for (const header of [
    `<syn:ClientID xmlns:syn="${NS.synapse}">c-42</syn:ClientID>`,
    `<s:ClientID xmlns:s="${NS.synapse}">\n  c-42\n</s:ClientID>`,
    `<ClientID xmlns="${NS.synapse}">c-42</ClientID>`,
  ]) {
    t.is(await d.keyOfRequest(contextOf(envelope(header))), 'c-42', header);
    t.is(await d.keyOfRequest(contextOf(envelope(header, '1.2'))), 'c-42', header);
  }
});

test('no ClientID, an empty one, or one in another namespace names no session', async (t) => {
  const d = clientId();
  t.is(await d.keyOfRequest(contextOf(envelope(''))), undefined);
  t.is(await d.keyOfRequest(contextOf(envelope(`<syn:ClientID xmlns:syn="${NS.synapse}">  </syn:ClientID>`))), undefined);
  t.is(await d.keyOfRequest(contextOf(envelope(`<ClientID>c-1</ClientID>`))), undefined);
  t.is(await d.keyOfRequest(contextOf(`<e:Envelope xmlns:e="${NS.soap11}"><e:Body/></e:Envelope>`)), undefined);
});

test('soapHeader keys on any header block by its QName, not its prefix, and only on top-level blocks', async (t) => {
  const d = soapHeader({ uri: 'urn:acme:ctx', local: 'Tenant' });
  t.is(d.description, 'soap header {urn:acme:ctx}Tenant');
  t.is(await d.keyOfRequest(contextOf(envelope(`<a:Tenant xmlns:a="urn:acme:ctx">t-1</a:Tenant>`))), 't-1');
  t.is(await d.keyOfRequest(contextOf(envelope(`<_x-y.z:Tenant xmlns:_x-y.z="urn:acme:ctx">t-2</_x-y.z:Tenant>`))), 't-2');
  // the first of two blocks of the name holds
  t.is(await d.keyOfRequest(contextOf(envelope(`<a:Tenant xmlns:a="urn:acme:ctx">t-3</a:Tenant><b:Tenant xmlns:b="urn:acme:ctx">t-4</b:Tenant>`))), 't-3');
  // the name nested inside another block is not a header block
  t.is(await d.keyOfRequest(contextOf(envelope(`<w:Wrap xmlns:w="urn:w"><a:Tenant xmlns:a="urn:acme:ctx">t-5</a:Tenant></w:Wrap>`))), undefined);
  // the same local name in another namespace is another header
  t.is(await d.keyOfRequest(contextOf(envelope(`<a:Tenant xmlns:a="urn:acme:other">t-6</a:Tenant>`))), undefined);
});

test('a header with a character reference gives the decoded key', async (t) => {
  const d = soapHeader({ uri: 'urn:acme:ctx', local: 'Tenant' });
  t.is(await d.keyOfRequest(contextOf(envelope(`<a:Tenant xmlns:a="urn:acme:ctx">t&#45;7&amp;x</a:Tenant>`))), 't-7&x');
});
