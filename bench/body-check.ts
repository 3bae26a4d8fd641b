/**
 * `npx tsx bench/body-check.ts`: what the streaming envelope check (src/xml/envelope-check.ts) costs per
 * message, in process: the bench's ~1 KB request read as the gateway reads it (head scan, then the
 * check of the rest) against the same read with the check off, the ~1 KB reply checked from its first
 * byte, and the throughput of the check over a large envelope streamed in 64 KB chunks. CPU time per
 * message, median of 7 runs; the end-to-end ratio is `npm run bench`'s.
 */
import { DEFAULT_LIMITS } from '../src/message/limits.ts';
import { type BodyOrigin, MessageBody } from '../src/message/message-body.ts';
import { EnvelopeCheck } from '../src/xml/envelope-check.ts';
import { BIG_CLOSE, BIG_OPEN, requestEnvelope, RESPONSE_ENVELOPE } from './envelopes.ts';
import { median } from './stats.ts';

const requests = Array.from({ length: 1000 }, (_, i) => Buffer.from(requestEnvelope(`session-${i}`, i)));
const N = 200_000;

/** CPU µs per call of `f`, median of 7 runs of N calls. */
function perCall(f: (i: number) => void): number {
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < N; i++) f(i);
    const d = process.cpuUsage(t0);
    runs.push((d.user + d.system) / N);
  }
  return median(runs);
}

const readRequest = (origin: BodyOrigin) => (i: number): void => {
  const bytes = requests[i % requests.length]!;
  new MessageBody(bytes, DEFAULT_LIMITS, bytes.length, origin).readHeadNow();
};
const checkReply = (origin: BodyOrigin) => (): void => {
  void new MessageBody(RESPONSE_ENVELOPE, DEFAULT_LIMITS, RESPONSE_ENVELOPE.length, origin).whole;
};

// warm up both paths
perCall(readRequest('client'));
perCall(readRequest('trusted'));
const checked = perCall(readRequest('client'));
const unchecked = perCall(readRequest('trusted'));
console.log(`request (${requests[0]!.length} B), head read + check of the rest: ${checked.toFixed(2)} µs; head read alone: ${unchecked.toFixed(2)} µs; the check: ${(checked - unchecked).toFixed(2)} µs per message`);
const backend = { backend: 'b1' };
perCall(checkReply(backend));
const reply = perCall(checkReply(backend));
const replyUnchecked = perCall(checkReply('trusted'));
console.log(`reply (${RESPONSE_ENVELOPE.length} B) checked from its first byte: ${(reply - replyUnchecked).toFixed(2)} µs per message`);

const filler = Buffer.alloc(64 * 1024, '<o:i a="1">text &amp; more</o:i>');
const chunk = Buffer.from(filler.toString('latin1').slice(0, Math.floor(filler.length / 32) * 32), 'latin1');
const chunks = 160; // ~10 MB
const runs: number[] = [];
for (let r = 0; r < 7; r++) {
  const t0 = process.cpuUsage();
  const c = EnvelopeCheck.fresh(DEFAULT_LIMITS);
  c.feed(BIG_OPEN);
  for (let i = 0; i < chunks; i++) c.feed(chunk);
  c.feed(BIG_CLOSE);
  c.end();
  const d = process.cpuUsage(t0);
  runs.push((chunk.length * chunks) / ((d.user + d.system) / 1e6) / 1e6);
}
console.log(`large envelope (markup-dense, ${((chunk.length * chunks) / 1e6).toFixed(0)} MB in 64 KB chunks): ${median(runs).toFixed(0)} MB/s`);
