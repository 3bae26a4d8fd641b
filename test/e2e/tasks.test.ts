/**
 * Scheduled tasks (`<task class="…MessageInjector">`) run by a real gateway against real SOAP backends on
 * loopback: injected into a named sequence every second (the backend counts what it receives, and the
 * count stops at count=), into a proxy, and into main with a `to` address that `<send/>` follows. A
 * reload replaces the tasks without a second timer; close stops them. Intervals are 1 s, the shortest
 * a trigger takes; each test waits only for the runs it counts. `moor start --workers 2` runs a task
 * once for the gateway (in worker 1), not once per worker.
 */
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { configDir, definitions, startGateway, until } from '../helpers/gateway.ts';
import { startMoor } from '../helpers/processes.ts';
import { startSoapBackend } from '../mediators/soap-backend.ts';

const INJECTOR = 'org.apache.synapse.startup.tasks.MessageInjector';
const quote = `<m0:getQuote xmlns:m0="http://services.samples"><m0:request><m0:symbol>IBM</m0:symbol></m0:request></m0:getQuote>`;

function task(props: string, trigger = '<trigger interval="1" count="3"/>', name = 'T'): string {
  return `<task name="${name}" class="${INJECTOR}" group="synapse.simple.quartz">${trigger}${props}<property name="message">${quote}</property></task>`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a task injects into a named sequence every second, count times, and the backend receives each run', async (t) => {
  const backend = await startSoapBackend();
  const started = performance.now();
  const gw = await startGateway({
    'synapse.xml': definitions(`
      ${task('<property name="soapAction" value="urn:getQuote"/><property name="format" value="soap11"/><property name="injectTo" value="sequence"/><property name="sequenceName" value="SampleSequence"/>')}
      <sequence name="SampleSequence">
        <property name="X-Run" scope="transport" value="task"/>
        <send receive="receivingSequence"><endpoint><address uri="${backend.url}"/></endpoint></send>
      </sequence>
      <sequence name="receivingSequence"><drop/></sequence>`),
  });
  try {
    await until(() => backend.received.length >= 3);
    const took = performance.now() - started;
    // first at start, then at 1 s and 2 s
    t.true(took >= 1900 && took < 4000, `three runs took ${took} ms`);
    t.is(gw.taskRuns('T'), 3);
    const first = backend.received[0]!;
    t.is(first.headers['soapaction'], '"urn:getQuote"');
    t.is(first.headers['x-run'], 'task');
    t.regex(String(first.headers['content-type']), /^text\/xml/);
    t.regex(first.body, /<soapenv:Envelope xmlns:soapenv="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/"><soapenv:Body><m0:getQuote xmlns:m0="http:\/\/services.samples"><m0:request><m0:symbol>IBM<\/m0:symbol>/);
  } finally {
    await gw.close();
    await backend.close();
  }
  t.is(backend.received.length, 3, 'count="3" ends the runs');
});

