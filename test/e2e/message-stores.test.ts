/**
 * `<store>` into an in-memory `<messageStore>`, and the processors that take messages out, in a real
 * gateway against real SOAP backends on loopback: a forwarding processor delivers in order and retries
 * a failing backend; one that gives up deactivates (or drops, with max.delivery.drop); a sampling
 * processor hands messages to its sequence; a full store answers a fault; a reload keeps the stored
 * messages. Processor intervals are 50-100 ms, so nothing waits long.
 */
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { configDir, definitions, post, soap11, startGateway, until } from '../helpers/gateway.ts';
import { deadUrl, startSoapBackend } from '../mediators/soap-backend.ts';
import { type InMemoryMessageStore } from '../../src/mediators/message-store.ts';
import { type Gateway } from '../../src/server/gateway.ts';

const sizeOf = (gw: Gateway, store: string): number => (gw.current.stores.get(store) as InMemoryMessageStore).size;

const FORWARDER = 'org.apache.synapse.message.processor.impl.forwarder.ScheduledMessageForwardingProcessor';
const SAMPLER = 'org.apache.synapse.message.processor.impl.sampler.SamplingProcessor';
const order = (n: number): string => soap11(`<o:order xmlns:o="urn:o"><o:n>${n}</o:n></o:order>`);
const numberOf = (body: string): string => /<o:n>(\d+)<\/o:n>/.exec(body)?.[1] ?? '?';

/** A proxy that stores what it gets and answers 202. */
const storingProxy = (store: string): string => `<proxy name="In"><target><inSequence>
  <property name="FORCE_SC_ACCEPTED" value="true" scope="axis2"/>
  <store messageStore="${store}"/>
</inSequence></target></proxy>`;

const forwarder = (endpoint: string, params: string, active = true): string =>
  `<messageProcessor name="Fwd" class="${FORWARDER}" messageStore="S" targetEndpoint="${endpoint}">
    <parameter name="interval">50</parameter><parameter name="client.retry.interval">50</parameter>
    <parameter name="is.active">${active}</parameter>${params}
  </messageProcessor>`;

