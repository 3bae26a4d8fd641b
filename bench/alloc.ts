/**
 * Bytes allocated per message on moor's in-process path: the head read, and the whole mediation of a
 * bench envelope through a sticky (syn:ClientID) group, with the backend call answered at once and the
 * reply's header list built as the server would. The new space is made large enough that no collection
 * runs while counting, so the growth of the heap is what the messages allocated.
 *
 *   node --expose-gc --max-semi-space-size=256 --min-semi-space-size=256 --import tsx bench/alloc.ts
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { headerListForClient } from '../src/endpoints/headers.ts';
import { type RawResponse } from '../src/endpoints/outbound-request.ts';
import { silentLogger } from '../src/logging.ts';
import { MessageAbort } from '../src/message/abort.ts';
import { MessageContext } from '../src/message/context.ts';
import { DEFAULT_LIMITS } from '../src/message/limits.ts';
import { MessageBody } from '../src/message/message-body.ts';
import { mediate } from '../src/mediators/flow.ts';
import { loadRuntime } from '../src/server/runtime.ts';
import { MemoryStore } from '../src/session/memory-store.ts';
import { requestEnvelope, RESPONSE_ENVELOPE } from './envelopes.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (see the comment at the top of bench/alloc.ts)');

const dir = await mkdtemp(path.join(os.tmpdir(), 'moor-alloc-'));
const members = [1, 2, 3].map((i) => `<endpoint name="b${i}"><address uri="http://127.0.0.1:${9000 + i}/services/Bench"/></endpoint>`).join('');
await writeFile(
  path.join(dir, 'bench.xml'),
  '<definitions xmlns="http://ws.apache.org/ns/synapse">' +
    `<endpoint name="BenchNodes"><session type="simpleClientSession"/><loadbalance algorithm="roundRobin">${members}</loadbalance></endpoint>` +
    '<proxy name="Bench" transports="http"><target><inSequence><send><endpoint key="BenchNodes"/></send></inSequence><outSequence><send/></outSequence></target></proxy></definitions>',
);

const messages = Array.from({ length: 10_000 }, (_, i) => Buffer.from(requestEnvelope(`session-${i}`, i)));
// (names as the bench's load generator, undici, sends them; the backends answer in Node's case)
const REQUEST_LINES = ['host', '127.0.0.1:8280', 'connection', 'keep-alive', 'content-type', 'text/xml; charset=utf-8', 'soapaction', '"urn:moor:bench:orders/Submit"', 'content-length', '1052'];
const RESPONSE_LINES = ['Content-Type', 'text/xml; charset=utf-8', 'Content-Length', String(RESPONSE_ENVELOPE.length), 'Date', 'Wed, 25 Nov 2026 12:00:00 GMT', 'Connection', 'keep-alive'];
/** The backend, answering at once with the bench's canned response, whole. */
const send = (): Promise<RawResponse> =>
  Promise.resolve({
    status: 200,
    headers: RESPONSE_LINES,
    length: RESPONSE_ENVELOPE.length,
    body: { takeAll: () => [RESPONSE_ENVELOPE], [Symbol.asyncIterator]: () => [RESPONSE_ENVELOPE][Symbol.iterator]() as unknown as AsyncIterator<Buffer> },
  });
const runtime = await loadRuntime(dir, { store: new MemoryStore(), defaultTimeoutMs: 60_000, defaultSuspendMs: 30_000, send });
const proxy = runtime.compiled.proxies.get('Bench');
const log = silentLogger();
let written = 0;
const reply = (response: MessageContext): undefined => {
  written += headerListForClient(response).length;
  return undefined;
};

function request(i: number): MessageContext {
  const bytes = messages[i % messages.length]!;
  const msg = new MessageContext('request', REQUEST_LINES, new MessageBody(bytes, DEFAULT_LIMITS, bytes.length), new MessageAbort(), log, reply, { version: '1.1' });
  msg.axis2.setTransportInUrl('/services/Bench');
  return msg;
}

const paths: [string, (i: number) => Promise<void> | void][] = [
  ['message context + head read', (i) => void request(i).headNow()],
  ['whole path (head, mediation, session, response)', async (i) => {
    const msg = request(i);
    msg.headNow();
    await mediate(runtime.compiled, runtime.endpoints, proxy, msg);
  }],
];
const N = 2000;
for (const [name, one] of paths) {
  // warm up (and bind every session) first
  for (let i = 0; i < messages.length; i++) await one(i);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < N; i++) await one(i);
  const after = process.memoryUsage().heapUsed;
  console.log(`${name.padEnd(50)} ${Math.round((after - before) / N)} bytes per message`);
}
if (written === 0) throw new Error('no reply was written');
