/**
 * Sequence templates (`<template>`) run by `<call-template>`, by a real gateway against a real SOAP
 * backend on loopback: one template called twice with different parameters (a literal, and a `{…}`
 * expression evaluated in the caller's message), a defaultValue, `$func:p` and get-property('func', 'p'),
 * a template calling another, and the MI project layout's templates/ folder. Endpoint templates: two
 * endpoints from one template behind a <loadbalance> with sessions, to real Cart backends (each named on
 * the admin listener and drained by its name), and two in a <failover>, suspended each on its own.
 */
import test from 'ava';
import { startBackends } from '../helpers/backends.ts';
import { freePort } from '../helpers/redis.ts';
import { ADMIN, addItem, configDir, definitions, elementText, post, soap11, startGateway } from '../helpers/gateway.ts';
import { startSoapBackend } from '../mediators/soap-backend.ts';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';

/** Appends "<open>value]" to the X-Trail header the backend receives. */
const STAMP = `<template name="Stamp" ${SYN}>
  <parameter name="value" isMandatory="true"/>
  <parameter name="open" defaultValue="["/>
  <sequence>
    <property name="X-Trail" scope="transport" expression="concat($trp:X-Trail, get-property('func', 'open'), $func:value, ']')"/>
  </sequence>
</template>`;

