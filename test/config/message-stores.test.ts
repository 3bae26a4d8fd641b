/** `<messageStore>`, `<messageProcessor>` and `<store>` as `moor validate` reads them: what loads, what is refused at file:line:col. */
import path from 'node:path';
import test from 'ava';
import { loadConfig } from '../../src/server/runtime.ts';
import { configDir } from '../helpers/gateway.ts';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config"';
const FORWARDER = 'org.apache.synapse.message.processor.impl.forwarder.ScheduledMessageForwardingProcessor';
const SAMPLER = 'org.apache.synapse.message.processor.impl.sampler.SamplingProcessor';

async function load(inner: string) {
  const dir = await configDir({ 'synapse.xml': `<definitions ${SYN}>\n${inner}\n<endpoint name="E"><address uri="http://127.0.0.1:9/"/></endpoint><sequence name="S"><drop/></sequence></definitions>` });
  const { compiled, errors, warnings } = await loadConfig(dir);
  const at = (list: readonly { loc: { file: string; line: number; col: number }; code: string }[]) => list.map((e) => `${path.relative(dir, e.loc.file)}:${e.loc.line}:${e.loc.col} ${e.code}`);
  return { compiled, errors: at(errors), warnings: at(warnings), messages: errors.map((e) => e.message) };
}

test('an in-memory store with its bounds, a forwarding and a sampling processor, and <store> load', async (t) => {
  const { errors, warnings, compiled } = await load(`<messageStore name="M" moor:maxMessages="5" moor:maxBytes="1000"/>
<messageStore name="Default" class="org.apache.synapse.message.store.impl.memory.InMemoryStore"/>
<messageProcessor name="F" class="${FORWARDER}" messageStore="M" targetEndpoint="E">
  <parameter name="interval">500</parameter><parameter name="max.delivery.attempts">2</parameter><parameter name="max.delivery.drop">Enabled</parameter>
  <parameter name="non.retry.status.codes">400, 404</parameter><parameter name="message.processor.fault.sequence">S</parameter><parameter name="member.count">1</parameter>
</messageProcessor>
<messageProcessor name="P" class="${SAMPLER}" messageStore="Default"><parameter name="sequence">S</parameter><parameter name="concurrency">3</parameter></messageProcessor>
<sequence name="main"><store messageStore="M" sequence="S"/></sequence>`);
  t.deepEqual(errors, []);
  t.deepEqual(warnings, ['synapse.xml:6:128 MOOR_WARN_NO_EFFECT'], 'member.count has no effect');
  const [f, p] = compiled.processors;
  t.like(f, { type: 'forward', intervalMs: 500, maxAttempts: 2, dropAfterMax: true, endpoint: { name: 'E' } });
  t.deepEqual([...(f as unknown as { nonRetryStatuses: Set<number> }).nonRetryStatuses], [400, 404]);
  t.like(p, { type: 'sample', intervalMs: 1000, concurrency: 3, sequence: { name: 'S' } });
  t.like(compiled.config.messageStores.get('M'), { maxMessages: 5, maxBytes: 1000 });
  t.like(compiled.config.messageStores.get('Default'), { maxMessages: 10_000, maxBytes: 64 * 1024 * 1024 });
});

