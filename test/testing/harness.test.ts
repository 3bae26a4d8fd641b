/**
 * moor/testing's harness as a test author uses it: a configuration run in-process on sample envelopes,
 * endpoints replaced by mocks, a virtual clock; the result tells what each endpoint received, what the
 * client got, properties, logs, branches and the session.
 */
import net from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { createHarness, type EndpointCall, runProxy, runSequence, xpathValue } from '../../src/testing/index.ts';
import { MoorError } from '../../src/errors.ts';
import { configDir, definitions, soap11, soap12 } from '../helpers/gateway.ts';

const CART = 'xmlns:c="urn:moor:demo:cart"';
const addItem = (item: string): string => `<c:AddItem ${CART}><c:item>${item}</c:item></c:AddItem>`;
const answer = (text: string): string => soap11(`<c:CartResponse ${CART}><c:items>${text}</c:items></c:CartResponse>`);

/** Two backends behind a group with cookie sessions, a proxy that logs and sends. */
const GROUP = definitions(`
  <endpoint name="Nodes">
    <session type="http"><sessionTimeout>60000</sessionTimeout></session>
    <loadbalance>
      <endpoint name="n1"><address uri="http://127.0.0.1:1/n1"><suspendOnFailure><initialDuration>5000</initialDuration></suspendOnFailure></address></endpoint>
      <endpoint name="n2"><address uri="http://127.0.0.1:1/n2"/></endpoint>
    </loadbalance>
  </endpoint>
  <proxy name="Cart">
    <target>
      <inSequence>
        <property name="client" expression="$trp:X-Client"/>
        <log level="custom"><property name="client" expression="$ctx:client"/></log>
        <send><endpoint key="Nodes"/></send>
      </inSequence>
      <outSequence><property name="answered" value="yes"/><send/></outSequence>
    </target>
  </proxy>`);

test('a proxy run records what the endpoint received and what the client got', async (t) => {
  const dir = await configDir({ 'cart.xml': GROUP });
  const h = await createHarness(dir, { mocks: { n1: { envelope: answer('apple'), headers: { 'set-cookie': 'JSESSIONID=s1; Path=/', 'x-backend': 'n1' } } } });
  t.teardown(() => h.close());
  const r = await h.runProxy('Cart', { envelope: addItem('apple'), headers: { 'X-Client': 'alice' }, soapAction: 'urn:moor:demo:cart/AddItem' });

  t.is(r.calls.length, 1);
  const call = r.calls[0]!;
  t.is(call.endpoint, 'n1');
  t.deepEqual(call.names, ['n1', 'Nodes', 'http://127.0.0.1:1/n1']);
  t.is(call.url, 'http://127.0.0.1:1/n1');
  t.is(call.headers['x-client'], 'alice', 'transport headers go on to the backend');
  t.is(call.headers['soapaction'], '"urn:moor:demo:cart/AddItem"');
  t.is(xpathValue(call.envelope, '$body/*/c:item', { c: 'urn:moor:demo:cart' }), 'apple', 'a payload that is not an Envelope is sent wrapped in one');
  t.deepEqual(r.received('Nodes'), [call], 'received() matches any name of the endpoint');

  t.is(r.response.status, 200);
  t.is(r.response.headers['x-backend'], 'n1');
  t.is(xpathValue(r.response.envelope, '//c:items', { c: 'urn:moor:demo:cart' }), 'apple');
  t.deepEqual(r.properties.default, { client: 'alice', answered: 'yes' });
  t.is(r.properties.axis2.ENDPOINT, 'n1@http://127.0.0.1:1/n1');
  t.deepEqual(r.trace, ['inSequence', 'outSequence']);
  t.deepEqual(r.session, { key: 's1', endpoint: 'n1@http://127.0.0.1:1/n1', outcome: 'new' });
  t.deepEqual(
    r.logs.map((l) => [l.level, l.component, l.message]),
    [['info', 'log', 'client = alice']],
  );
  t.regex(r.logs[0]!.text, /^INFO \[log\] client = alice msg=msg-1$/);
  t.is(r.error, undefined);
});

