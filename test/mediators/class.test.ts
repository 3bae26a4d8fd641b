import test from 'ava';
import { ConfigErrors } from '../../src/errors.ts';
import { definitions, post, soap11, startGateway } from '../helpers/gateway.ts';
import { proxy, startSoapBackend } from './soap-backend.ts';

const ping = soap11(`<s:Ping xmlns:s="urn:s"/>`);

async function run(files: Record<string, string>, parts: { in?: string; out?: string }) {
  const backend = await startSoapBackend();
  const gw = await startGateway({ ...files, 'p.xml': definitions(proxy('P', { ...parts, uri: backend.url })) });
  try {
    const res = await post(`${gw.url}/services/P`, ping);
    return { res, received: backend.received };
  } finally {
    await gw.close();
    await backend.close();
  }
}

test('a default-exported object: mediate(msg) runs in the sequence', async (t) => {
  const { received } = await run(
    { 'mediators/tag.js': `export default { async mediate(msg) { msg.transport.set('x-tagged', 'by-class:' + msg.direction); return 'continue'; } };` },
    { in: `<class name="./mediators/tag.js"/>` },
  );
  t.is(received[0]!.headers['x-tagged'], 'by-class:request');
});

test('a class is constructed with the <property> children as options; it can work on responses', async (t) => {
  const { res } = await run(
    {
      'lib/discount.mjs': `export default class Discount {
        constructor(options) { this.options = options; }
        async mediate(msg) {
          msg.transport.set('x-discount', this.options.discountFactor + '/' + this.options.bonusFor);
          msg.status = 203;
          return 'continue';
        }
      }`,
    },
    { out: `<class name="lib/discount.mjs"><property name="discountFactor" value="10"/><property name="bonusFor" value="5"/></class>` },
  );
  t.is(res.status, 203);
  t.is(res.headers['x-discount'], '10/5');
});

test('a factory function receives the options; its mediator can answer and stop', async (t) => {
  const { res, received } = await run(
    {
      'm.cjs': `module.exports = (options) => ({
        async mediate(msg) {
          msg.setEnvelope('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><r>' + options.answer + '</r></soapenv:Body></soapenv:Envelope>');
          await msg.respondToClient();
          return 'stop';
        },
      });`,
    },
    { in: `<class name="./m.cjs"><property name="answer" value="42"/></class><send/>` },
  );
  t.regex(res.text, /<r>42<\/r>/);
  t.is(received.length, 0);
});

test('an outcome other than continue/stop is a mediation fault naming the element', async (t) => {
  const { res, received } = await run({ 'bad.mjs': `export default { mediate() { return true; } };` }, { in: `\n<class name="bad.mjs"/>` });
  t.is(res.status, 500);
  t.regex(res.text, /&lt;class&gt; at .*p\.xml:2:\d+ returned true, not 'continue' or 'stop'/);
  t.is(received.length, 0);
});

test('a mediator may answer at once (not async); one that throws at once is a fault, and the gateway goes on', async (t) => {
  const sync = await run({ 'sync.mjs': `export default { mediate(msg) { msg.transport.set('x-sync', 'yes'); return 'continue'; } };` }, { in: `<class name="sync.mjs"/>` });
  t.is(sync.res.status, 200);
  t.is(sync.received[0]!.headers['x-sync'], 'yes');
  const thrown = await run({ 'throws.mjs': `export default { mediate() { throw new Error('broke at once'); } };` }, { in: `<class name="throws.mjs"/>` });
  t.is(thrown.res.status, 500);
  t.regex(thrown.res.text, /broke at once/);
  t.is(thrown.received.length, 0);
});

test('a module that cannot be loaded, or has the wrong shape, is MOOR_ERR_CLASS_LOAD at its element', async (t) => {
  const err = await t.throwsAsync(
    startGateway({
      'shape.mjs': `export default { run() {} };`,
      'syntax.mjs': `export default {`,
      'tla.mjs': `await Promise.resolve(); export default { mediate: async () => 'continue' };`,
      'p.xml': definitions(
        proxy('P', {
          in: `
<class name="./missing.mjs"/>
<class name="./shape.mjs"/>
<class name="./syntax.mjs"/>
<class name="./tla.mjs"/>
<class name="samples.mediators.DiscountQuoteMediator"/>`,
        }),
      ),
    }),
  );
  t.true(err instanceof ConfigErrors);
  const lines = (err as ConfigErrors).errors.map((e) => e.toString()).join('\n');
  t.regex(lines, /p\.xml:2:\d+ MOOR_ERR_CLASS_LOAD cannot load class mediator .*missing\.mjs/);
  t.regex(lines, /p\.xml:3:\d+ MOOR_ERR_CLASS_LOAD .*shape\.mjs must export \(as default\) an object with mediate/);
  t.regex(lines, /p\.xml:4:\d+ MOOR_ERR_CLASS_LOAD cannot load class mediator .*syntax\.mjs/);
  t.regex(lines, /p\.xml:5:\d+ MOOR_ERR_CLASS_LOAD .*top-level await/);
  t.regex(lines, /p\.xml:6:\d+ MOOR_ERR_UNSUPPORTED "samples\.mediators\.DiscountQuoteMediator" is a Java class/);
});
