/**
 * `<wsdl>` endpoints end to end: a real gateway whose endpoints take their addresses from WSDLs (a file
 * beside the configuration, one fetched over http from a loopback server), in a load-balance group with
 * session affinity in front of real Cart backends; and one in a failover whose WSDL points at a closed
 * port, suspended as an address endpoint is.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import test from 'ava';
import { startBackends } from '../helpers/backends.ts';
import { ADMIN, addItem, definitions, elementText, post, soap11, startGateway } from '../helpers/gateway.ts';
import { freePort } from '../helpers/redis.ts';

/** The demo Cart WSDL with its SOAP 1.1 port's address replaced. */
async function cartWsdl(at: string): Promise<string> {
  return (await readFile('wsdl/Cart.wsdl', 'utf8')).replace(/(<soap:address location=")[^"]*/, `$1${at}`);
}

const HEADERS = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
const clientId = (id: string) => `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`;

test('two <wsdl> members of a <loadbalance> with simpleClientSession: each client sticks to the backend its WSDL names', async (t) => {
  const backends = await startBackends(2);
  // the second member's WSDL is served over http, as a backend's ?wsdl would be
  const served = await cartWsdl(backends[1]!.url);
  let fetched = 0;
  const wsdlServer = createServer((_req, res) => {
    fetched++;
    res.writeHead(200, { 'content-type': 'text/xml' }).end(served);
  });
  await new Promise<void>((r) => wsdlServer.listen(0, '127.0.0.1', r));
  const wsdlUrl = `http://127.0.0.1:${(wsdlServer.address() as { port: number }).port}/services/Cart?wsdl`;
  const gw = await startGateway(
    {
      'cart1.wsdl': await cartWsdl(backends[0]!.url),
      'synapse.xml': definitions(`
        <endpoint name="Carts"><session type="simpleClientSession"/><loadbalance>
          <endpoint name="CartA"><wsdl uri="file:cart1.wsdl" service="CartService" port="CartPort"/></endpoint>
          <endpoint name="CartB"><wsdl uri="${wsdlUrl}" service="CartService" port="CartPort"><timeout><duration>5000</duration></timeout></wsdl></endpoint>
        </loadbalance></endpoint>
        <proxy name="Cart"><target><inSequence><send><endpoint key="Carts"/></send></inSequence><outSequence><send/></outSequence></target></proxy>`),
    },
    ADMIN,
  );
  t.teardown(async () => {
    await gw.close();
    wsdlServer.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  t.is(fetched, 1, 'the WSDL was fetched once, when the configuration loaded');
  const add = async (client: string, item: string) => {
    const r = await post(`${gw.url}/services/Cart`, soap11(addItem(item), clientId(client)), HEADERS);
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
  t.deepEqual([...homes.values()].sort(), ['cart1', 'cart2'], 'the two sessions went to the two backends the WSDLs name');
  const health = (await (await fetch(`${gw.adminUrl!}/health`)).json()) as { endpoints: { id: string }[] };
  t.deepEqual(health.endpoints.map((e) => e.id).sort(), [`CartA@${backends[0]!.url}`, `CartB@${backends[1]!.url}`], 'each is an address endpoint of its name and the WSDL\'s address');
});

test('a <wsdl> endpoint whose WSDL names a closed port is suspended in a <failover>; the next member answers', async (t) => {
  const backends = await startBackends(1);
  const gone = await freePort();
  const gw = await startGateway(
    {
      'down.wsdl': await cartWsdl(`http://127.0.0.1:${gone}/services/Cart`),
      'up.wsdl': await cartWsdl(backends[0]!.url),
      'synapse.xml': definitions(`
        <proxy name="Cart"><target><inSequence><send><endpoint><failover>
          <endpoint name="Down"><wsdl uri="file:down.wsdl" service="CartService" port="CartPort"><suspendOnFailure><initialDuration>600000</initialDuration></suspendOnFailure></wsdl></endpoint>
          <endpoint name="Up"><wsdl uri="file:up.wsdl" service="CartService" port="CartPort"/></endpoint>
        </failover></endpoint></send></inSequence><outSequence><send/></outSequence></target></proxy>`),
    },
    ADMIN,
  );
  t.teardown(async () => {
    await gw.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  for (let i = 0; i < 3; i++) {
    const r = await post(`${gw.url}/services/Cart`, soap11(addItem(`x${i}`)), HEADERS);
    t.is(r.status, 200, r.text);
    t.is(elementText(r.text, 'instance'), 'cart1');
  }
  const health = (await (await fetch(`${gw.adminUrl!}/health`)).json()) as { endpoints: { id: string; state: string }[] };
  const state = Object.fromEntries(health.endpoints.map((e) => [e.id, e.state]));
  t.is(state[`Down@http://127.0.0.1:${gone}/services/Cart`], 'suspended');
  t.is(state[`Up@${backends[0]!.url}`], 'active');
});
