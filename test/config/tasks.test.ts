/** `<task>` and `<taskManager>` as `moor validate` reads them: what loads, what is refused at file:line:col, what is warned about. */
import path from 'node:path';
import test from 'ava';
import { loadConfig } from '../../src/server/runtime.ts';
import { configDir } from '../helpers/gateway.ts';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';
const INJECTOR = 'org.apache.synapse.startup.tasks.MessageInjector';
const MSG = '<property name="message"><m:ping xmlns:m="urn:m"/></property>';

async function load(inner: string) {
  const dir = await configDir({ 'synapse.xml': `<definitions ${SYN}>\n${inner}\n<sequence name="main"><drop/></sequence><sequence name="S"><drop/></sequence></definitions>` });
  const { compiled, errors, warnings } = await loadConfig(dir);
  const at = (list: readonly { loc: { file: string; line: number; col: number }; code: string }[]) => list.map((e) => `${path.relative(dir, e.loc.file)}:${e.loc.line}:${e.loc.col} ${e.code}`);
  return { compiled, errors: at(errors), warnings: at(warnings), messages: errors.map((e) => e.message), warned: warnings.map((w) => w.message) };
}

test('a MessageInjector task loads: trigger, target, the envelope it injects; <taskManager> boilerplate is accepted', async (t) => {
  const { errors, warnings, compiled } = await load(`<taskManager provider="org.apache.synapse.startup.quartz.QuartzTaskManager"><parameter name="cachedproperties">false</parameter></taskManager>
<task name="T" class="${INJECTOR}" group="synapse.simple.quartz"><description>d</description>
  <trigger interval="5" count="2"/>
  <property xmlns:task="http://www.wso2.org/products/wso2commons/tasks" name="injectTo" value="sequence"/>
  <property name="sequenceName" value="S"/><property name="to" value="http://x/a&amp;b"/><property name="soapAction" value="urn:a"/>
  ${MSG}
</task>`);
  t.deepEqual(errors, []);
  t.deepEqual(warnings, []);
  const task = compiled.tasks[0]!;
  t.like(task.def, { name: 'T', intervalMs: 5000, count: 2, to: 'http://x/a&b', target: { kind: 'sequence', name: 'S' } });
  t.is(task.version, '1.1');
  t.is(task.headers.get('soapaction'), '"urn:a"');
  t.is(
    task.envelope,
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><wsa:To xmlns:wsa="http://www.w3.org/2005/08/addressing">http://x/a&amp;b</wsa:To></soapenv:Header><soapenv:Body><m:ping xmlns:m="urn:m"/></soapenv:Body></soapenv:Envelope>',
  );
});

test('count=-1 and no count run without end; once="true" runs once; registryKey takes the message from a local entry; soap12 sets the action in the content type', async (t) => {
  const { errors, compiled } = await load(`<localEntry key="msg"><m:fromEntry xmlns:m="urn:m"/></localEntry>
<task name="A" class="${INJECTOR}"><trigger interval="1" count="-1"/>${MSG}</task>
<task name="B" class="${INJECTOR}"><trigger interval="2"/>${MSG}</task>
<task name="C" class="${INJECTOR}"><trigger once="true"/><property name="registryKey" value="msg"/><property name="format" value="SOAP12"/><property name="soapAction" value="urn:c"/></task>`);
  t.deepEqual(errors, []);
  const [a, b, c] = compiled.tasks;
  t.is(a!.def.count, undefined);
  t.is(b!.def.count, undefined);
  t.is(b!.def.intervalMs, 2000);
  t.is(c!.def.count, 1);
  t.regex(c!.envelope, /<soapenv:Envelope xmlns:soapenv="http:\/\/www.w3.org\/2003\/05\/soap-envelope"><soapenv:Body><m:fromEntry xmlns:m="urn:m"\/><\/soapenv:Body>/);
  t.is(c!.headers.get('content-type'), 'application/soap+xml; charset=UTF-8; action="urn:c"');
});