test('the messages of a session stay on their endpoint until the binding expires on the virtual clock', async (t) => {
  const dir = await configDir({ 'cart.xml': GROUP });
  const h = await createHarness(dir, {
    mocks: {
      n1: { envelope: answer('n1'), headers: { 'set-cookie': 'JSESSIONID=s1' } },
      n2: { envelope: answer('n2'), headers: { 'set-cookie': 'JSESSIONID=s2' } },
    },
  });
  t.teardown(() => h.close());
  await h.runProxy('Cart', { envelope: addItem('a') });
  for (let i = 0; i < 3; i++) {
    const r = await h.runProxy('Cart', { envelope: addItem('b'), headers: { cookie: 'JSESSIONID=s1' } });
    t.is(r.calls[0]!.endpoint, 'n1');
    t.is(r.session?.outcome, 'bound');
  }
  h.clock.advance(60_001);
  const late = await h.runProxy('Cart', { envelope: addItem('c'), headers: { cookie: 'JSESSIONID=s1' } });
  t.is(late.calls[0]!.endpoint, 'n2', 'an expired session is routed as new (round robin moved on)');
});

test('an unmocked endpoint is an error that names it, even when a fault sequence would answer', async (t) => {
  const dir = await configDir({
    'cart.xml': GROUP,
    'fault.xml': definitions('<sequence name="fault"><makefault><code value="soap11Env:Server" xmlns:soap11Env="http://schemas.xmlsoap.org/soap/envelope/"/><reason value="oops"/></makefault><send/></sequence>'),
  });
  const h = await createHarness(dir, { mocks: { n2: answer('x') } });
  t.teardown(() => h.close());
  const e = await t.throwsAsync(h.runProxy('Cart', { envelope: addItem('a') }), { instanceOf: MoorError });
  t.is(e?.code, 'MOOR_ERR_UNMOCKED_ENDPOINT');
  t.regex(e!.message, /endpoint n1 \(n1@http:\/\/127\.0\.0\.1:1\/n1\) has no mock; mock it by one of: n1, Nodes, http:\/\/127\.0\.0\.1:1\/n1/);
});

test('mocks match by name, then group, then URI; a run\'s mocks come before the harness\'s', async (t) => {
  const dir = await configDir({
    'c.xml': definitions(`
      <sequence name="byUri"><send><endpoint><address uri="http://backend.test/plain"/></endpoint></send></sequence>
      <sequence name="byGroup"><send><endpoint key="Nodes"/></send></sequence>
      <endpoint name="Nodes"><failover><endpoint name="f1"><address uri="http://backend.test/f1"/></endpoint></failover></endpoint>`),
  });
  const h = await createHarness(dir, { mocks: { Nodes: answer('group'), 'http://backend.test/plain': answer('uri') } });
  t.teardown(() => h.close());
  const items = (r: { response: { envelope: string } }): string => xpathValue(r.response.envelope, '//c:items', { c: 'urn:moor:demo:cart' });
  t.is(items(await h.runSequence('byUri', { envelope: addItem('a') })), 'uri');
  t.is(items(await h.runSequence('byGroup', { envelope: addItem('a') })), 'group');
  t.is(items(await h.runSequence('byGroup', { envelope: addItem('a'), mocks: { f1: answer('own name') } })), 'own name');
  t.is(items(await h.runSequence('byGroup', { envelope: addItem('a'), mocks: { Nodes: answer('run') } })), 'run', 'a run mock wins over the harness mock of the same name');
});

test('a mock can be a list of successive replies or a function of the request', async (t) => {
  const dir = await configDir({ 'c.xml': definitions('<sequence name="s"><send><endpoint name="B"><address uri="http://backend.test/b"/></endpoint></send></sequence>') });
  const seen: EndpointCall[] = [];
  const h = await createHarness(dir, { mocks: { B: [answer('first'), { status: 503, envelope: answer('second') }] } });
  t.teardown(() => h.close());
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await h.runSequence('s', { envelope: addItem(`${i}`) })).response.status);
  t.deepEqual(statuses, [200, 503, 503], 'the last reply repeats');

  const r = await h.runSequence('s', {
    envelope: addItem('pear'),
    mocks: {
      B: (req) => {
        seen.push(req);
        return answer(`echo ${xpathValue(req.envelope, '//c:item', { c: 'urn:moor:demo:cart' })}`);
      },
    },
  });
  t.is(seen.length, 1);
  t.is(seen[0]!.index, 0);
  t.regex(r.response.envelope, /echo pear/);
});

