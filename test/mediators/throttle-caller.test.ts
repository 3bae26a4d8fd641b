/** Which throttle:ID entry applies to a caller, and the fixed-window rule of the memory counters, on a clock the test moves. */
import test from 'ava';
import { entryFor, parseIpMatch } from '../../src/mediators/throttle-caller.ts';
import { ManualClock } from '../../src/session/clock.ts';
import { WindowCounters } from '../../src/session/window-counters.ts';

const entries = ['other', '10.0.0.0-10.0.0.9', '10.0.*.*', '10.0.0.5', '::1'].map((text) => ({ text, match: parseIpMatch(text)! }));
const applies = (ip: string) => entryFor(entries, ip)?.text;

test('an exact address wins, then a range or pattern (in document order), then other', (t) => {
  t.is(applies('10.0.0.5'), '10.0.0.5');
  t.is(applies('::ffff:10.0.0.5'), '10.0.0.5', 'an IPv4 address on a dual-stack socket');
  t.is(applies('10.0.0.7'), '10.0.0.0-10.0.0.9');
  t.is(applies('10.0.3.7'), '10.0.*.*');
  t.is(applies('192.168.1.1'), 'other');
  t.is(applies('::1'), '::1');
  t.is(entryFor(entries.slice(1), '192.168.1.1'), undefined, 'no other: an unlisted caller is not throttled');
});

test('what a throttle:ID may say', (t) => {
  for (const bad of ['10.0.0.300', '10.0.0.9-10.0.0.1', 'example.com', '10.*', '10.0.x.*', '']) t.is(parseIpMatch(bad), undefined, bad);
  t.deepEqual(parseIpMatch(' 192.168.8.200-192.168.8.222\n'), { kind: 'range', from: 3232237768, to: 3232237790 });
});

test('fixed window: MaximumCount per UnitTime from the first request; the prohibition from the first refusal', (t) => {
  const clock = new ManualClock(0);
  const c = new WindowCounters(clock);
  const rule = { max: 2, windowMs: 1000, prohibitMs: 0 };
  t.deepEqual([c.hit('a', rule), c.hit('a', rule), c.hit('a', rule)], [{ count: 1, resetInMs: 1000 }, { count: 2, resetInMs: 1000 }, { count: 3, resetInMs: 1000 }]);
  t.deepEqual(c.hit('b', rule), { count: 1, resetInMs: 1000 }, 'each key counts alone');
  clock.advance(999);
  t.deepEqual(c.hit('a', rule), { count: 4, resetInMs: 1 });
  clock.advance(1);
  t.deepEqual(c.hit('a', rule), { count: 1, resetInMs: 1000 });
  const prohibit = { max: 1, windowMs: 1000, prohibitMs: 5000 };
  c.hit('p', prohibit);
  clock.advance(100);
  t.deepEqual(c.hit('p', prohibit), { count: 2, resetInMs: 5000 }, 'refused: five seconds from now, past the window');
  clock.advance(5000);
  t.deepEqual(c.hit('p', prohibit), { count: 1, resetInMs: 1000 });
  clock.advance(10_000);
  c.sweep();
  t.is(c.size, 0, 'ended windows are swept');
});
