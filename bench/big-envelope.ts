/**
 * The large-message client, run as its own process. `--direction request` streams an envelope of
 * `--bytes` bytes, generated on the fly (never held), to `--url` and reads the small answer;
 * `--direction response` sends a small envelope and reads a large answer chunk by chunk, counting it.
 * Prints one JSON line: { status, seconds, sent, received, backendReceived }.
 *
 *   node --import tsx bench/big-envelope.ts --url URL --bytes 52428800 --direction request|response
 */
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { bigEnvelope, requestEnvelope } from './envelopes.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    bytes: { type: 'string', default: String(50 * 1024 * 1024) },
    direction: { type: 'string', default: 'request' },
  },
});
if (!values.url) throw new Error('--url is required');
const bytes = Number(values.bytes);
const upload = values.direction === 'request';

const small = Buffer.from(requestEnvelope('big-1', 1));
const t0 = performance.now();
const res = await request(values.url, {
  method: 'POST',
  headers: { 'content-type': 'text/xml; charset=utf-8', 'content-length': String(upload ? bytes : small.length) },
  // undici streams an async iterable body with backpressure (its typings list only Readable)
  body: upload ? (bigEnvelope(bytes) as unknown as Uint8Array) : small,
  headersTimeout: 120_000,
  bodyTimeout: 120_000,
});
let received = 0;
for await (const chunk of res.body) received += (chunk as Buffer).length;
const seconds = (performance.now() - t0) / 1000;
const backend = res.headers['x-request-bytes'];
process.stdout.write(
  JSON.stringify({
    status: res.statusCode,
    seconds,
    sent: upload ? bytes : small.length,
    received,
    ...(typeof backend === 'string' ? { backendReceived: Number(backend) } : {}),
  }) + '\n',
);