test('envelopes and mock replies can be files; SOAP 1.2 gets its own content type', async (t) => {
  const dir = await configDir({ 'c.xml': definitions('<sequence name="s"><send><endpoint name="B"><address uri="http://backend.test/b"/></endpoint></send></sequence>') });
  await writeFile(path.join(dir, 'request.xml'), soap12(addItem('file')));
  await writeFile(path.join(dir, 'reply.xml'), soap12('<ok/>'));
  const r = await runSequence(dir, 's', { envelope: 'request.xml', mocks: { B: 'reply.xml' } }, { baseDir: dir });
  t.regex(r.calls[0]!.headers['content-type'] as string, /^application\/soap\+xml/);
  t.regex(r.calls[0]!.envelope, /<c:item>file<\/c:item>/);
  t.regex(r.response.headers['content-type'] as string, /^application\/soap\+xml/);
  t.regex(r.response.envelope, /<ok\/>/);
  await t.throwsAsync(runSequence(dir, 's', { envelope: 'missing.xml', mocks: { B: 'reply.xml' } }, { baseDir: dir }), { message: /cannot read the envelope file .*missing\.xml/ });
});

test('a delay passes on the virtual clock; one longer than the timeout is a timeout fault', async (t) => {
  const dir = await configDir({
    'c.xml': definitions('<sequence name="s"><send><endpoint name="B"><address uri="http://backend.test/b"><timeout><duration>2000</duration></timeout></address></endpoint></send></sequence>'),
  });
  const h = await createHarness(dir);
  t.teardown(() => h.close());
  const started = Date.now();
  const slow = await h.runSequence('s', { envelope: addItem('a'), mocks: { B: { envelope: answer('late'), delayMs: 1500 } } });
  t.is(slow.response.status, 200);
  t.is(slow.elapsedMs, 1500);
  t.is(h.clock.now(), 1500);
  const tooSlow = await h.runSequence('s', { envelope: addItem('a'), mocks: { B: { envelope: answer('never'), delayMs: 10_000 } } });
  t.is(tooSlow.response.status, 500);
  t.is(tooSlow.response.headers['x-moor-error'], 'MOOR_ERR_ENDPOINT_TIMEOUT');
  t.regex(tooSlow.response.envelope, /endpoint B timed out/);
  t.is(tooSlow.elapsedMs, 2000, 'the virtual clock stops at the timeout');
  // real delays would take at least 1500 + 2000 ms; the virtual clock takes none of them
  t.true(Date.now() - started < 3500, 'the delays passed on the virtual clock, not in real time');
});

test('a failing endpoint is suspended on the injected clock: the group fails over until the suspension ends', async (t) => {
  const dir = await configDir({ 'cart.xml': GROUP });
  const h = await createHarness(dir, { mocks: { n1: { fail: 'unreachable' }, n2: answer('n2') } });
  t.teardown(() => h.close());
  const first = await h.runProxy('Cart', { envelope: addItem('a') });
  t.deepEqual(first.calls.map((c) => [c.endpoint, c.outcome]), [['n1', 'unreachable'], ['n2', 200]]);
  t.true(first.logs.some((l) => l.component === 'endpoint' && /n1@.* suspended/.test(l.message)));
  const second = await h.runProxy('Cart', { envelope: addItem('b') });
  t.deepEqual(second.calls.map((c) => c.endpoint), ['n2'], 'round robin: n2 has its turn');
  const third = await h.runProxy('Cart', { envelope: addItem('b') });
  t.deepEqual(third.calls.map((c) => c.endpoint), ['n2'], "n1's turn, but suspended n1 goes last");
  h.clock.advance(5000);
  const later = [];
  for (let i = 0; i < 2; i++) later.push(...(await h.runProxy('Cart', { envelope: addItem('c'), mocks: { n1: answer('n1 is back') } })).calls.map((c) => c.endpoint));
  t.deepEqual(later, ['n2', 'n1'], 'after initialDuration on the virtual clock, n1 takes its turn again');
});