test('a forwarding processor delivers the stored messages in order, retrying a failing backend; a reload keeps the stored messages', async (t) => {
  let calls = 0;
  const backend = await startSoapBackend((r) => (++calls <= 2 ? { status: 500, body: r.body } : { body: r.body }));
  const config = (active: boolean): string =>
    definitions(`<messageStore name="S"/>
      <endpoint name="Backend"><address uri="${backend.url}"/></endpoint>
      ${storingProxy('S')}
      ${forwarder('Backend', '<parameter name="max.delivery.attempts">4</parameter>', active)}`);
  const dir = await configDir({ 'synapse.xml': config(false) });
  const gw = await startGateway(dir);
  try {
    for (const n of [1, 2, 3]) t.is((await post(`${gw.url}/services/In`, order(n))).status, 202);
    t.is(backend.received.length, 0, 'an inactive processor sends nothing');
    // the reload keeps the store's three messages; the new processor is active
    await writeFile(path.join(dir, 'synapse.xml'), config(true));
    await gw.reload();
    await until(() => backend.received.length >= 5);
    t.deepEqual(backend.received.map((r) => numberOf(r.body)), ['1', '1', '1', '2', '3'], 'the first message tried three times, then the others in order');
    await until(() => sizeOf(gw, 'S') === 0);
    t.is(gw.processorState('Fwd')?.delivered, 3);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('a forwarding processor that gives up deactivates and keeps the message; with max.delivery.drop=Enabled it drops it and goes on', async (t) => {
  const dead = await deadUrl();
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'synapse.xml': definitions(`<messageStore name="S"/><messageStore name="D"/>
      <endpoint name="Dead"><address uri="${dead}"><suspendOnFailure><initialDuration>0</initialDuration></suspendOnFailure></address></endpoint>
      <endpoint name="Backend"><address uri="${backend.url}"/></endpoint>
      <sequence name="failed"><property name="X-Failed" scope="transport" expression="get-property('ERROR_CODE')"/><send><endpoint key="Backend"/></send></sequence>
      ${storingProxy('S')}
      <proxy name="InD"><target><inSequence><property name="FORCE_SC_ACCEPTED" value="true" scope="axis2"/><store messageStore="D"/></inSequence></target></proxy>
      ${forwarder('Dead', '<parameter name="max.delivery.attempts">2</parameter>')}
      <messageProcessor name="Drop" class="${FORWARDER}" messageStore="D" targetEndpoint="Dead">
        <parameter name="interval">50</parameter><parameter name="client.retry.interval">50</parameter>
        <parameter name="max.delivery.attempts">2</parameter><parameter name="max.delivery.drop">Enabled</parameter>
        <parameter name="message.processor.fault.sequence">failed</parameter>
      </messageProcessor>`),
  });
  try {
    t.is((await post(`${gw.url}/services/In`, order(1))).status, 202);
    await until(() => gw.processorState('Fwd')?.active === false);
    t.is(sizeOf(gw, 'S'), 1, 'the message stays in its store');

    for (const n of [7, 8]) t.is((await post(`${gw.url}/services/InD`, order(n))).status, 202);
    await until(() => backend.received.length >= 2);
    t.deepEqual(backend.received.map((r) => numberOf(r.body)), ['7', '8'], 'each went to the fault sequence, in order');
    t.truthy(backend.received[0]!.headers['x-failed']);
    await until(() => sizeOf(gw, 'D') === 0);
    t.true(gw.processorState('Drop')!.active);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('a sampling processor hands stored messages to its sequence, concurrency at a time', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'synapse.xml': definitions(`<messageStore name="S"/>
      <sequence name="deliver"><property name="X-Sampled" scope="transport" value="yes"/><send><endpoint><address uri="${backend.url}"/></endpoint></send></sequence>
      ${storingProxy('S')}
      <messageProcessor name="Sampler" class="${SAMPLER}" messageStore="S">
        <parameter name="interval">100</parameter><parameter name="concurrency">2</parameter><parameter name="sequence">deliver</parameter>
      </messageProcessor>`),
  });
  try {
    for (const n of [1, 2, 3]) t.is((await post(`${gw.url}/services/In`, order(n))).status, 202);
    await until(() => backend.received.length >= 3);
    t.deepEqual(backend.received.map((r) => numberOf(r.body)).sort(), ['1', '2', '3']);
    t.is(backend.received[0]!.headers['x-sampled'], 'yes');
    t.is(sizeOf(gw, 'S'), 0);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('a full store answers MOOR_ERR_STORE_FULL (503) and keeps nothing more', async (t) => {
  const gw = await startGateway({
    'synapse.xml': definitions(`<messageStore name="S" xmlns:moor="urn:moor:config" moor:maxMessages="2"/>
      <endpoint name="Backend"><address uri="http://127.0.0.1:9/"/></endpoint>
      ${storingProxy('S')}
      ${forwarder('Backend', '', false)}`),
  });
  try {
    t.is((await post(`${gw.url}/services/In`, order(1))).status, 202);
    t.is((await post(`${gw.url}/services/In`, order(2))).status, 202);
    const full = await post(`${gw.url}/services/In`, order(3));
    t.is(full.status, 503);
    t.regex(full.text, /message store "S" is full/);
    t.is(full.headers['x-moor-error'], 'MOOR_ERR_STORE_FULL');
    t.is(sizeOf(gw, 'S'), 2);
  } finally {
    await gw.close();
  }
});

test("without targetEndpoint, each message's target.endpoint property names the endpoint (Apache Synapse's samples 702, 705)", async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'synapse.xml': definitions(`<messageStore name="S"/>
      <endpoint name="StockQuoteServiceEp"><address uri="${backend.url}"/></endpoint>
      <proxy name="In"><target><inSequence>
        <property name="FORCE_SC_ACCEPTED" value="true" scope="axis2"/>
        <property name="target.endpoint" value="StockQuoteServiceEp"/>
        <store messageStore="S"/>
      </inSequence></target></proxy>
      <messageProcessor class="org.apache.synapse.message.processors.forward.ScheduledMessageForwardingProcessor" name="ScheduledProcessor" messageStore="S">
        <parameter name="interval">50</parameter><parameter name="max.deliver.attempts">3</parameter><parameter name="max.deliver.drop">true</parameter>
      </messageProcessor>`),
  });
  try {
    t.is((await post(`${gw.url}/services/In`, order(5))).status, 202);
    await until(() => backend.received.length >= 1);
    t.is(numberOf(backend.received[0]!.body), '5');
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('a reload while a delivery is in flight: the new processor waits for the old one, and the message is delivered once', async (t) => {
  // (the backend answers after 300 ms: the reload lands while the first delivery waits for it)
  const backend = await startSoapBackend(async (r) => {
    await new Promise((res) => setTimeout(res, 300));
    return { body: r.body };
  });
  const dir = await configDir({
    'synapse.xml': definitions(`<messageStore name="S"/>
      <endpoint name="Backend"><address uri="${backend.url}"/></endpoint>
      ${storingProxy('S')}
      ${forwarder('Backend', '')}`),
  });
  const gw = await startGateway(dir);
  try {
    t.is((await post(`${gw.url}/services/In`, order(1))).status, 202);
    await until(() => backend.received.length >= 1);
    await gw.reload();
    await until(() => sizeOf(gw, 'S') === 0);
    // two more rounds of the new processor (50 ms each) find nothing to send again
    await new Promise((res) => setTimeout(res, 200));
    t.deepEqual(backend.received.map((r) => numberOf(r.body)), ['1']);
  } finally {
    await gw.close();
    await backend.close();
  }
});
