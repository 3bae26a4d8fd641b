/**
 * moor's active health checks (`<moor:healthCheck>`) against real loopback backends whose health
 * answer the test turns bad and good: a member is out before traffic finds it, a session bound to it
 * follows onFailure, and it is back when its probes pass. Also: a backend's state survives a reload.
 */
import { createServer, type Server } from 'node:http';
import test from 'ava';
import { type StateChange } from '../../src/endpoints/suspension.ts';
import { type Gateway } from '../../src/server/gateway.ts';
import { listenOnFreePort } from '../helpers/listen.ts';
import { definitions, elementText, post, soap11, startGateway } from '../helpers/gateway.ts';
import { deadUrl } from '../mediators/soap-backend.ts';

const MOOR = 'xmlns:moor="urn:moor:config"';

/** A SOAP backend named `name`: answers <instance>name</instance>; its health answer is settable. */
async function startBackend(name: string, port = 0): Promise<{ url: string; port: number; healthy: boolean; soapCalls: number; probes: number; close(): Promise<void> }> {
  const state = { healthy: true, soapCalls: 0, probes: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const probe = req.method === 'GET' || /<soapenv:Body\/>/.test(body);
      if (probe) {
        state.probes++;
        res.writeHead(state.healthy ? 200 : 503).end();
        return;
      }
      state.soapCalls++;
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(soap11(`<r:Answer xmlns:r="urn:r"><r:instance>${name}</r:instance></r:Answer>`));
    });
  });
  const listening = port ? await new Promise<{ port: number; close(): Promise<void> }>((resolve) => server.listen(port, '127.0.0.1', () => resolve({ port, close: () => new Promise<void>((r) => server.close(() => r())) }))) : await listenOnFreePort(server);
  return Object.assign(state, {
    url: `http://127.0.0.1:${listening.port}/services/S`,
    port: listening.port,
    close: () => {
      server.closeAllConnections();
      return listening.close();
    },
  });
}

/** Resolves at the first state change of the gateway's endpoints that `match` accepts. */
function nextChange(gw: Gateway, match: (c: StateChange) => boolean): Promise<StateChange> {
  return new Promise((resolve) => {
    const stop = gw.current.endpoints.events.subscribe((c) => {
      if (match(c)) {
        stop();
        resolve(c);
      }
    });
  });
}

const client = (id: string): string => soap11('<r:Get xmlns:r="urn:r"/>', `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`);

function config(a: string, b: string, check: string, session = ''): string {
  return definitions(`
    <endpoint name="Cart" ${MOOR}>${session}${check}<loadbalance>
      <endpoint name="A"><address uri="${a}"/></endpoint>
      <endpoint name="B"><address uri="${b}"/></endpoint>
    </loadbalance></endpoint>
    <proxy name="P"><target><inSequence><send><endpoint key="Cart"/></send></inSequence><outSequence><send/></outSequence></target></proxy>`);
}

test('a member whose health check fails is out before traffic finds it, and back when its probes pass', async (t) => {
  const a = await startBackend('A');
  const b = await startBackend('B');
  b.healthy = false;
  const check = '<moor:healthCheck path="/health" interval="20" timeout="1000" unhealthyThreshold="2" healthyThreshold="2"/>';
  const gw = await startGateway({ 'p.xml': config(a.url, b.url, check) });
  t.teardown(async () => {
    await gw.close();
    await a.close();
    await b.close();
  });
  const out = await nextChange(gw, (c) => c.endpoint.startsWith('B@') && c.to === 'suspended');
  t.regex(out.reason, /^health check failed: HTTP 503 \(2 probes of GET \/health in a row failed\)$/);
  const served: string[] = [];
  for (let i = 0; i < 6; i++) served.push(elementText((await post(`${gw.url}/services/P`, soap11('<r:Get xmlns:r="urn:r"/>'))).text, 'instance')!);
  t.deepEqual(served, ['A', 'A', 'A', 'A', 'A', 'A'], 'every message went to the healthy member');
  t.is(b.soapCalls, 0, 'not one message reached the unhealthy member');

  const back = nextChange(gw, (c) => c.endpoint.startsWith('B@') && c.to === 'active');
  b.healthy = true;
  t.regex((await back).reason, /^health check passed: 2 probes of GET \/health in a row answered$/);
  const after = new Set<string>();
  for (let i = 0; i < 4; i++) after.add(elementText((await post(`${gw.url}/services/P`, soap11('<r:Get xmlns:r="urn:r"/>'))).text, 'instance')!);
  t.deepEqual([...after].sort(), ['A', 'B'], 'round robin includes it again');
});