test('a sequence runs as a proxy in sequence would; branches, errors and the fault sequence are traced', async (t) => {
  const dir = await configDir({
    'c.xml': definitions(`
      <sequence name="main"><in><log level="custom"><property name="where" value="main"/></log><respond/></in></sequence>
      <sequence name="enrich"><property name="seen" value="yes"/><sequence key="answer"/></sequence>
      <sequence name="answer" onError="handler"><property name="n" expression="$ctx:count" type="INTEGER"/><respond/></sequence>
      <sequence name="handler"><property name="handled" expression="get-property('ERROR_CODE')"/><respond/></sequence>`),
  });
  const h = await createHarness(dir);
  t.teardown(() => h.close());
  const main = await h.run({ envelope: addItem('a') });
  t.deepEqual(main.trace, ['main:in', 'in']);
  t.is(main.logs[0]!.message, 'where = main');
  t.regex(main.response.envelope, /<c:item>a<\/c:item>/, '<respond/> in the request path answers with the request');

  const ok = await h.runSequence('enrich', { envelope: addItem('a'), properties: { count: '3' } });
  t.deepEqual(ok.trace, ['sequence:enrich', 'sequence:answer']);
  t.deepEqual(ok.properties.default, { count: '3', seen: 'yes', n: 3 });

  const bad = await h.runSequence('enrich', { envelope: addItem('a'), properties: { count: 'three' } });
  t.deepEqual(bad.trace, ['sequence:enrich', 'sequence:answer', 'onError:handler']);
  t.is(bad.properties.default.handled, 'MOOR_ERR_MEDIATION');
});

test('an error nobody handles reaches the client as the fault the gateway would send, and is reported', async (t) => {
  const dir = await configDir({ 'c.xml': definitions('<sequence name="s"><property name="n" value="x" type="INTEGER"/></sequence>') });
  const r = await runSequence(dir, 's', { envelope: soap12(addItem('a')) });
  t.is(r.response.status, 500);
  t.is(r.response.headers['x-moor-error'], 'MOOR_ERR_MEDIATION');
  t.regex(r.response.envelope, /http:\/\/www\.w3\.org\/2003\/05\/soap-envelope/, 'in the request\'s SOAP version');
  t.regex(r.error?.message ?? '', /"x" is not a INTEGER/);
});

test('a message nobody answers gets the 202 the gateway would send; the request is there as mediation left it', async (t) => {
  const dir = await configDir({ 'c.xml': definitions('<sequence name="s"><property name="X-Trace" scope="transport" value="on"/><drop/></sequence>') });
  const r = await runSequence(dir, 's', { envelope: addItem('a') });
  t.is(r.response.status, 202);
  t.is(r.response.envelope, '');
  t.is(r.message.headers['x-trace'], 'on');
  t.regex(r.message.envelope, /<c:item>a<\/c:item>/);
});

test('unknown proxies and sequences are errors with a suggestion; invalid configurations list every problem', async (t) => {
  const dir = await configDir({ 'cart.xml': GROUP });
  const h = await createHarness(dir);
  t.teardown(() => h.close());
  await t.throwsAsync(h.runProxy('Crat', { envelope: addItem('a') }), { message: 'no proxy named "Crat" (did you mean "Cart"?)' });
  await t.throwsAsync(h.runSequence('nope', { envelope: addItem('a') }), { message: /no sequence named "nope"/ });
  const broken = await configDir({ 'c.xml': definitions('<sequence name="s"><lgo/></sequence>') });
  await t.throwsAsync(createHarness(broken), { message: /c\.xml:1:\d+ MOOR_ERR_UNKNOWN_MEDIATOR <lgo> is not a mediator \(did you mean "log"\?\)/ });
});