test('a cron trigger (Quartz, with seconds and ?) fires at its times, not at start, and each run reaches the backend', async (t) => {
  const at: number[] = [];
  const backend = await startSoapBackend((r) => {
    at.push(Date.now());
    return { body: r.body };
  });
  const started = Date.now();
  const gw = await startGateway({
    'synapse.xml': definitions(`
      ${task('<property name="injectTo" value="proxy"/><property name="proxyName" value="P"/><property name="format" value="soap11"/>', '<trigger cron="0/2 * * * * ?"/>')}
      <proxy name="P"><target><inSequence><send><endpoint><address uri="${backend.url}"/></endpoint></send></inSequence><outSequence><drop/></outSequence></target></proxy>`),
  });
  const ready = Date.now();
  try {
    await until(() => backend.received.length >= 2);
    // every even second of the wall clock: the first at the first even second after the scheduler
    // started, which was between `started` and `ready` (a loaded machine can take seconds to start it)
    const firstDue = Math.floor(started / 2000) * 2000 + 2000;
    t.true(at[0]! >= firstDue, `first run at ${at[0]! - started} ms, due at ${firstDue - started} ms at the soonest`);
    t.true(at[0]! % 2000 < 500, `first run ${at[0]! % 2000} ms after an even second`);
    t.true(at[0]! < Math.floor(ready / 2000) * 2000 + 2500, `first run ${at[0]! - ready} ms after the gateway was up: an even second was missed`);
    const gap = at[1]! - at[0]!;
    t.true(gap > 1500 && gap < 2500, `runs ${gap} ms apart`);
    t.regex(backend.received[0]!.body, /<m0:symbol>IBM<\/m0:symbol>/);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('injectTo="proxy" runs the proxy (SOAP 1.2 without format=, as WSO2); once="true" runs once', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'synapse.xml': definitions(`
      ${task('<property name="soapAction" value="urn:getQuote"/><property name="injectTo" value="proxy"/><property name="proxyName" value="SampleProxy"/>', '<trigger once="true"/>')}
      <proxy name="SampleProxy" transports="http"><target>
        <inSequence><property name="X-Via" scope="transport" value="proxy"/><send><endpoint><address uri="${backend.url}"/></endpoint></send></inSequence>
        <outSequence><drop/></outSequence>
      </target></proxy>`),
  });
  try {
    await until(() => backend.received.length >= 1);
    const r = backend.received[0]!;
    t.is(r.headers['x-via'], 'proxy');
    t.regex(String(r.headers['content-type']), /^application\/soap\+xml; charset=UTF-8; action="urn:getQuote"/);
    t.regex(r.body, /http:\/\/www.w3.org\/2003\/05\/soap-envelope/);
    t.is(gw.taskRuns('T'), 1);
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('by default a task injects into main, and <send/> follows its to address (sample 300)', async (t) => {
  const backend = await startSoapBackend();
  const gw = await startGateway({
    'synapse.xml': definitions(`
      ${task(`<property name="to" value="${backend.url}"/><property name="soapAction" value="urn:getQuote"/><property name="format" value="soap11"/>`, '<trigger interval="1" count="1"/>')}
      <sequence name="main"><in><send/></in><out><drop/></out></sequence>`),
  });
  try {
    await until(() => backend.received.length >= 1);
    const r = backend.received[0]!;
    t.is(r.path, '/services/Echo');
    t.regex(r.body, new RegExp(`<wsa:To xmlns:wsa="http://www.w3.org/2005/08/addressing">${backend.url}</wsa:To>`));
  } finally {
    await gw.close();
    await backend.close();
  }
});

test('a reload replaces the tasks: an unchanged task keeps its schedule (no second timer), a changed one starts again; close stops them', async (t) => {
  const backend = await startSoapBackend();
  const seq = `<sequence name="S"><send><endpoint><address uri="${backend.url}"/></endpoint></send></sequence>`;
  const dir = await configDir({ 'synapse.xml': definitions(`${task('<property name="injectTo" value="sequence"/><property name="sequenceName" value="S"/>', '<trigger interval="1"/>')}${seq}`) });
  const gw = await startGateway(dir);
  try {
    await until(() => backend.received.length >= 1);
    await gw.reload();
    await gw.reload();
    // the first run was at start: the next is due at 1 s, once, whatever the reloads
    await until(() => backend.received.length >= 2);
    await sleep(300);
    t.is(backend.received.length, 2, 'two reloads made no second timer');
    t.is(gw.taskRuns('T'), 2);

    // a changed task (another message) starts again: its first run is at once
    await writeFile(path.join(dir, 'synapse.xml'), definitions(`${task('<property name="injectTo" value="sequence"/><property name="sequenceName" value="S"/><property name="soapAction" value="urn:changed"/>', '<trigger interval="1"/>')}${seq}`));
    const reloaded = performance.now();
    await gw.reload();
    await until(() => backend.received.length >= 3);
    t.true(performance.now() - reloaded < 900, 'the changed task ran at once');
    t.is(backend.received[2]!.headers['soapaction'], '"urn:changed"');
    t.is(gw.taskRuns('T'), 1);
  } finally {
    await gw.close();
  }
  const after = backend.received.length;
  await sleep(1200);
  t.is(backend.received.length, after, 'no run after close');
  await backend.close();
});

test('moor start --workers 2 runs each task once for the gateway, not once per worker', async (t) => {
  const backend = await startSoapBackend();
  const dir = await configDir({
    'synapse.xml': definitions(`${task('<property name="injectTo" value="sequence"/><property name="sequenceName" value="S"/>', '<trigger interval="1" count="2"/>')}
      <sequence name="S"><send><endpoint><address uri="${backend.url}"/></endpoint></send></sequence>`),
  });
  const gw = await startMoor(dir, ['--workers', '2']);
  try {
    await until(() => backend.received.length >= 2);
    // (two workers each running it would have sent two at start, and four by now)
    await sleep(400);
    t.is(backend.received.length, 2, gw.output());
  } finally {
    await gw.stop('SIGTERM');
    await backend.close();
  }
});
