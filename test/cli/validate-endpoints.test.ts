/**
 * `moor validate` on endpoint constructs that load but would do something else than in WSO2 (a weight
 * no algorithm reads, statistics and tracing), and on moor's own `<moor:healthCheck>`.
 */
import test from 'ava';
import { configTree, lines, runMoor } from './run-moor.ts';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config"';

test('validate: weights outside weightedRoundRobin and statistics/trace="enable" are warnings at their file:line:col', async (t) => {
  const { root } = await configTree({
    'ep.xml': [
      `<definitions ${SYN}>`,
      '  <endpoint name="LB"><loadbalance algorithm="roundRobin">',
      '    <endpoint name="a" weight="3"><address uri="http://127.0.0.1:1/a"/></endpoint>',
      '    <endpoint name="b"><property name="loadbalance.weight" value="2"/><address uri="http://127.0.0.1:1/b" statistics="enable"/></endpoint>',
      '  </loadbalance></endpoint>',
      '  <endpoint name="W"><loadbalance algorithm="weightedRoundRobin">',
      '    <endpoint name="c" weight="3"><address uri="http://127.0.0.1:1/c" trace="disable"/></endpoint>',
      '  </loadbalance></endpoint>',
      '  <sequence name="s" trace="enable"><drop/></sequence>',
      '</definitions>',
      '',
    ].join('\n'),
  });
  const r = await runMoor(['validate', '--config', 'conf'], root);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(lines(r.stdout), [
    'conf/ep.xml:3:5 MOOR_WARN_NO_EFFECT the weight 3 has no effect: only algorithm="weightedRoundRobin" on a <loadbalance> reads weights',
    'conf/ep.xml:4:5 MOOR_WARN_NO_EFFECT the weight 2 has no effect: only algorithm="weightedRoundRobin" on a <loadbalance> reads weights',
    'conf/ep.xml:4:71 MOOR_WARN_NO_EFFECT statistics="enable" has no effect: moor collects no Synapse statistics (its metrics and access log: docs/operations.md)',
    'conf/ep.xml:9:3 MOOR_WARN_NO_EFFECT trace="enable" has no effect: moor collects no Synapse message traces (its metrics and access log: docs/operations.md)',
    'conf: valid (0 proxies, 1 sequence, 2 endpoints in 1 file)',
  ]);
});

test('validate: a <moor:healthCheck> without exactly one probe, or with a bad number, is an error at its file:line:col', async (t) => {
  const { root } = await configTree({
    'ep.xml': [
      `<definitions ${SYN}>`,
      '  <endpoint name="A"><moor:healthCheck interval="1000"/><address uri="http://127.0.0.1:1/a"/></endpoint>',
      '  <endpoint name="B"><moor:healthCheck path="health" soapAction="urn:x"/><address uri="http://127.0.0.1:1/b"/></endpoint>',
      '  <endpoint name="C"><moor:healthCheck path="/health" interval="0" unhealthyThreshold="x"/><address uri="http://127.0.0.1:1/c"/></endpoint>',
      '  <endpoint name="D"><moor:healthChek path="/health"/><address uri="http://127.0.0.1:1/d"/></endpoint>',
      '</definitions>',
      '',
    ].join('\n'),
  });
  const r = await runMoor(['validate', '--config', 'conf'], root);
  t.is(r.code, 1);
  t.deepEqual(lines(r.stdout), [
    'conf/ep.xml:2:22 MOOR_ERR_BAD_VALUE <moor:healthCheck> needs exactly one of path="/…" (a GET) or soapAction="…" (a POST of an empty envelope)',
    'conf/ep.xml:3:22 MOOR_ERR_BAD_VALUE <moor:healthCheck> needs exactly one of path="/…" (a GET) or soapAction="…" (a POST of an empty envelope)',
    'conf/ep.xml:4:22 MOOR_ERR_BAD_VALUE interval must be at least 1',
    'conf/ep.xml:4:22 MOOR_ERR_BAD_VALUE unhealthyThreshold must be a whole number, not "x"',
    'conf/ep.xml:5:22 MOOR_ERR_UNKNOWN_ELEMENT <healthChek> is not allowed in <endpoint> (moor extensions) (did you mean "healthCheck"?)',
  ]);
});