test('a session bound to a member that its SOAP health check takes out follows onFailure to another member', async (t) => {
  const a = await startBackend('A');
  const b = await startBackend('B');
  const check = '<moor:healthCheck soapAction="urn:ping" interval="20" unhealthyThreshold="1" healthyThreshold="1"/>';
  const gw = await startGateway({ 'p.xml': config(a.url, b.url, check, '<session type="simpleClientSession"/>') });
  t.teardown(async () => {
    await gw.close();
    await a.close();
    await b.close();
  });
  // find a session that the gateway binds to B
  let onB = '';
  for (let i = 0; !onB; i++) {
    if (elementText((await post(`${gw.url}/services/P`, client(`c${i}`))).text, 'instance') === 'B') onB = `c${i}`;
  }
  t.is(elementText((await post(`${gw.url}/services/P`, client(onB))).text, 'instance'), 'B', 'the session is sticky');
  const out = nextChange(gw, (c) => c.endpoint.startsWith('B@') && c.to === 'suspended');
  b.healthy = false;
  t.regex((await out).reason, /HTTP 503 \(1 probes of SOAP action urn:ping in a row failed\)/);
  const calls = b.soapCalls;
  const moved = await post(`${gw.url}/services/P`, client(onB));
  t.is(moved.status, 200);
  t.is(elementText(moved.text, 'instance'), 'A', 'the session moved to the healthy member (onFailure: rebind)');
  t.is(elementText((await post(`${gw.url}/services/P`, client(onB))).text, 'instance'), 'A', 'and stays there');
  t.is(b.soapCalls, calls, 'the member taken out got nothing');
  t.true(b.probes > 0);
});

test('a suspended backend stays suspended across a reload of the same configuration', async (t) => {
  const a = await startBackend('A');
  const dead = await deadUrl();
  const port = Number(new URL(dead).port);
  const suspend = '<suspendOnFailure><initialDuration>600000</initialDuration></suspendOnFailure>';
  const file = definitions(`
    <endpoint name="Cart"><loadbalance>
      <endpoint name="A"><address uri="${a.url}"/></endpoint>
      <endpoint name="B"><address uri="http://127.0.0.1:${port}/services/S">${suspend}</address></endpoint>
    </loadbalance></endpoint>
    <proxy name="P"><target><inSequence><send><endpoint key="Cart"/></send></inSequence><outSequence><send/></outSequence></target></proxy>`);
  const gw = await startGateway({ 'p.xml': file });
  t.teardown(async () => {
    await gw.close();
    await a.close();
  });
  // round robin reaches B, which refuses: suspended, and the message fails over to A
  for (let i = 0; i < 2; i++) t.is(elementText((await post(`${gw.url}/services/P`, soap11('<r:Get xmlns:r="urn:r"/>'))).text, 'instance'), 'A');
  // B comes up on its port; it is still in its ten-minute suspension
  const b = await startBackend('B', port);
  t.teardown(() => b.close());
  await gw.reload();
  for (let i = 0; i < 4; i++) t.is(elementText((await post(`${gw.url}/services/P`, soap11('<r:Get xmlns:r="urn:r"/>'))).text, 'instance'), 'A');
  t.is(b.soapCalls, 0, 'the reload did not end the suspension');
  const status = gw.current.endpoints.statuses().find((s) => s.id.startsWith('B@'))!;
  t.is(status.state, 'suspended');
  t.regex(status.reason, /^101503 .*suspended for 600000 ms$/);
});
