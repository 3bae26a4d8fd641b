/** Synapse expressions over real messages: the variables, the functions, and which need the body. */
import test from 'ava';
import { Expression } from '../../src/expr/expression.ts';
import { contextOf } from '../fixtures/messages.ts';

const ENV = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
  <s:Header><ax:ServiceGroupId xmlns:ax="http://ws.apache.org/namespaces/axis2">sg-7</ax:ServiceGroupId></s:Header>
  <s:Body><m:getQuote xmlns:m="urn:m"><m:symbol>IBM</m:symbol></m:getQuote></s:Body>
</s:Envelope>`;
const ns = (pairs: Record<string, string>) => new Map(Object.entries(pairs));

test('$body is the SOAP Body element, as in Synapse', async (t) => {
  const msg = contextOf(ENV);
  t.is(await new Expression('local-name($body)', ns({})).string(msg), 'Body');
  t.is(await new Expression('local-name($body/child::*[position()=1])', ns({})).string(msg), 'getQuote');
  t.is(await new Expression('$body/m:getQuote/m:symbol', ns({ m: 'urn:m' })).string(msg), 'IBM');
});

test('a user prefix named axis2 and the $axis2: scope live side by side', async (t) => {
  const msg = contextOf(ENV);
  msg.axis2.set('mode', 'fast');
  const e = new Expression("concat($header/axis2:ServiceGroupId, '/', $axis2:mode, '/', $ctx:missing)", ns({ axis2: 'http://ws.apache.org/namespaces/axis2' }));
  t.is(await e.string(msg), 'sg-7/fast/');
  t.false(e.needsBody, 'a header-only expression does not need the body');
  t.true(new Expression('$body/m:getQuote', ns({ m: 'urn:m' })).needsBody);
});

test('get-property reads the default scope, named scopes and well-known properties', async (t) => {
  const msg = contextOf(ENV, { soapaction: '"urn:getQuote"' });
  msg.properties.set('who', 'ann');
  t.is(await new Expression("get-property('who')", ns({})).string(msg), 'ann');
  t.is(await new Expression("get-property('transport', 'soapaction')", ns({})).string(msg), '"urn:getQuote"');
  t.is(await new Expression("get-property('SOAPAction')", ns({})).string(msg), 'urn:getQuote');
  t.is(await new Expression("get-property('MESSAGE_FORMAT')", ns({})).string(msg), 'soap11');
});

test('undeclared prefixes and syntax errors are refused when compiled', (t) => {
  t.throws(() => new Expression('$body/q:x', ns({})), { code: 'MOOR_ERR_BAD_XPATH', message: /"q"/ });
  t.throws(() => new Expression('$body/[', ns({})), { code: 'MOOR_ERR_BAD_XPATH' });
});