test('refused at file:line:col: a JMS store, a failover processor, cron, what names nothing, a dynamic store name', async (t) => {
  const { errors, messages } = await load(`<messageStore name="J" class="org.apache.synapse.message.store.impl.jms.JmsStore"/>
<messageProcessor name="Fo" class="org.apache.synapse.message.processor.impl.failover.FailoverScheduledMessageForwardingProcessor" messageStore="J"/>
<messageProcessor name="C" class="${FORWARDER}" messageStore="M" targetEndpoint="E">
  <parameter name="cronExpression">0 * * * * ?</parameter></messageProcessor>
<messageStore name="M" moor:maxMessages="0"/>
<messageProcessor name="X" class="${FORWARDER}" messageStore="Nope" targetEndpoint="EE"/>
<messageProcessor name="Y" class="${SAMPLER}" messageStore="J"/>
<sequence name="main"><store messageStore="Missing"/><store messageStore="{$ctx:s}"/><store messageStore="J"/></sequence>`);
  t.deepEqual(errors, [
    'synapse.xml:2:1 MOOR_ERR_UNSUPPORTED',
    'synapse.xml:3:1 MOOR_ERR_UNSUPPORTED',
    'synapse.xml:5:3 MOOR_ERR_UNSUPPORTED',
    'synapse.xml:6:1 MOOR_ERR_BAD_VALUE',
    'synapse.xml:7:1 MOOR_ERR_UNRESOLVED_KEY',
    'synapse.xml:7:1 MOOR_ERR_UNRESOLVED_KEY',
    'synapse.xml:8:1 MOOR_ERR_MISSING_ATTRIBUTE',
    'synapse.xml:9:23 MOOR_ERR_UNRESOLVED_KEY',
    'synapse.xml:9:54 MOOR_ERR_UNSUPPORTED',
  ]);
  t.regex(messages[0]!, /message store class "org.apache.synapse.message.store.impl.jms.JmsStore": moor keeps messages in memory \(.*\) or in Redis \(moor\.RedisMessageStore\); JMS, RabbitMQ and JDBC stores are not supported/);
  t.regex(messages[4]!, /message processor "X": no message store named "Nope"/);
  t.regex(messages[5]!, /no endpoint named "EE" \(did you mean "E"\?\)/);
  t.regex(messages[7]!, /no message store named "Missing"/);
});

test('a Redis store (moor.RedisMessageStore) loads with its parameters; a bad URL, an unknown parameter and a short lease are refused at file:line:col', async (t) => {
  const ok = await load(`<messageStore name="R" class="moor.RedisMessageStore" moor:maxMessages="7">
  <parameter name="redis.url">redis://127.0.0.1:6390/2?timeoutMs=500</parameter><parameter name="redis.prefix">app:q:</parameter><parameter name="redis.leaseMs">2000</parameter>
</messageStore>
<messageStore name="FromStoreFlag" class="moor.RedisMessageStore"/>`);
  t.deepEqual(ok.errors, []);
  t.like(ok.compiled.config.messageStores.get('R'), { maxMessages: 7, redis: { url: { text: 'redis://127.0.0.1:6390/2?timeoutMs=500' }, prefix: 'app:q:', leaseMs: 2000 } });
  t.like(ok.compiled.config.messageStores.get('FromStoreFlag'), { redis: { url: undefined, prefix: 'moor:store:', leaseMs: 30_000 } });

  const bad = await load(`<messageStore name="R" class="moor.RedisMessageStore">
  <parameter name="redis.uri">redis://x</parameter>
  <parameter name="redis.leaseMs">50</parameter></messageStore>`);
  t.deepEqual(bad.errors, ['synapse.xml:3:3 MOOR_ERR_BAD_VALUE', 'synapse.xml:4:3 MOOR_ERR_BAD_VALUE']);
  t.regex(bad.messages[0]!, /did you mean "redis\.url"/);
  t.regex(bad.messages[1]!, /redis\.leaseMs"> must be 100 or more/);
});

test("a Redis store's URL is checked when the runtime is built, as moor validate builds it: at the parameter's file:line:col", async (t) => {
  const { buildRuntime, checkConfig } = await import('../../src/server/runtime.ts');
  const { MemoryStore } = await import('../../src/session/memory-store.ts');
  for (const [url, why] of [['redis://h:99999', /99999 is not a TCP port/], ['memory', /"memory" is not a Redis/], ['redis://h?prefix=x', /redis\.prefix/]] as const) {
    const dir = await configDir({ 'synapse.xml': `<definitions ${SYN}>\n<messageStore name="R" class="moor.RedisMessageStore">\n  <parameter name="redis.url">${url}</parameter></messageStore></definitions>` });
    const checked = await checkConfig(dir);
    const e = await t.throwsAsync(buildRuntime(checked, { store: new MemoryStore() }));
    t.regex(e!.message, /synapse\.xml:3:3/);
    t.regex(e!.message, why);
  }
});
