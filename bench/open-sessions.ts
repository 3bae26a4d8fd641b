/**
 * Opens sessions through a proxy, run as its own process: `count` requests, each with a session id of
 * its own (`<prefix>-<n>` in the syn:ClientID header block, as bench/load.ts sends them), over
 * `concurrency` keep-alive connections. Every answer must be 200. Prints one JSON line:
 * { sessions, errors, seconds }.
 *
 *   node --import tsx bench/open-sessions.ts --url http://127.0.0.1:P/services/Bench --count 100000
 *        [--concurrency 64] [--prefix s]
 */
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { requestEnvelope } from './envelopes.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    count: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '64' },
    prefix: { type: 'string', default: 'session' },
  },
});
if (!values.url) throw new Error('--url is required');
const url = new URL(values.url);
const count = Number(values.count);
const concurrency = Number(values.concurrency);
const headers = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:bench:orders/Submit"' };
const pool = new Pool(url.origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });

let next = 0;
let errors = 0;
let firstError: string | undefined;
const start = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const n = next++;
      try {
        const res = await pool.request({ path: url.pathname, method: 'POST', headers, body: requestEnvelope(`${values.prefix}-${String(n).padStart(7, '0')}`, n) });
        await res.body.dump({ limit: Infinity });
        if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      } catch (e) {
        errors++;
        firstError ??= (e as Error).message;
      }
    }
  }),
);
await pool.close();
process.stdout.write(JSON.stringify({ sessions: count, errors, ...(firstError ? { firstError } : {}), seconds: (performance.now() - start) / 1000 }) + '\n');
