/**
 * A WSO2 Integration Studio / MI project loads as it is: `moor start --config src/main/wso2mi/artifacts`
 * reads its folders (apis/, endpoints/, local-entries/, sequences/, proxy-services/, one artifact per
 * file, no <definitions>) and its registry (src/main/wso2mi/resources/registry), and serves a REST API
 * and a proxy against real backends on loopback. `moor validate` on a project with artifacts moor does
 * not run (a JMS store in message-stores/, a failover processor in message-processors/,
 * inbound-endpoints/, a <dynamicLoadbalance> endpoint) gives one error
 * per refused artifact, at its file, and nothing cascades into what uses them; tasks in tasks/ load (an
 * interval one and a cron one). The project is written
 * here (a small one of that layout), not copied from anywhere.
 */
import path from 'node:path';
import test from 'ava';
import { request } from 'undici';
import { configTree, lines, runMoor, startMoor } from '../cli/run-moor.ts';
import { post, soap11 } from '../helpers/gateway.ts';
import { startRestBackend } from '../helpers/rest-backend.ts';
import { startSoapBackend } from '../mediators/soap-backend.ts';

const XML = `<?xml version="1.0" encoding="UTF-8"?>\n`;
const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';
const ART = 'src/main/wso2mi/artifacts';

/** An endpoint as Integration Studio writes it: its default failure settings (-1, -1, 0) included. */
function studioEndpoint(name: string, uri: string): string {
  return `${XML}<endpoint name="${name}" ${SYN}>
    <address uri="${uri}">
        <suspendOnFailure><initialDuration>-1</initialDuration><progressionFactor>-1</progressionFactor><maximumDuration>0</maximumDuration></suspendOnFailure>
        <markForSuspension><retriesBeforeSuspension>0</retriesBeforeSuspension></markForSuspension>
    </address>
</endpoint>`;
}

test('moor start --config src/main/wso2mi/artifacts: an MI project serves its API and its proxy', async (t) => {
  const rest = await startRestBackend('orders');
  const soap = await startSoapBackend();
  t.teardown(() => rest.close());
  t.teardown(() => soap.close());
  const { root } = await configTree(
    {
      [`${ART}/apis/OrdersAPI.xml`]: `${XML}<api context="/orders" name="OrdersAPI" ${SYN}>
    <resource methods="GET" uri-template="/{id}">
        <inSequence>
            <header name="X-Tier" scope="transport" expression="get-property('Tier')"/>
            <send><endpoint key="OrdersEP"/></send>
        </inSequence>
        <outSequence><send/></outSequence>
        <faultSequence/>
    </resource>
</api>`,
      [`${ART}/endpoints/OrdersEP.xml`]: studioEndpoint('OrdersEP', `${rest.url}/backend`),
      [`${ART}/endpoints/CartEP.xml`]: studioEndpoint('CartEP', soap.url),
      [`${ART}/local-entries/Tier.xml`]: `${XML}<localEntry key="Tier" ${SYN}>gold</localEntry>`,
      [`${ART}/sequences/StampSeq.xml`]: `${XML}<sequence name="StampSeq" trace="disable" ${SYN}>
    <property name="X-Stamp" scope="transport" value="stamped"/>
    <sequence key="conf:/sequences/AuditSeq.xml"/>
</sequence>`,
      [`${ART}/proxy-services/CartProxy.xml`]: `${XML}<proxy name="CartProxy" startOnLoad="true" transports="http https" ${SYN}>
    <target>
        <inSequence>
            <sequence key="StampSeq"/>
            <send><endpoint key="CartEP"/></send>
        </inSequence>
        <outSequence><send/></outSequence>
        <faultSequence/>
    </target>
</proxy>`,
      'src/main/wso2mi/resources/registry/conf/sequences/AuditSeq.xml': `${XML}<sequence name="AuditSeq" ${SYN}><property name="X-Audit" scope="transport" value="registry"/></sequence>`,
      'pom.xml': '<project/>',
    },
    'project',
  );
  const dir = path.join(root, 'project');
  const moor = await startMoor(['--config', ART], dir);
  t.teardown(() => moor.stop());

  const api = await request(`${moor.url}/orders/17`);
  t.is(api.statusCode, 200);
  t.like(JSON.parse(await api.body.text()), { backend: 'orders', method: 'GET', url: '/backend/17' });
  t.is(rest.calls[0]!.headers['x-tier'], 'gold');

  const res = await post(`${moor.url}/services/CartProxy`, soap11('<c:Add xmlns:c="urn:c"/>'));
  t.is(res.status, 200);
  t.is(soap.received[0]!.headers['x-stamp'], 'stamped');
  t.is(soap.received[0]!.headers['x-audit'], 'registry');

  const check = await runMoor(['validate', '--config', ART], dir);
  t.is(check.code, 0, check.stdout + check.stderr);
  t.regex(check.stdout, /src\/main\/wso2mi\/artifacts: valid \(1 proxy, 2 sequences, 2 endpoints, 1 API, 1 local entry in 6 files\)/, "the summary counts the API and the local entry too");
});