test('refused at file:line:col: a cron form moor cannot schedule, another task class, no trigger, no message, an unknown property, pox, what names nothing', async (t) => {
  const { errors, messages } = await load(`<task name="Cron" class="${INJECTOR}">
  <trigger cron="0 0 12 L-3 * ?"/>${MSG}</task>
<task name="Java" class="com.example.MyTask"><trigger interval="1"/><property name="anything" value="x"/></task>
<task name="NoTrigger" class="${INJECTOR}">${MSG}</task>
<task name="NoMessage" class="${INJECTOR}"><trigger interval="1"/></task>
<task name="Typo" class="${INJECTOR}"><trigger interval="1"/>${MSG}
  <property name="sequenceNam" value="S"/></task>
<task name="Pox" class="${INJECTOR}"><trigger interval="1"/>${MSG}
  <property name="format" value="pox"/></task>
<task name="Zero" class="${INJECTOR}">
  <trigger interval="0"/>${MSG}</task>
<task name="Nowhere" class="${INJECTOR}"><trigger interval="1"/>${MSG}
  <property name="injectTo" value="sequence"/><property name="sequenceName" value="SS"/></task>
<task name="NoProxy" class="${INJECTOR}"><trigger interval="1"/>${MSG}
  <property name="injectTo" value="proxy"/><property name="proxyName" value="P"/></task>
<task name="NoKey" class="${INJECTOR}"><trigger interval="1"/>
  <property name="registryKey" value="missing"/></task>`);
  t.deepEqual(errors, [
    'synapse.xml:3:3 MOOR_ERR_UNSUPPORTED',
    'synapse.xml:4:1 MOOR_ERR_UNSUPPORTED',
    'synapse.xml:5:1 MOOR_ERR_MISSING_ATTRIBUTE',
    'synapse.xml:6:1 MOOR_ERR_MISSING_ATTRIBUTE',
    'synapse.xml:8:3 MOOR_ERR_BAD_VALUE',
    'synapse.xml:10:3 MOOR_ERR_UNSUPPORTED',
    'synapse.xml:12:3 MOOR_ERR_BAD_VALUE',
    'synapse.xml:14:47 MOOR_ERR_UNRESOLVED_KEY',
    'synapse.xml:16:44 MOOR_ERR_UNRESOLVED_KEY',
    'synapse.xml:18:3 MOOR_ERR_UNRESOLVED_KEY',
  ]);
  t.regex(messages[0]!, /cron="0 0 12 L-3 \* \?": day-of-month "L-3": "L-n" \(n days before the month's end\) is not supported by moor's scheduler/);
  t.regex(messages[1]!, /task class "com.example.MyTask": moor runs only org.apache.synapse.startup.tasks.MessageInjector/);
  t.regex(messages[4]!, /not "sequenceNam" \(did you mean "sequenceName"\?\)/);
  t.regex(messages[6]!, /interval= must be 1 second or more/);
  t.regex(messages[7]!, /task "Nowhere": no sequence named "SS" \(did you mean "S"\?\)/);
  t.regex(messages[8]!, /task "NoProxy": no proxy named "P"/);
  t.regex(messages[9]!, /registryKey "missing" names no local entry/);
});

test('warned: a sequenceName without injectTo="sequence", pinnedServers', async (t) => {
  const { errors, warned } = await load(`<task name="T" class="${INJECTOR}" pinnedServers="node1"><trigger interval="1"/>${MSG}<property name="sequenceName" value="S"/></task>`);
  t.deepEqual(errors, []);
  t.is(warned.length, 2);
  t.regex(warned.join('\n'), /pinnedServers= has no effect/);
  t.regex(warned.join('\n'), /sequenceName has no effect without <property name="injectTo" value="sequence"\/>/);
});

test('two tasks of one name are refused', async (t) => {
  const { errors } = await load(`<task name="T" class="${INJECTOR}"><trigger interval="1"/>${MSG}</task>\n<task name="T" class="${INJECTOR}"><trigger interval="1"/>${MSG}</task>`);
  t.deepEqual(errors, ['synapse.xml:3:1 MOOR_ERR_DUPLICATE_NAME']);
});
