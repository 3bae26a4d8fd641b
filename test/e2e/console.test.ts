/**
 * The console in a real browser: Debian's chromium (headless, driven by playwright-core) against a real
 * `moor start --admin` with real backends. It asks for the token (or reads `#token=`), shows the numbers
 * the API has, and its Drain button drains the member as the API then reports.
 *
 * MOOR_CONSOLE_SCREENSHOT=docs/images/console.png npx ava test/e2e/console.test.ts
 * renews the screenshot in docs/operations.md; otherwise the screenshot goes to a temp folder.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { request } from 'undici';
import { type EndpointsView } from '../../src/ops/views.ts';
import { startBackends } from '../helpers/backends.ts';
import { launchChromium } from '../helpers/browser.ts';
import { addItem, configDir, definitions, post, soap11 } from '../helpers/gateway.ts';
import { startMoor } from '../helpers/processes.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const TOKEN = 'console-token-31c7';
const ACTION = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };
const clientId = (id: string): string => `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${id}</syn:ClientID>`;

test('the console shows groups, members, sessions and requests, and its Drain button drains', async (t) => {
  const backends = await startBackends(3);
  t.teardown(() => Promise.all(backends.map((b) => b.close())).then(() => undefined));
  const members = backends.map((b) => `<endpoint name="${b.name}"><address uri="${b.url}"/></endpoint>`).join('');
  const dir = await configDir({
    'cart.xml': definitions(`
      <endpoint name="Carts"><session type="simpleClientSession"/><loadbalance>${members}</loadbalance></endpoint>
      <proxy name="Cart"><target><inSequence><send><endpoint key="Carts"/></send></inSequence><outSequence><send/></outSequence></target></proxy>`),
  });
  const gw = await startMoor(dir, ['--admin', '127.0.0.1:0'], { MOOR_ADMIN_TOKEN: TOKEN });
  t.teardown(() => gw.kill());
  const admin = gw.adminUrl!;
  for (let i = 0; i < 7; i++) t.is((await post(`${gw.url}/services/Cart`, soap11(addItem('x'), clientId(`shopper-${i % 5}`)), ACTION)).status, 200);
  const api = async (): Promise<EndpointsView> => JSON.parse(await (await request(`${admin}/endpoints`, { headers: { authorization: `Bearer ${TOKEN}` } })).body.text()) as EndpointsView;
  const truth = await api();

  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // without a token the page asks for one
  await page.goto(`${admin}/`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#token', TOKEN);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('body[data-loaded]');
  t.is(await page.textContent('[data-testid=sessions-total]'), '5');

  // or reads it from #token=, and takes it out of the address bar
  const second = await browser.context.newPage();
  await second.goto(`${admin}/#token=${TOKEN}`);
  await second.waitForSelector('body[data-loaded]');
  t.false(second.url().includes(TOKEN), 'the token does not stay in the address bar');
  t.is(await second.textContent('[data-testid=requests-total]'), '7', 'the requests the gateway answered');
  t.is(await second.textContent('[data-testid=sessions-total]'), '5', 'five live sessions');
  t.is(await second.textContent('[data-testid=endpoints-up]'), '3 of 3');
  t.is(await second.textContent('[data-group="Carts"] h2'), 'Cartsloadbalance, sessions in the store: 5');
  for (const e of truth.endpoints) {
    const row = second.locator(`tr[data-endpoint="${e.id}"]`);
    t.is(await row.getAttribute('data-state'), 'active');
    t.is(await row.locator('[data-testid=sessions]').textContent(), String(e.sessions), `${e.id}'s live sessions as the API counts them`);
  }

  // Drain on the first member: the API reports it drained, and the page shows it
  const target = truth.endpoints[0]!.id;
  await second.locator(`tr[data-endpoint="${target}"] button[data-action=drain]`).click();
  await second.waitForSelector(`tr[data-endpoint="${target}"][data-state=draining]`);
  t.true((await api()).endpoints.find((e) => e.id === target)!.draining, 'drained through the API');
  t.is(await second.textContent('[data-testid=endpoints-up]'), '2 of 3');

  const shot = process.env.MOOR_CONSOLE_SCREENSHOT ?? path.join(tempDir('moor-console-'), 'console.png');
  await second.screenshot({ path: shot, fullPage: true });
  t.deepEqual([...(await readFile(shot)).subarray(1, 4)], [...Buffer.from('PNG')]);

  await second.locator(`tr[data-endpoint="${target}"] button[data-action=undrain]`).click();
  await second.waitForSelector(`tr[data-endpoint="${target}"][data-state=active]`);
  t.false((await api()).endpoints.find((e) => e.id === target)!.draining);
  t.deepEqual(errors, [], 'no script error on the page');
});
