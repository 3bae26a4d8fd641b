/**
 * The whole gateway under fuzzing: mutated corpus envelopes (byte flips, truncation, duplicated tags),
 * sent whole or in random chunks, to a route that reads only the head and to one that parses the body,
 * in front of a real backend. The gateway never crashes or hangs, never answers with a 5xx that is not
 * a fault, and every refusal is a Sender/Client fault in the request's own SOAP version.
 */
import { Readable } from 'node:stream';
import test from 'ava';
import fc from 'fast-check';
import { request } from 'undici';
import { type Gateway } from '../../src/server/gateway.ts';
import { NS } from '../../src/xml/names.ts';
import { CORPUS_DIRS, corpusFile, corpusFiles } from '../fixtures/corpus.ts';
import { chunking, mutate, mutation, split } from '../fixtures/mutations.ts';
import { type EchoBackend, startEchoBackend } from '../helpers/echo-backend.ts';
import { definitions, post, soap11, startGateway } from '../helpers/gateway.ts';

let gw: Gateway;
let echo: EchoBackend;
let messages: Buffer[];

test.before(async () => {
  echo = await startEchoBackend();
  gw = await startGateway({
    'p.xml': definitions(
      `<proxy name="Head"><target><endpoint name="echo"><address uri="${echo.url}"/></endpoint></target></proxy>` +
        `<proxy name="Full"><target><inSequence><log level="full"/></inSequence><endpoint name="echo"><address uri="${echo.url}"/></endpoint></target></proxy>`,
    ),
  });
  const files = [...(await corpusFiles(CORPUS_DIRS.axiomGood)), ...(await corpusFiles(CORPUS_DIRS.axiomBad)), ...(await corpusFiles(CORPUS_DIRS.soap12Requests)), ...(await corpusFiles(CORPUS_DIRS.addressing))];
  messages = await Promise.all(files.map(corpusFile));
});
test.after.always(async () => {
  await gw.close();
  await echo.close();
});

/** What is wrong with the answer to `bytes` (undefined when nothing is). */
async function send(route: string, bytes: Buffer, cuts: readonly number[] | undefined): Promise<string | undefined> {
  const v12 = bytes.includes(NS.soap12);
  const res = await request(`${gw.url}/services/${route}`, {
    method: 'POST',
    headers: { 'content-type': v12 ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8' },
    body: cuts ? Readable.from(split(bytes, cuts)) : bytes,
  });
  const text = await res.body.text();
  if (res.statusCode === 200) return undefined;
  const code = res.headers['x-moor-error'];
  if (typeof code !== 'string') return `${res.statusCode} without a moor fault: ${text.slice(0, 200)}`;
  const type = String(res.headers['content-type']);
  if (!type.startsWith(v12 ? 'application/soap+xml' : 'text/xml') || !text.includes(v12 ? NS.soap12 : NS.soap11)) return `${code}: not a SOAP ${v12 ? '1.2' : '1.1'} fault`;
  // the backend answers well: every refusal is the client's (VersionMismatch is its own fault code)
  const sender = v12 ? /<soapenv:Value>soapenv:(Sender|VersionMismatch)</.test(text) : /<faultcode>soapenv:(Client|VersionMismatch)</.test(text);
  if (!sender) return `${res.statusCode} ${code}: not blamed on the sender`;
  if (v12 && res.statusCode >= 500 && code !== 'MOOR_ERR_VERSION_MISMATCH') return `SOAP 1.2 ${res.statusCode} for the sender's fault ${code}`;
  return undefined;
}

for (const route of ['Head', 'Full']) {
  test.serial(`property: mutated corpus envelopes through the ${route === 'Head' ? 'head-only' : 'body-parsing'} route are answered, and refused only with the sender's fault in their version`, async (t) => {
    const problems: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: messages.length - 1 }), mutation(), fc.option(chunking(), { nil: undefined }), async (i, m, cuts) => {
        const wrong = await send(route, mutate(messages[i]!, m), cuts);
        if (wrong) problems.push(wrong);
        return wrong === undefined;
      }),
      { numRuns: 80 },
    );
    t.deepEqual(problems, []);
    // and the gateway is still up and serving
    t.is((await post(`${gw.url}/services/${route}`, soap11('<still-up/>'))).status, 200);
  });
}