test('a sequence file can be loaded on its own, or with the files it needs', async (t) => {
  const dir = await configDir({
    'seq.xml': '<sequence xmlns="http://ws.apache.org/ns/synapse" name="s"><send><endpoint key="B"/></send></sequence>',
    'ep.xml': '<endpoint xmlns="http://ws.apache.org/ns/synapse" name="B"><address uri="http://backend.test/b"/></endpoint>',
  });
  const r = await runSequence([path.join(dir, 'seq.xml'), path.join(dir, 'ep.xml')], 's', { envelope: addItem('a'), mocks: { B: answer('ok') } });
  t.is(r.calls[0]!.endpoint, 'B');
  await t.throwsAsync(runSequence(path.join(dir, 'seq.xml'), 's', { envelope: addItem('a') }), { message: /no endpoint named "B"/ });
});

test('runs open no socket and may overlap, each with its own calls', async (t) => {
  const dir = await configDir({ 'cart.xml': GROUP });
  const h = await createHarness(dir, { mocks: { Nodes: (req) => ({ envelope: answer(req.envelope.includes('>x<') ? 'x' : 'y'), delayMs: 10 }) } });
  t.teardown(() => h.close());
  const connect = net.Socket.prototype.connect;
  let attempts = 0;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    attempts++;
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof connect;
  t.teardown(() => {
    net.Socket.prototype.connect = connect;
  });
  const [x, y] = await Promise.all([h.runProxy('Cart', { envelope: addItem('x') }), h.runProxy('Cart', { envelope: addItem('y') })]);
  t.is(attempts, 0);
  t.is(x.calls.length, 1);
  t.is(y.calls.length, 1);
  t.regex(x.response.envelope, />x</);
  t.regex(y.response.envelope, />y</);
});

test('runProxy loads, runs and releases in one call', async (t) => {
  const dir = await configDir({ 'cart.xml': GROUP });
  const r = await runProxy(dir, 'Cart', { envelope: addItem('a'), mocks: { Nodes: answer('one shot') } });
  t.is(r.response.status, 200);
  t.regex(r.response.envelope, /one shot/);
});

test('a Buffer is sent as it is, so a test can check how the gateway refuses what is not SOAP', async (t) => {
  const dir = await configDir({ 'c.xml': definitions('<sequence name="s"><respond/></sequence>') });
  const r = await runSequence(dir, 's', { envelope: Buffer.from('{"not":"soap"}'), headers: { 'content-type': 'text/xml' } });
  t.is(r.response.status, 500);
  t.regex(String(r.response.headers['x-moor-error']), /^MOOR_ERR_(NOT_ENVELOPE|MALFORMED_XML)$/);
  t.is(r.message.envelope, '{"not":"soap"}');
  const json = await runSequence(dir, 's', { envelope: Buffer.from('{}'), headers: { 'content-type': 'application/json' } });
  t.is(json.response.status, 415, 'a content type that is not SOAP is refused as the gateway refuses it');
  t.is(json.response.headers['x-moor-error'], 'MOOR_ERR_NOT_SOAP');
});

test('the branches filter and switch take are in the trace', async (t) => {
  const dir = await configDir({
    'c.xml': definitions(`
      <sequence name="s">
        <filter source="$trp:X-Tier" regex="gold"><then><property name="tier" value="gold"/></then><else><property name="tier" value="other"/></else></filter>
        <switch source="$body/*/c:item" xmlns:c="urn:moor:demo:cart">
          <case regex="apple"><property name="fruit" value="yes"/></case>
          <default><property name="fruit" value="no"/></default>
        </switch>
        <respond/>
      </sequence>`),
  });
  const h = await createHarness(dir);
  t.teardown(() => h.close());
  const gold = await h.runSequence('s', { envelope: addItem('apple'), headers: { 'x-tier': 'gold' } });
  t.deepEqual(gold.trace, ['sequence:s', 'filter:then', 'switch:case:apple']);
  t.deepEqual(gold.properties.default, { tier: 'gold', fruit: 'yes' });
  const plain = await h.runSequence('s', { envelope: addItem('pear') });
  t.deepEqual(plain.trace, ['sequence:s', 'filter:else', 'switch:default']);
});
