/**
 * Synapse's endpoint state machine on an injected clock: the timeout state and its retries, suspension
 * growing by progressionFactor up to maximumDuration, the error-code lists, and Integration Studio's -1.
 */
import test from 'ava';
import { DEFAULT_FAILURE, type FailureDef } from '../../src/config/endpoint-failure-def.ts';
import { EndpointHealth, type StateChange } from '../../src/endpoints/suspension.ts';
import { ManualClock } from '../../src/session/clock.ts';

const REFUSED = 101503;
const TIMED_OUT = 101504;
const CLOSED = 101505;

function machine(policy: Partial<FailureDef> = {}, defaultSuspendMs = 30_000) {
  const clock = new ManualClock(1_000_000);
  const changes: StateChange[] = [];
  const h = new EndpointHealth('orders@http://b', { ...DEFAULT_FAILURE, ...policy }, defaultSuspendMs, clock, (c) => changes.push(c));
  const fail = (code: number) => (h.onFailure(code, 'failed', h.generation), h.state);
  return { h, clock, changes, fail };
}

test('defaults: a refused connection suspends at once for 30 s; the endpoint takes traffic again after it, and an answer makes it active', (t) => {
  const { h, clock, changes, fail } = machine();
  t.true(h.ready(clock.now()));
  t.is(fail(REFUSED), 'suspended');
  t.false(h.ready(clock.now()));
  t.is(h.until, clock.now() + 30_000);
  clock.advance(29_999);
  t.false(h.ready(clock.now()), 'still suspended 1 ms before the end');
  clock.advance(1);
  t.true(h.ready(clock.now()), 'the next message may try it');
  t.is(h.state, 'suspended', 'and it stays marked suspended until that message is answered');
  h.onSuccess();
  t.is(h.state, 'active');
  t.deepEqual(
    changes.map((c) => [c.from, c.to, c.code]),
    [
      ['active', 'suspended', REFUSED],
      ['suspended', 'active', undefined],
    ],
  );
  t.regex(changes[0]!.reason, /^101503 failed; suspended for 30000 ms$/);
});

test('defaults: a timeout (101504) and a closed connection (101505) go through the timeout state, with no retries left: suspended', (t) => {
  for (const code of [TIMED_OUT, CLOSED]) {
    const { fail, changes } = machine();
    t.is(fail(code), 'suspended');
    t.is(changes.length, 1);
    t.regex(changes[0]!.reason, /no retries before suspension left/);
  }
});

test('retriesBeforeSuspension: that many timeout-state failures are taken, each waits retryDelay, the next suspends', (t) => {
  const { h, clock, fail, changes } = machine({ retriesBeforeSuspension: 2, retryDelayMs: 500 });
  t.is(fail(TIMED_OUT), 'timeout');
  t.false(h.ready(clock.now()), 'no traffic during retryDelay');
  clock.advance(500);
  t.true(h.ready(clock.now()));
  t.is(fail(TIMED_OUT), 'timeout');
  clock.advance(500);
  t.is(fail(TIMED_OUT), 'suspended', 'the third failure is one too many');
  t.deepEqual(changes.map((c) => c.to), ['timeout', 'timeout', 'suspended']);
  t.regex(changes[0]!.reason, /1 more failure before suspension/);
});

test('an answer in the timeout state resets the retries', (t) => {
  const { h, fail } = machine({ retriesBeforeSuspension: 1 });
  t.is(fail(TIMED_OUT), 'timeout');
  h.onSuccess();
  t.is(h.state, 'active');
  t.is(fail(TIMED_OUT), 'timeout', 'a full set of retries again');
  t.is(fail(TIMED_OUT), 'suspended');
});

test('progressionFactor: each suspension in a row lasts longer, up to maximumDuration; an answer starts again from initialDuration', (t) => {
  const { h, clock, fail } = machine({ initialDurationMs: 1000, progressionFactor: 2, maximumDurationMs: 5000 });
  const lengths: number[] = [];
  for (let i = 0; i < 5; i++) {
    fail(REFUSED);
    lengths.push(h.until! - clock.now());
    clock.advance(h.until! - clock.now());
  }
  t.deepEqual(lengths, [1000, 2000, 4000, 5000, 5000]);
  h.onSuccess();
  fail(REFUSED);
  t.is(h.until! - clock.now(), 1000);
});

test('initialDuration -1 (Integration Studio) is the default suspension, the gateway\'s (30 s unless changed)', (t) => {
  const { h, clock, fail } = machine({ initialDurationMs: undefined, progressionFactor: 1 }, 30_000);
  fail(REFUSED);
  t.is(h.until! - clock.now(), 30_000);
  const negative = machine({ initialDurationMs: 1000, progressionFactor: -1 });
  negative.fail(REFUSED);
  negative.clock.advance(1000);
  negative.fail(REFUSED);
  t.is(negative.h.until! - negative.clock.now(), 30_000, 'a negative progression falls back to the default, as in Synapse');
});

test('Integration Studio\'s whole default (initialDuration -1, progressionFactor -1, maximumDuration 0) suspends for the default each time, as Synapse computes it', (t) => {
  // Synapse: next = -1 (not over the maximum 0), negative, so the default; then last × -1, negative again
  const { h, clock, fail } = machine({ initialDurationMs: undefined, progressionFactor: -1, maximumDurationMs: 0 }, 30_000);
  fail(REFUSED);
  t.is(h.until! - clock.now(), 30_000);
  clock.advance(30_000);
  fail(REFUSED);
  t.is(h.until! - clock.now(), 30_000);
});

test('initialDuration 0 and maximumDuration 0 (Synapse\'s way to turn suspension off): marked suspended, yet ready at once', (t) => {
  const { h, clock, fail } = machine({ initialDurationMs: 0, maximumDurationMs: 0 });
  t.is(fail(REFUSED), 'suspended');
  t.true(h.ready(clock.now()));
});

test('errorCodes -1 names no code: nothing suspends nor marks the endpoint', (t) => {
  const { h, fail, changes } = machine({ suspendCodes: [-1], timeoutCodes: [-1] });
  t.is(fail(REFUSED), 'active');
  t.is(fail(TIMED_OUT), 'active');
  t.is(h.state, 'active');
  t.deepEqual(changes, []);
});

test('suspendOnFailure errorCodes: only those suspend; markForSuspension errorCodes: only those mark', (t) => {
  const { fail } = machine({ suspendCodes: [101508], timeoutCodes: [REFUSED], retriesBeforeSuspension: 3 });
  t.is(fail(101506), 'active', 'a code in neither list changes nothing');
  t.is(fail(REFUSED), 'timeout', 'a markForSuspension code now goes to the timeout state');
  t.is(fail(101508), 'suspended');
});

test('failures of requests already in flight when the endpoint was suspended do not suspend it again', (t) => {
  const { h, clock, changes } = machine({ initialDurationMs: 1000, progressionFactor: 10 });
  const inFlight = [h.generation, h.generation, h.generation];
  for (const g of inFlight) h.onFailure(REFUSED, 'refused', g);
  t.is(changes.length, 1, 'one change for a burst of three');
  t.is(h.until! - clock.now(), 1000, 'and no growth from the burst');
  clock.advance(1000);
  h.onFailure(REFUSED, 'refused', h.generation);
  t.is(h.until! - clock.now(), 10_000, 'a probe sent after the suspension counts');
});
