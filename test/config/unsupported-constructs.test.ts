/**
 * Real WSO2 constructs moor does not implement are MOOR_ERR_UNSUPPORTED naming the construct (never
 * "not a mediator"), each once at its file:line:col: EI/MI mediators, connector operations, data
 * sources, JMS/Kafka/RabbitMQ/file transports, inbound endpoints.
 */
import test from 'ava';
import { loadConfig } from '../../src/server/runtime.ts';
import { configDir } from '../helpers/gateway.ts';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';

test('EI/MI mediators, connector operations, data sources and other transports are refused by name', async (t) => {
  const dir = await configDir({
    'seq.xml': [
      `<sequence ${SYN} name="S">`,
      `  <rule/>`,
      `  <fastXSLT key="conf:/t.xslt"/>`,
      `  <kafkaTransport.init><bootstrapServers>localhost:9092</bootstrapServers></kafkaTransport.init>`,
      `  <salesforce.query><query>select id from Account</query></salesforce.query>`,
      `  <dataServiceCall serviceName="Orders"/>`,
      `  <xquery/>`,
      `  <lgo/>`,
      `</sequence>`,
    ].join('\n'),
    'ds.xml': `<datasource ${SYN}><name>OrdersDB</name></datasource>`,
    'p.xml': [
      `<proxy ${SYN} name="Q" transports="jms">`,
      `  <target><endpoint><address uri="rabbitmq:/orders?rabbitmq.server.host.name=localhost"/></endpoint></target>`,
      `</proxy>`,
    ].join('\n'),
  });
  const { errors } = await loadConfig(dir);
  const got = errors.map((e) => `${e.loc.file.slice(dir.length + 1)}:${e.loc.line}:${e.loc.col} ${e.code} ${e.message}`).sort();
  t.deepEqual(got, [
    'ds.xml:1:1 MOOR_ERR_UNSUPPORTED moor does not support data sources (<datasource>); nor data services',
    'p.xml:1:1 MOOR_ERR_UNSUPPORTED transports "jms": only http and https are supported',
    'p.xml:2:21 MOOR_ERR_UNSUPPORTED the rabbitmq: transport is not supported; an address uri must be http:// or https://',
    'seq.xml:2:3 MOOR_ERR_UNSUPPORTED the <rule> mediator is not supported by moor',
    'seq.xml:3:3 MOOR_ERR_UNSUPPORTED the <fastXSLT> mediator is not supported by moor',
    'seq.xml:4:3 MOOR_ERR_UNSUPPORTED <kafkaTransport.init> is an operation of the WSO2 connector "kafkaTransport": moor runs no connectors',
    'seq.xml:5:3 MOOR_ERR_UNSUPPORTED <salesforce.query> is an operation of the WSO2 connector "salesforce": moor runs no connectors',
    'seq.xml:6:3 MOOR_ERR_UNSUPPORTED the <dataServiceCall> mediator is not supported by moor',
    'seq.xml:7:3 MOOR_ERR_UNSUPPORTED the <xquery> mediator is not supported by moor',
    'seq.xml:8:3 MOOR_ERR_UNKNOWN_MEDIATOR <lgo> is not a mediator (did you mean "log"?)',
  ]);
});
