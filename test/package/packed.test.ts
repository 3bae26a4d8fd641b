/**
 * moor as a downstream project meets it: the tarball `npm pack` makes (the build runs in `prepare`),
 * installed into a fresh project outside this repository, used from there. Plain JavaScript imports both
 * entry points (and require() gets them too), TypeScript type-checks a file using them under `strict`
 * and under default settings, `npx moor` runs the compiled command with no TypeScript loader installed
 * (`moor start` serves and stops on SIGTERM; a TypeScript `<class>` module is refused in one line saying
 * why), and a node:test test runs against moor/testing. The install takes every package from the npm cache
 * (test/helpers/offline-install.ts says why that is enough on CI).
 */
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { consumerLock } from '../helpers/offline-install.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of the commands run here: npm's own variables of an enclosing `npm test` are not passed on. */
const consumerEnv = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

/** Runs `command …args` in `cwd` to completion. */
function run(command: string, args: readonly string[], cwd: string, timeoutMs = 180_000): Promise<Run> {
  const env = consumerEnv();
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const text = (r: Run): string => `exit ${r.code}\n${r.stdout}\n${r.stderr}`;

const CONFIG = `<definitions xmlns="http://ws.apache.org/ns/synapse">
  <endpoint name="Backend"><address uri="http://orders.test/svc"/></endpoint>
  <proxy name="Orders"><target>
    <inSequence><send><endpoint key="Backend"/></send></inSequence>
    <outSequence><send/></outSequence>
  </target></proxy>
  <proxy name="Echo"><target><inSequence><respond/></inSequence></target></proxy>
  <proxy name="Refuse"><target><inSequence><class name="../refuse.cjs"/></inSequence></target></proxy>
</definitions>
`;

/**
 * A <class> mediator that throws moor's own error, required from the package as a user's module does.
 * The command (dist/cli/bin.js) and the library (dist/index.js) share their modules' chunks, so this
 * MoorError is the gateway's class: the fault carries its reason, not "internal error: …".
 */
const REFUSE = `const { MoorError } = require('moor');
module.exports = { mediate() { throw new MoorError('MOOR_ERR_MEDIATION', 'refused: out of stock'); } };
`;

const REFUSE_SUITE = `<unit-test>
  <artifacts><test-artifact proxy="Refuse"><artifact>../conf/orders.xml</artifact></test-artifact></artifacts>
  <test-cases>
    <test-case name="a class mediator's MoorError is the command's own class">
      <input><payload><![CDATA[<o:Order xmlns:o="urn:o"/>]]></payload></input>
      <assertions>
        <assertEquals><actual>$body/*/faultstring</actual><expected>refused: out of stock</expected><message>the fault's reason</message></assertEquals>
      </assertions>
    </test-case>
  </test-cases>
</unit-test>
`;

const SUITE = `<unit-test>
  <artifacts><test-artifact proxy="Orders"><artifact>../conf/orders.xml</artifact></test-artifact></artifacts>
  <test-cases>
    <test-case name="the order reaches the backend and its answer the client">
      <input><payload><![CDATA[<o:Order xmlns:o="urn:o"><o:id>1</o:id></o:Order>]]></payload></input>
      <assertions>
        <assertEquals><actual>$body</actual><expected><![CDATA[<Ok xmlns="urn:o">1</Ok>]]></expected><message>the answer</message></assertEquals>
        <assertReceived endpoint="Backend" count="1"/>
      </assertions>
    </test-case>
  </test-cases>
  <mock-services><mock endpoint="Backend"><payload><![CDATA[<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><x:Ok xmlns:x="urn:o">1</x:Ok></soapenv:Body></soapenv:Envelope>]]></payload></mock></mock-services>
</unit-test>
`;

/** What `moor start` serves from the package: a `<script>` runs in the package's own worker thread module. */
const SERVED = `<definitions xmlns="http://ws.apache.org/ns/synapse">
  <proxy name="Echo"><target><inSequence><respond/></inSequence></target></proxy>
  <proxy name="Scripted"><target><inSequence>
    <script language="js"><![CDATA[mc.setProperty('said', 'from a script');]]></script>
    <payloadFactory media-type="xml"><format><s:Said xmlns:s="urn:s">$1</s:Said></format><args><arg expression="get-property('said')"/></args></payloadFactory>
    <respond/>
  </inSequence></target></proxy>
</definitions>
`;

/** A `<class>` mediator written in TypeScript, which the compiled command (no loader) cannot load. */
const TS_MEDIATOR = `import type { ClassMediator } from 'moor';
const stamp: ClassMediator = { mediate: () => 'continue' };
export default stamp;
`;

/** Plain JavaScript, ESM: both entry points; a gateway from the package answers a SOAP request. */
const ESM = `import { Gateway, MemoryStore, MoorError } from 'moor';
import { createHarness, xmlEqual, xpathValue, ManualClock } from 'moor/testing';

const envelope = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><e:Ping xmlns:e="urn:e"/></soapenv:Body></soapenv:Envelope>';
const gw = await Gateway.start({ config: 'conf', port: 0, store: new MemoryStore() });
const res = await fetch(gw.url + '/services/Echo', { method: 'POST', body: envelope, headers: { 'content-type': 'text/xml' } });
const echoed = await res.text();
await gw.close();
const harness = await createHarness('conf', { mocks: { Backend: envelope.replace('<e:Ping xmlns:e="urn:e"/>', '<o:Ok xmlns:o="urn:o">7</o:Ok>') } });
const result = await harness.runProxy('Orders', { envelope: '<o:Order xmlns:o="urn:o"/>' });
await harness.close();
console.log(JSON.stringify({
  status: res.status,
  echoed: xmlEqual(echoed, envelope),
  harness: xpathValue(result.response.envelope, '$body/*', { o: 'urn:o' }),
  error: new MoorError('MOOR_ERR_CLI_USAGE', 'x') instanceof Error,
  clock: typeof ManualClock,
}));
`;

/** CommonJS: require() of the ESM package (Node 20.19+ loads ES modules without top-level await so). */
const CJS = `const moor = require('moor');
const testing = require('moor/testing');
console.log(JSON.stringify({ gateway: typeof moor.Gateway.start, harness: typeof testing.createHarness }));
`;

/** TypeScript using the public types of both entry points (no top-level await: it also compiles for ES5). */
const CONSUMER_TS = `import { ConfigErrors, ERROR_CODES, Gateway, MemoryStore, MoorError, type ClassDispatcher, type ClassMediator, type Clock, type ConfigError, type ErrorCode, type GatewayOptions, type MediationEnv, type MediatorContext, type MessageContext, type Outcome, type SessionDef, type SessionStore } from 'moor';
import { createHarness, ManualClock, xmlEqual, xpathValue, type Harness, type RunResult } from 'moor/testing';

const options: GatewayOptions = { config: 'conf', port: 0, host: '127.0.0.1' };
const store: SessionStore = new MemoryStore();

/** A <class> mediator, as a user writes one. */
export const stamp = {
  mediate(msg: MessageContext, env: MediationEnv): Outcome {
    void msg;
    void env;
    return 'continue';
  },
};

export function serve(): Promise<Gateway> {
  return Gateway.start({ ...options, store });
}

export function answered(result: RunResult): boolean {
  return result.response.status === 200 && xmlEqual(result.response.envelope, '<a/>') && xpathValue(result.response.envelope, '$body/*') !== '';
}

export function harness(): Promise<Harness> {
  return createHarness('conf', { mocks: { Backend: '<o:Ok xmlns:o="urn:o"/>' } });
}

export const clock = new ManualClock();
export const usage = new MoorError('MOOR_ERR_CLI_USAGE', 'bad flag');

/** The extension surface: a mediator and a dispatcher written against MediatorContext, errors caught by type. */
export const tagged: ClassMediator = {
  mediate(msg: MediatorContext): Outcome {
    msg.transport.set('x-tag', msg.id);
    return msg.direction === 'request' ? 'continue' : 'stop';
  },
};
export const byTenant: ClassDispatcher = { initiator: 'client', keyOfRequest: (msg) => msg.transport.get('x-tenant') as string | undefined };
export const later: Clock = new ManualClock(5);
export function problems(e: unknown): string[] {
  if (!(e instanceof ConfigErrors)) return [];
  return e.errors.map((x: ConfigError) => {
    const code: ErrorCode = x.code;
    return \`\${x.loc.file}:\${x.loc.line} \${code} (\${ERROR_CODES[code].kind})\`;
  });
}
export type Timeout = SessionDef['timeoutMs'];
`;

/** docs/testing.md's example, on node:test instead of ava, against the demo configuration (mediators/). */
const NODE_TEST = `import assert from 'node:assert/strict';
import test from 'node:test';
import { createHarness, xpathValue } from 'moor/testing';

test('a new client opens a session on cart1, and stays there', async (t) => {
  const moor = await createHarness('mediators', {
    mocks: {
      cart1: { envelope: 'mediators/tests/envelopes/cart-response.xml', headers: { 'set-cookie': 'JSESSIONID=s-1' } },
      CartNodes: { status: 503 },
    },
  });
  t.after(() => moor.close());
  const first = await moor.runProxy('CartService', {
    envelope: '<c:AddItem xmlns:c="urn:moor:demo:cart"><c:item>apple</c:item></c:AddItem>',
    soapAction: 'urn:moor:demo:cart/AddItem',
  });
  assert.equal(first.response.status, 200);
  assert.equal(xpathValue(first.response.envelope, '$body/*/c:count', { c: 'urn:moor:demo:cart' }), '1');
  assert.deepEqual(first.session, { key: 's-1', endpoint: 'cart1@http://127.0.0.1:9001/services/Cart', outcome: 'new' });
  const again = await moor.runProxy('CartService', { envelope: 'mediators/tests/envelopes/add-item.xml', headers: { cookie: 'JSESSIONID=s-1' } });
  assert.equal(again.calls[0].endpoint, 'cart1');
  moor.clock.advance(600_001);
  const late = await moor.runProxy('CartService', { envelope: 'mediators/tests/envelopes/add-item.xml', headers: { cookie: 'JSESSIONID=s-1' } });
  assert.equal(late.response.status, 503);
});
`;

interface Packed {
  /** The consumer project, with moor installed from the tarball. */
  readonly project: string;
  /** Every path in the tarball, without the leading package/. */
  readonly files: readonly string[];
  readonly manifest: Record<string, unknown>;
}

let packed: Promise<Packed> | undefined;

/** Packs this checkout once and installs the tarball into a fresh project (shared by the tests below). */
function packAndInstall(): Promise<Packed> {
  packed ??= (async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'moor-pack-'));
    const project = path.join(work, 'consumer');
    await mkdir(project);
    const pack = await run('npm', ['pack', '--pack-destination', project, '--no-fund'], ROOT);
    if (pack.code !== 0) throw new Error(`npm pack failed:\n${text(pack)}`);
    const tarball = (await readdir(project)).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack made no tarball:\n${text(pack)}`);
    const listing = await run('tar', ['-tzf', path.join(project, tarball)], project);
    const files = listing.stdout.split('\n').filter((l) => l !== '').map((l) => l.replace(/^package\//, ''));
    const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown> & { name: string; version: string };

    const { dependencies, lock } = consumerLock({
      name: 'moor-consumer',
      repoLockFile: path.join(ROOT, 'package-lock.json'),
      tarballFile: tarball,
      tarballPath: path.join(project, tarball),
      manifest,
      extra: ['typescript', '@types/node'],
    });
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'moor-consumer', private: true, type: 'module', dependencies }, null, 2));
    await writeFile(path.join(project, 'package-lock.json'), JSON.stringify(lock, null, 2));
    const install = await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], project);
    if (install.code !== 0) {
      throw new Error(`npm ci --offline of the tarball failed (the npm cache lacks a package of package-lock.json? run npm ci in the repository first):\n${text(install)}`);
    }

    await mkdir(path.join(project, 'conf'));
    await mkdir(path.join(project, 'tests'));
    await writeFile(path.join(project, 'conf', 'orders.xml'), CONFIG);
    await writeFile(path.join(project, 'tests', 'orders-test.xml'), SUITE);
    await writeFile(path.join(project, 'tests', 'refuse-test.xml'), REFUSE_SUITE);
    await writeFile(path.join(project, 'refuse.cjs'), REFUSE);
    await mkdir(path.join(project, 'served'));
    await writeFile(path.join(project, 'served', 'served.xml'), SERVED);
    await mkdir(path.join(project, 'typed'));
    await writeFile(path.join(project, 'typed', 'typed.xml'), '<definitions xmlns="http://ws.apache.org/ns/synapse">\n  <proxy name="Typed"><target><inSequence><class name="../stamp.ts"/><respond/></inSequence></target></proxy>\n</definitions>\n');
    await writeFile(path.join(project, 'stamp.ts'), TS_MEDIATOR);
    await writeFile(path.join(project, 'esm.mjs'), ESM);
    await writeFile(path.join(project, 'cjs.cjs'), CJS);
    await writeFile(path.join(project, 'consumer.ts'), CONSUMER_TS);
    await writeFile(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', noEmit: true }, files: ['consumer.ts'] }));
    await writeFile(path.join(project, 'cart.test.mjs'), NODE_TEST);
    await cp(path.join(ROOT, 'mediators'), path.join(project, 'mediators'), { recursive: true });
    return { project, files, manifest };
  })();
  return packed;
}

test.after.always(async () => {
  if (!packed) return;
  const { project } = await packed.catch(() => ({ project: undefined }));
  if (project) await rm(path.dirname(project), { recursive: true, force: true });
});

// (one process of npm, tsc or node at a time: they compete for the same two cores)
test.serial('the tarball holds the compiled package, its declarations and licence, and no sources, tests or tools', async (t) => {
  t.timeout(300_000);
  const { files, manifest } = await packAndInstall();
  for (const f of ['package.json', 'README.md', 'LICENSE', 'bin/moor.js', 'dist/index.js', 'dist/index.d.ts', 'dist/testing/index.js', 'dist/testing/index.d.ts', 'dist/cli/bin.js', 'docs/configuration.md']) {
    t.true(files.includes(f), `${f} is shipped`);
  }
  t.deepEqual(files.filter((f) => /^(src|test|bench|scripts|demo|\.ci|mediators|wsdl)\//.test(f)), []);
  t.deepEqual(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), []);
  const json = JSON.stringify({ exports: manifest.exports, bin: manifest.bin, main: manifest.main, types: manifest.types });
  t.notRegex(json, /(?<!\.d)\.ts"/, 'exports and bin name compiled files');
  t.false('tsx' in (manifest.dependencies as object) || 'soap' in (manifest.dependencies as object), 'tsx and soap are development dependencies');
});

test.serial('plain JavaScript imports both entry points, and a gateway from the package answers', async (t) => {
  t.timeout(120_000);
  const { project } = await packAndInstall();
  const esm = await run(process.execPath, ['esm.mjs'], project);
  t.is(esm.code, 0, text(esm));
  t.deepEqual(JSON.parse(esm.stdout), { status: 200, echoed: true, harness: '7', error: true, clock: 'function' });
  const cjs = await run(process.execPath, ['cjs.cjs'], project);
  t.is(cjs.code, 0, text(cjs));
  t.deepEqual(JSON.parse(cjs.stdout), { gateway: 'function', harness: 'function' });
});

test.serial('TypeScript type-checks a file using both entry points under strict and under default settings, with no error in moor', async (t) => {
  t.timeout(180_000);
  const { project } = await packAndInstall();
  const strict = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], project);
  t.is(strict.code, 0, text(strict));
  // no tsconfig, no flags: the compiler's defaults (CommonJS, node10 resolution, ES5)
  const defaults = await run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', 'consumer.ts'], project);
  t.is(defaults.code, 0, text(defaults));
  t.notRegex(strict.stdout + defaults.stdout, /node_modules\/moor\//);
});

test.serial('npx moor runs the compiled command with no TypeScript loader installed: --help, validate, test, a class mediator sharing its MoorError', async (t) => {
  t.timeout(120_000);
  const { project } = await packAndInstall();
  await t.throwsAsync(stat(path.join(project, 'node_modules', 'tsx')), undefined, 'tsx is not installed with moor');
  const help = await run('npx', ['moor', '--help'], project);
  t.is(help.code, 0, text(help));
  t.regex(help.stdout, /^usage:\n {2}moor start/);
  const valid = await run('npx', ['moor', 'validate', '--config', 'conf'], project);
  t.is(valid.code, 0, text(valid));
  t.is(valid.stdout, 'conf: valid (3 proxies, 0 sequences, 1 endpoint in 1 file)\n');
  const suite = await run('npx', ['moor', 'test', 'tests'], project);
  t.is(suite.code, 0, text(suite));
  t.regex(suite.stdout, /^PASS tests\/orders-test\.xml > the order reaches the backend and its answer the client \(.+\)\nPASS tests\/refuse-test\.xml > a class mediator's MoorError is the command's own class \(.+\)\n2 passed, 0 failed\n$/);
});

test.serial('a node:test test runs against moor/testing', async (t) => {
  t.timeout(120_000);
  const { project } = await packAndInstall();
  const r = await run(process.execPath, ['--test', 'cart.test.mjs'], project);
  t.is(r.code, 0, text(r));
  t.regex(r.stdout, /# pass 1\n# fail 0/);
});

test.serial('moor start from the package serves (a <script> in its worker thread), and exits 0 on SIGTERM', async (t) => {
  t.timeout(120_000);
  const { project } = await packAndInstall();
  // as a package.json script runs it: node_modules/.bin/moor, no TypeScript loader
  const child = spawn(path.join(project, 'node_modules', '.bin', 'moor'), ['start', '--config', 'served', '--port', '0'], { cwd: project, env: consumerEnv() });
  t.teardown(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const poll = setInterval(() => {
      const m = /moor listening on (\S+)\n/.exec(out);
      if (m) {
        clearInterval(poll);
        resolve(m[1]!);
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(poll);
      reject(new Error(`moor start exited (${code}) before listening:\n${out}`));
    });
  });
  const envelope = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><e:Ping xmlns:e="urn:e"/></soapenv:Body></soapenv:Envelope>';
  const post = (name: string) => fetch(`${url}/services/${name}`, { method: 'POST', body: envelope, headers: { 'content-type': 'text/xml' } });
  const echo = await post('Echo');
  t.is(echo.status, 200);
  t.is(await echo.text(), envelope);
  const scripted = await post('Scripted');
  t.is(scripted.status, 200, out);
  t.regex(await scripted.text(), /<s:Said xmlns:s="urn:s">from a script<\/s:Said>/);
  child.kill('SIGTERM');
  t.is(await exited, 0, out);
  t.regex(out, /SIGTERM: finishing requests in flight/);
});

test.serial('a TypeScript <class> mediator under the compiled command: one line that says it needs a loader', async (t) => {
  t.timeout(120_000);
  const { project } = await packAndInstall();
  const r = await run('npx', ['moor', 'validate', '--config', 'typed'], project);
  t.is(r.code, 1, text(r));
  // (Node read the file as JavaScript: "Unexpected token '{'" was all it said)
  t.regex(r.stdout, /^typed\/typed\.xml:2:\d+ MOOR_ERR_CLASS_LOAD cannot load class mediator \S+stamp\.ts: .+ \(a TypeScript module loads only when moor runs under a TypeScript loader, e\.g\. node --import tsx node_modules\/moor\/bin\/moor\.js …; or compile it to \.js\)\n$/);
  t.is(r.stderr, 'moor: typed: 1 problem\n');
});