test('moor validate on an MI project with artifacts moor does not run: one error each, at its file; nothing cascades', async (t) => {
  const { root } = await configTree(
    {
      [`${ART}/templates/LogTemplate.xml`]: `${XML}<template name="LogTemplate" ${SYN}><sequence><log/></sequence></template>`,
      [`${ART}/tasks/Ping.xml`]: `${XML}<task class="org.apache.synapse.startup.tasks.MessageInjector" group="synapse.simple.quartz" name="Ping" ${SYN}>
    <trigger interval="10"/>
    <property name="injectTo" value="sequence" xmlns:task="http://www.wso2.org/products/wso2commons/tasks"/>
    <property name="sequenceName" value="PingSeq" xmlns:task="http://www.wso2.org/products/wso2commons/tasks"/>
    <property name="message" xmlns:task="http://www.wso2.org/products/wso2commons/tasks"><p:ping xmlns:p="urn:p"/></property>
</task>`,
      [`${ART}/tasks/Nightly.xml`]: `${XML}<task class="org.apache.synapse.startup.tasks.MessageInjector" group="synapse.simple.quartz" name="Nightly" ${SYN}>
    <trigger cron="0 0 2 * * ?"/>
    <property name="injectTo" value="sequence" xmlns:task="http://www.wso2.org/products/wso2commons/tasks"/>
    <property name="sequenceName" value="PingSeq" xmlns:task="http://www.wso2.org/products/wso2commons/tasks"/>
    <property name="message" xmlns:task="http://www.wso2.org/products/wso2commons/tasks"><p:ping xmlns:p="urn:p"/></property>
</task>`,
      [`${ART}/message-stores/Orders.xml`]: `${XML}<messageStore name="OrdersStore" class="org.apache.synapse.message.store.impl.jms.JmsStore" ${SYN}/>`,
      [`${ART}/message-processors/Forward.xml`]: `${XML}<messageProcessor class="org.apache.synapse.message.processor.impl.failover.FailoverScheduledMessageForwardingProcessor" messageStore="OrdersStore" name="Forward" targetEndpoint="BackEP" ${SYN}/>`,
      [`${ART}/inbound-endpoints/Queue.xml`]: `${XML}<inboundEndpoint name="Queue" protocol="jms" sequence="PingSeq" onError="PingSeq" suspend="false" ${SYN}/>`,
      [`${ART}/endpoints/Legacy.xml`]: `${XML}<endpoint name="Legacy" ${SYN}><dynamicLoadbalance/></endpoint>`,
      [`${ART}/sequences/PingSeq.xml`]: `${XML}<sequence name="PingSeq" ${SYN}>
    <call-template target="LogTemplate"/>
    <send><endpoint key="Legacy"/></send>
</sequence>`,
      [`${ART}/proxy-services/P.xml`]: `${XML}<proxy name="P" ${SYN}><target endpoint="Legacy"><inSequence><sequence key="PingSeq"/></inSequence></target></proxy>`,
    },
    'project',
  );
  const r = await runMoor(['validate', '--config', ART], path.join(root, 'project'));
  t.is(r.code, 1);
  const out = lines(r.stdout).map((l) => l.replace(`${ART}/`, '').split(' ').slice(0, 2).join(' '));
  t.deepEqual(out, [
    'endpoints/Legacy.xml:2:65 MOOR_ERR_UNSUPPORTED',
    'inbound-endpoints/Queue.xml:2:1 MOOR_ERR_UNSUPPORTED',
    'message-processors/Forward.xml:2:1 MOOR_ERR_UNSUPPORTED',
    'message-stores/Orders.xml:2:1 MOOR_ERR_UNSUPPORTED',
  ], r.stdout);
  t.regex(r.stdout, /inbound-endpoints\/Queue\.xml:2:1 MOOR_ERR_UNSUPPORTED moor does not support inbound endpoints \(this one's protocol: jms\)/);
});
