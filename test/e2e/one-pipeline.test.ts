/**
 * One pipeline: the same cases through the real gateway (a loopback port, a real HTTP backend) and
 * through moor/testing's harness (the backend mocked with the same replies), which must answer alike —
 * status, the headers a client reads, the body. A test that passes in `moor test` then means the
 * gateway does the same.
 */
import { createServer } from 'node:http';
import test from 'ava';
import { request } from 'undici';
import { type Harness, createHarness } from '../../src/testing/harness.ts';
import { type Headers } from '../../src/testing/mocks.ts';
import { configDir, definitions, soap11, soap12, startGateway, XML11, XML12 } from '../helpers/gateway.ts';
import { listenOnFreePort } from '../helpers/listen.ts';

/** What the backend answers, chosen by the request's x-reply header. */
const REPLIES: Record<string, { status: number; headers: Record<string, string>; body: string }> = {
  ok: { status: 200, headers: { 'content-type': XML11['content-type'], 'x-backend': 'kept' }, body: soap11('<r:Done xmlns:r="urn:r">yes</r:Done>') },
  'no content': { status: 204, headers: {}, body: '' },
  accepted: { status: 202, headers: {}, body: '' },
  fault: { status: 500, headers: { 'content-type': XML11['content-type'] }, body: soap11('<soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>backend says no</faultstring></soapenv:Fault>') },
  soap12: { status: 200, headers: { 'content-type': XML12['content-type'] }, body: soap12('<r:Done xmlns:r="urn:r">1.2</r:Done>') },
};

const proxy = (name: string, inSequence: string): string => `<proxy name="${name}"><target><inSequence>${inSequence}</inSequence><outSequence><send/></outSequence></target></proxy>`;

function config(backendUrl: string): Record<string, string> {
  return {
    'all.xml': definitions(`
      <endpoint name="Backend"><address uri="${backendUrl}/services/Backend"/></endpoint>
      ${proxy('Pass', '<send><endpoint key="Backend"/></send>')}
      ${proxy('Drop', '<drop/>')}
      ${proxy('Answer', '<payloadFactory media-type="xml"><format><r:Answered xmlns:r="urn:r">here</r:Answered></format><args/></payloadFactory><respond/>')}
      ${proxy('Broken', '<property name="x" expression="no-such-function()"/><send><endpoint key="Backend"/></send>')}`),
  };
}

/** One case: a request to `path`, with its content type, and the reply the backend gives (if asked). */
interface Case {
  readonly name: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const CASES: Case[] = [
  ...Object.keys(REPLIES).map((reply) => ({ name: `backend: ${reply}`, path: '/services/Pass', headers: { ...(reply === 'soap12' ? XML12 : XML11), 'x-reply': reply }, body: reply === 'soap12' ? soap12('<q/>') : soap11('<q/>') })),
  { name: 'nobody answers: 202', path: '/services/Drop', headers: XML11, body: soap11('<q/>') },
  { name: '<respond/> from the in sequence', path: '/services/Answer', headers: XML11, body: soap11('<q/>') },
  { name: 'a mediation error: a Server fault', path: '/services/Broken', headers: XML12, body: soap12('<q/>') },
  { name: 'not SOAP: 415', path: '/services/Pass', headers: { 'content-type': 'application/json' }, body: '{}' },
  { name: 'malformed XML (1.2): a Sender fault', path: '/services/Pass', headers: XML12, body: '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><a></env:Body>' },
  { name: 'not an envelope (1.1): a Client fault', path: '/services/Pass', headers: XML11, body: '<notSoap/>' },
  { name: 'no such service: 404', path: '/services/Nope', headers: XML11, body: soap11('<q/>') },
];

/** What a client reads of an answer: the status, the headers that matter, the body. */
interface Seen {
  readonly status: number;
  readonly headers: Record<string, string | undefined>;
  readonly body: string;
}

const READ = ['content-type', 'content-length', 'x-moor-error', 'x-backend', 'allow'];

function seen(status: number, headers: Headers | Record<string, string | string[] | undefined>, body: string): Seen {
  const h: Record<string, string | undefined> = {};
  for (const n of READ) {
    const v = headers[n];
    h[n] = Array.isArray(v) ? v.join(', ') : v;
  }
  return { status, headers: h, body };
}

let backend: { url: string; close(): Promise<void> };
let gatewayUrl: string;
let harness: Harness;
let closeGateway: () => Promise<void>;

test.before(async () => {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const r = REPLIES[String(req.headers['x-reply'])] ?? REPLIES.ok!;
      res.writeHead(r.status, r.headers);
      res.end(r.body);
    });
  });
  const listening = await listenOnFreePort(server);
  backend = { url: `http://127.0.0.1:${listening.port}`, close: listening.close };
  const dir = await configDir(config(backend.url));
  const gw = await startGateway(dir);
  gatewayUrl = gw.url;
  closeGateway = () => gw.close();
  // the same backend, mocked: the same reply for the same x-reply header
  harness = await createHarness(dir, {
    mocks: {
      Backend: (call) => {
        const r = REPLIES[String(call.headers['x-reply'])] ?? REPLIES.ok!;
        return { status: r.status, headers: r.headers, envelope: r.body };
      },
    },
  });
});

test.after.always(async () => {
  await harness?.close();
  await closeGateway?.();
  await backend?.close();
});

for (const c of CASES) {
  test.serial(c.name, async (t) => {
    const real = await request(`${gatewayUrl}${c.path}`, { method: 'POST', headers: c.headers, body: c.body });
    const fromGateway = seen(real.statusCode, real.headers, await real.body.text());
    const { 'content-type': _, ...others } = c.headers;
    const run = await harness.run({ path: c.path, envelope: Buffer.from(c.body), headers: { 'content-type': c.headers['content-type']!, ...others } });
    const fromHarness = seen(run.response.status, run.response.headers, run.response.envelope);
    t.deepEqual(fromHarness, fromGateway);
  });
}
