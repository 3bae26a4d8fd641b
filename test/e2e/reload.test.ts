/**
 * Reloading without downtime, with a real `moor start` process: SIGHUP (or a file change under
 * --watch) loads and checks the configuration anew. A valid one serves the next request while sessions
 * stay on their backends and requests in flight finish on the old one; an invalid one is logged line
 * by line and the running configuration keeps serving.
 */
import { once } from 'node:events';
import { renameSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { type CartBackend } from '../../demo/cart-backend.ts';
import { configTree, type MoorProcess, startMoor } from '../cli/run-moor.ts';
import { memberEndpoints, startBackends } from '../helpers/backends.ts';
import { addItem, definitions, elementText, post, soap11 } from '../helpers/gateway.ts';

const HEADERS = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
const clientId = (id: string): string => `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`;

/**
 * The configuration under test: proxy Cart over the backends with simpleClientSession; its out sequence
 * stamps the response with `X-Config: <version>`, so a client can tell which configuration served it.
 */
function cartConfig(backends: readonly CartBackend[], version: string, extra = ''): string {
  return definitions(`
  <endpoint name="Nodes">
    <session type="simpleClientSession"/>
    <loadbalance>${memberEndpoints(backends)}</loadbalance>
  </endpoint>
  <proxy name="Cart">
    <target>
      <inSequence><send><endpoint key="Nodes"/></send></inSequence>
      <outSequence><property name="X-Config" value="${version}" scope="transport"/><send/></outSequence>
    </target>
  </proxy>${extra}
`);
}

/** The same, with an error at line 8 col 19 of the file: a misspelt mediator. */
function brokenConfig(backends: readonly CartBackend[]): string {
  return cartConfig(backends, 'broken').replace('<inSequence><send>', '<inSequence><sendd>').replace('</send></inSequence>', '</sendd></inSequence>');
}

interface Fixture {
  backends: CartBackend[];
  moor: MoorProcess;
  file: string;
  /** One AddItem for `client`: which backend, its cart count, and the X-Config of the answer. */
  add(client: string): Promise<{ instance: string; count: number; config: string }>;
}

async function setup(t: ExecutionContext, flags: string[] = []): Promise<Fixture> {
  const backends = await startBackends(3);
  t.teardown(() => Promise.all(backends.map((b) => b.close())).then(() => undefined));
  const { root, dir } = await configTree({ 'cart.xml': cartConfig(backends, 'v1') });
  const moor = await startMoor(['--config', 'conf', ...flags], root);
  t.teardown(() => moor.stop());
  const add = async (client: string) => {
    const r = await post(`${moor.url}/services/Cart`, soap11(addItem('x'), clientId(client)), HEADERS);
    t.is(r.status, 200, r.text);
    return { instance: elementText(r.text, 'instance') ?? '', count: Number(elementText(r.text, 'count')), config: String(r.headers['x-config']) };
  };
  return { backends, moor, file: path.join(dir, 'cart.xml'), add };
}

test('SIGHUP: a valid change is live at once, and sessions stay on their backends', async (t) => {
  const { backends, moor, file, add } = await setup(t);
  const first = await add('alice');
  t.is(first.config, 'v1');
  for (let i = 2; i <= 3; i++) t.deepEqual(await add('alice'), { instance: first.instance, count: i, config: 'v1' });

  // v2 also publishes a second proxy, which did not exist before
  await writeFile(file, cartConfig(backends, 'v2', '<proxy name="Cart2"><target><inSequence><send><endpoint key="Nodes"/></send></inSequence></target></proxy>'));
  const before = (await post(`${moor.url}/services/Cart2`, soap11(addItem('x')), HEADERS)).status;
  t.is(before, 404, 'Cart2 is not there yet');
  const mark = moor.output().length;
  moor.child.kill('SIGHUP');
  await moor.waitFor(/configuration reloaded \(SIGHUP\)/, mark);

  t.deepEqual(await add('alice'), { instance: first.instance, count: 4, config: 'v2' }, 'the new configuration answers; the session kept its backend and its cart');
  t.is((await post(`${moor.url}/services/Cart2`, soap11(addItem('x'), clientId('alice')), HEADERS)).status, 200, 'Cart2 is live');
});

test('SIGHUP: an invalid change is logged line by line, and the running configuration keeps serving', async (t) => {
  const { backends, moor, file, add } = await setup(t);
  const first = await add('bob');
  await writeFile(file, brokenConfig(backends));
  const mark = moor.output().length;
  moor.child.kill('SIGHUP');
  await moor.waitFor(/configuration not reloaded \(SIGHUP\); the running one keeps serving/, mark);
  const logged = await moor.waitFor(/conf\/cart\.xml:\d+:\d+ MOOR_ERR_UNKNOWN_MEDIATOR <sendd> is not a mediator \(did you mean "send"\?\)/, mark);
  t.regex(logged, /^conf\/cart\.xml:8:19 /, 'the error names the file, line and column of <sendd>');
  t.deepEqual(await add('bob'), { instance: first.instance, count: 2, config: 'v1' }, 'the old configuration still serves, session and all');

  // malformed XML is refused the same way
  await writeFile(file, '<definitions xmlns="http://ws.apache.org/ns/synapse">\n  <proxy name="Cart">\n</definitions>\n');
  const mark2 = moor.output().length;
  moor.child.kill('SIGHUP');
  await moor.waitFor(/conf\/cart\.xml:3:1 MOOR_ERR_CONFIG_XML/, mark2);
  t.deepEqual(await add('bob'), { instance: first.instance, count: 3, config: 'v1' });

  // and once the file is fixed, the next SIGHUP takes it
  await writeFile(file, cartConfig(backends, 'v3'));
  const mark3 = moor.output().length;
  moor.child.kill('SIGHUP');
  await moor.waitFor(/configuration reloaded \(SIGHUP\)/, mark3);
  t.deepEqual(await add('bob'), { instance: first.instance, count: 4, config: 'v3' });
});

test('--watch: a changed file is reloaded without a signal; a broken one is logged and ignored', async (t) => {
  const { backends, moor, file, add } = await setup(t, ['--watch']);
  const first = await add('carol');
  t.is(first.config, 'v1');

  let mark = moor.output().length;
  await writeFile(file, cartConfig(backends, 'v2'));
  await moor.waitFor(/configuration reloaded \(file change\)/, mark);
  t.deepEqual(await add('carol'), { instance: first.instance, count: 2, config: 'v2' });

  mark = moor.output().length;
  await writeFile(file, brokenConfig(backends));
  await moor.waitFor(/configuration not reloaded \(file change\)/, mark);
  await moor.waitFor(/conf\/cart\.xml:8:19 MOOR_ERR_UNKNOWN_MEDIATOR/, mark);
  t.deepEqual(await add('carol'), { instance: first.instance, count: 3, config: 'v2' });

  // a new file in the folder counts too
  mark = moor.output().length;
  await writeFile(file, cartConfig(backends, 'v4'));
  await writeFile(path.join(path.dirname(file), 'extra.xml'), '<sequence xmlns="http://ws.apache.org/ns/synapse" name="unused"><drop/></sequence>');
  await moor.waitFor(/configuration reloaded \(file change\)/, mark);
  t.deepEqual(await add('carol'), { instance: first.instance, count: 4, config: 'v4' });
});

test('--watch survives saves by rename (editors, sed -i): every atomic replacement reloads, and files in new folders count', async (t) => {
  const { backends, moor, file, add } = await setup(t, ['--watch']);
  const first = await add('dave');
  /**
   * Writes `text` beside `target` and renames it over `target` at once, as `sed -i` does: a new inode each
   * time, and the temporary file is gone before the gateway looks (so only the rename can be seen).
   */
  let saves = 0;
  const saveByRename = async (target: string, text: string): Promise<void> => {
    const tmp = path.join(path.dirname(target), `sed${++saves}`);
    writeFileSync(tmp, text);
    renameSync(tmp, target);
  };
  for (const version of ['v2', 'v3', 'v4']) {
    const mark = moor.output().length;
    await saveByRename(file, cartConfig(backends, version));
    await moor.waitFor(/configuration reloaded \(file change\)/, mark);
    t.is((await add('dave')).config, version, `the save of ${version} was seen`);
  }
  // a folder created after the start is watched once it appears (its first file is seen too)
  let mark = moor.output().length;
  await mkdir(path.join(path.dirname(file), 'more'));
  await writeFile(path.join(path.dirname(file), 'more', 'a.xml'), '<sequence xmlns="http://ws.apache.org/ns/synapse" name="unused"><drop/></sequence>');
  await moor.waitFor(/configuration reloaded \(file change\)/, mark);
  mark = moor.output().length;
  await saveByRename(path.join(path.dirname(file), 'more', 'a.xml'), '<sequence xmlns="http://ws.apache.org/ns/synapse" name="unused"><dropp/></sequence>');
  await moor.waitFor(/configuration not reloaded \(file change\)/, mark);
  await moor.waitFor(/conf\/more\/a\.xml:1:\d+ MOOR_ERR_UNKNOWN_MEDIATOR/, mark);
  t.deepEqual(await add('dave'), { instance: first.instance, count: 5, config: 'v4' });
});

test('a request in flight during a reload finishes on the old configuration; the next one uses the new', async (t) => {
  // a backend that holds each answer until released
  const held: (() => void)[] = [];
  const slow = createServer((req, res) => {
    slow.emit('arrival');
    req.resume();
    req.on('end', () =>
      held.push(() => res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(soap11('<r:Done xmlns:r="urn:test">slow</r:Done>'))),
    );
  });
  slow.listen(0, '127.0.0.1');
  await once(slow, 'listening');
  t.teardown(() => {
    for (const release of held.splice(0)) release();
    slow.closeAllConnections();
    slow.close();
  });
  const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow`;
  const config = (version: string): string =>
    definitions(`<proxy name="Slow"><target>
      <inSequence><send><endpoint><address uri="${slowUrl}"/></endpoint></send></inSequence>
      <outSequence><property name="X-Config" value="${version}" scope="transport"/><send/></outSequence>
    </target></proxy>`);
  const { root, dir } = await configTree({ 'slow.xml': config('v1') });
  const moor = await startMoor(['--config', 'conf'], root);
  t.teardown(() => moor.stop());

  const arrived = once(slow, 'arrival');
  const inFlight = post(`${moor.url}/services/Slow`, soap11('<r:Go xmlns:r="urn:test"/>'), HEADERS);
  await arrived;

  await writeFile(path.join(dir, 'slow.xml'), config('v2'));
  const mark = moor.output().length;
  moor.child.kill('SIGHUP');
  await moor.waitFor(/configuration reloaded \(SIGHUP\)/, mark);

  const arrivedAgain = once(slow, 'arrival');
  const next = post(`${moor.url}/services/Slow`, soap11('<r:Go xmlns:r="urn:test"/>'), HEADERS);
  await arrivedAgain;
  while (held.length < 2) await new Promise((r) => setTimeout(r, 10));
  for (const release of held.splice(0)) release();

  const old = await inFlight;
  t.is(old.status, 200, old.text);
  t.regex(old.text, /slow/);
  t.is(old.headers['x-config'], 'v1', 'the request that was in flight finished on the configuration it started with');
  t.is((await next).headers['x-config'], 'v2', 'the request after the reload used the new one');
});
