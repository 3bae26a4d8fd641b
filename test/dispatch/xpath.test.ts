import test from 'ava';
import { xpathDispatcher } from '../../src/dispatch/xpath.ts';
import { NS } from '../../src/xml/names.ts';
import { contextOf } from '../fixtures/messages.ts';

const ACME = new Map([['acme', 'urn:acme']]);

function envelope(header: string, body = '<op/>'): string {
  return `<soapenv:Envelope xmlns:soapenv="${NS.soap11}"><soapenv:Header>${header}</soapenv:Header><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
}

test('$header paths key on a nested header value, prefixes bound by the config, not by the message', async (t) => {
  const d = xpathDispatcher('$header/acme:Ctx/acme:Sid', ACME);
  t.is(d.initiator, 'client');
  t.is(d.description, 'xpath $header/acme:Ctx/acme:Sid');
  t.is(await d.keyOfRequest(contextOf(envelope(`<x:Ctx xmlns:x="urn:acme"><x:Sid> s-1 </x:Sid></x:Ctx>`))), 's-1');
  t.is(await d.keyOfRequest(contextOf(envelope(`<Ctx xmlns="urn:acme"><Sid>s-2</Sid></Ctx>`))), 's-2');
  t.is(await d.keyOfRequest(contextOf(envelope(`<x:Ctx xmlns:x="urn:other"><x:Sid>s-3</x:Sid></x:Ctx>`))), undefined);
  t.is(await d.keyOfRequest(contextOf(envelope(''))), undefined);
});

test('a $header expression never parses the body: a broken body does not stop it, $body does', async (t) => {
  const broken = envelope(`<acme:Sid xmlns:acme="urn:acme">s-4</acme:Sid>`, '<unclosed><also>');
  t.is(await xpathDispatcher('$header/acme:Sid', ACME).keyOfRequest(contextOf(broken, {}, 'request', { chunk: 16 })), 's-4');
  await t.throwsAsync(async () => xpathDispatcher('$body/acme:Account', ACME).keyOfRequest(contextOf(broken)), { code: 'MOOR_ERR_MALFORMED_XML' });
});

test('an expression on the body keys on the body when asked to', async (t) => {
  const d = xpathDispatcher('//acme:Account/@id', ACME);
  t.is(await d.keyOfRequest(contextOf(envelope('', `<a:Account xmlns:a="urn:acme" id="acc-9"/>`))), 'acc-9');
});

test('functions over header values and transport headers make keys too', async (t) => {
  const d = xpathDispatcher(`concat($header/acme:Tenant, '/', $trp:X-User)`, ACME);
  const msg = contextOf(envelope(`<acme:Tenant xmlns:acme="urn:acme">t1</acme:Tenant>`), { 'X-User': 'u7' });
  t.is(await d.keyOfRequest(msg), 't1/u7');
});

test('an expression with an undeclared prefix is refused when the dispatcher is built', (t) => {
  t.throws(() => xpathDispatcher('$header/nope:Sid', ACME), { code: 'MOOR_ERR_BAD_XPATH', message: /"nope"/ });
  t.throws(() => xpathDispatcher('$header/acme:Sid[', ACME), { code: 'MOOR_ERR_BAD_XPATH' });
});