test('a proxy calls one template twice, with a literal and with an expression; the parameters reach the backend', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'templates/Stamp.xml': STAMP,
    'synapse.xml': definitions(`
      <template name="Outer"><parameter name="v"/><sequence>
        <call-template target="Stamp"><with-param name="value" value="{concat('outer-', $func:v)}"/><with-param name="open" value="("/></call-template>
      </sequence></template>
      <proxy name="P"><target><inSequence>
        <call-template target="Stamp"><with-param name="value" value="literal"/></call-template>
        <call-template target="Stamp"><with-param xmlns:s="urn:s" name="value" value="{//s:Ping/@id}"/></call-template>
        <call-template target="Outer"><with-param name="v" value="{$trp:X-Caller}"/></call-template>
        <payloadFactory><format><s:Pong xmlns:s="urn:s">$1</s:Pong></format><args><arg expression="concat('[', $func:value, ']')"/></args></payloadFactory>
        <send><endpoint><address uri="${backend.url}"/></endpoint></send>
      </inSequence></target></proxy>`),
  });
  try {
    const res = await post(`${gw.url}/services/P`, soap11(`<s:Ping xmlns:s="urn:s" id="from-message"/>`), { 'content-type': 'text/xml; charset=utf-8', 'x-caller': 'ann' });
    t.is(res.status, 200, res.text);
    t.is(backend.received.length, 1);
    // the defaultValue "[" twice, then Outer's own "(" and its parameter inside the inner call's expression
    t.is(backend.received[0]!.headers['x-trail'], '[literal][from-message](outer-ann]');
    // outside a template, $func:value is empty
    t.regex(backend.received[0]!.body, /<s:Pong xmlns:s="urn:s">\[\]<\/s:Pong>/);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('an MI project with a templates/ folder starts and runs the template', async (t) => {
  const backend = await startSoapBackend();
  const ART = 'src/main/wso2mi/artifacts';
  const top = await configDir({
    [`${ART}/templates/Stamp.xml`]: `<?xml version="1.0" encoding="UTF-8"?>\n${STAMP}`,
    [`${ART}/proxy-services/P.xml`]: `<?xml version="1.0" encoding="UTF-8"?>
<proxy name="P" ${SYN}><target><inSequence>
  <call-template target="Stamp"><with-param name="value" value="mi"/><with-param name="open" value="&lt;"/></call-template>
  <send><endpoint><address uri="${backend.url}"/></endpoint></send>
</inSequence></target></proxy>`,
  });
  const gw = await startGateway(`${top}/${ART}`);
  try {
    const res = await post(`${gw.url}/services/P`, soap11(`<s:Ping xmlns:s="urn:s"/>`));
    t.is(res.status, 200, res.text);
    t.is(backend.received[0]!.headers['x-trail'], '<mi]');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('an MI project: two endpoints from one endpoint template, balanced with sessions, stick to their real backends; each is an endpoint of its own name', async (t) => {
  const backends = await startBackends(2);
  const ART = 'src/main/wso2mi/artifacts';
  const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
  const use = (name: string, url: string) =>
    xml(`<endpoint name="${name}" template="CartTemplate" uri="${url}" ${SYN}><parameter name="timeout" value="5000"/></endpoint>`);
  const top = await configDir({
    [`${ART}/templates/CartTemplate.xml`]: xml(`<template name="CartTemplate" ${SYN}>
  <parameter name="name"/><parameter name="uri"/><parameter name="timeout"/>
  <endpoint name="$name"><address uri="$uri"><timeout><duration>$timeout</duration><responseAction>fault</responseAction></timeout></address></endpoint>
</template>`),
    [`${ART}/endpoints/CartA.xml`]: use('CartA', backends[0]!.url),
    [`${ART}/endpoints/CartB.xml`]: use('CartB', backends[1]!.url),
    [`${ART}/endpoints/Carts.xml`]: xml(`<endpoint name="Carts" ${SYN}><session type="simpleClientSession"/><loadbalance><endpoint key="CartA"/><endpoint key="CartB"/></loadbalance></endpoint>`),
    [`${ART}/proxy-services/Cart.xml`]: xml(`<proxy name="Cart" ${SYN}><target><inSequence><send><endpoint key="Carts"/></send></inSequence><outSequence><send/></outSequence></target></proxy>`),
  });
  const gw = await startGateway(`${top}/${ART}`, ADMIN);
  t.teardown(async () => {
    await gw.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const headers = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
  const clientId = (id: string) => `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`;
  const add = async (client: string, item: string) => {
    const r = await post(`${gw.url}/services/Cart`, soap11(addItem(item), clientId(client)), headers);
    t.is(r.status, 200, r.text);
    return { instance: elementText(r.text, 'instance')!, count: elementText(r.text, 'count') };
  };
  const homes = new Map<string, string>();
  for (const client of ['ann', 'bob']) {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const r = await add(client, `${client}${i}`);
      seen.add(r.instance);
      if (i === 3) t.is(r.count, '4', 'the cart kept all four items: one backend held it');
    }
    t.is(seen.size, 1, `${client}'s messages all reached one backend`);
    homes.set(client, [...seen][0]!);
  }
  t.deepEqual([...homes.values()].sort(), ['cart1', 'cart2'], 'the two sessions went to the two endpoints made from the template');
  // each endpoint made from the template is one of its own name, with its own address, as the admin listener shows
  const health = (await (await fetch(`${gw.adminUrl!}/health`)).json()) as { endpoints: { id: string; state: string }[] };
  t.deepEqual(health.endpoints.map((e) => e.id).sort(), [`CartA@${backends[0]!.url}`, `CartB@${backends[1]!.url}`]);
  // drained by that name: ann's session stays where it is, new sessions all go to CartB
  t.is((await post(`${gw.adminUrl!}/endpoints/CartA/drain`, '', {})).status, 200);
  t.is((await add('ann', 'more')).instance, homes.get('ann')!);
  for (const client of ['cy', 'di', 'ed']) t.is((await add(client, 'x')).instance, 'cart2', `${client}'s new session avoids the drained CartA`);
});

test('endpoints from one template are suspended on their own: a refused one by its name, with the suspension its parameter gave', async (t) => {
  const backends = await startBackends(1);
  const gone = await freePort();
  const gw = await startGateway(
    {
      'synapse.xml': definitions(`
      <template name="Node"><parameter name="uri"/><parameter name="suspend"/>
        <endpoint name="$name"><address uri="$uri"><suspendOnFailure><initialDuration>$suspend</initialDuration><progressionFactor>1</progressionFactor></suspendOnFailure></address></endpoint>
      </template>
      <endpoint name="Down" template="Node" uri="http://127.0.0.1:${gone}/cart"><parameter name="suspend" value="600000"/></endpoint>
      <endpoint name="Up" template="Node" uri="${backends[0]!.url}"><parameter name="suspend" value="1000"/></endpoint>
      <proxy name="Cart"><target><inSequence><send><endpoint><failover><endpoint key="Down"/><endpoint key="Up"/></failover></endpoint></send></inSequence><outSequence><send/></outSequence></target></proxy>`),
    },
    ADMIN,
  );
  t.teardown(async () => {
    await gw.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const headers = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
  for (let i = 0; i < 2; i++) {
    const r = await post(`${gw.url}/services/Cart`, soap11(addItem(`x${i}`)), headers);
    t.is(r.status, 200, r.text);
    t.is(elementText(r.text, 'instance'), 'cart1');
  }
  const health = (await (await fetch(`${gw.adminUrl!}/health`)).json()) as { endpoints: { id: string; state: string; reason?: string }[] };
  const down = health.endpoints.find((e) => e.id.startsWith('Down@'));
  t.is(down?.state, 'suspended');
  t.regex(down?.reason ?? '', /suspended for 600000 ms/, 'the suspension the Down endpoint\'s parameter gave');
  t.is(health.endpoints.find((e) => e.id.startsWith('Up@'))?.state, 'active');
});
