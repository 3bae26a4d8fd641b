/** What `moor endpoints` and `moor sessions` print for people: aligned tables, the state and why. */
import test from 'ava';
import { formatEndpoints, formatSessions } from '../../src/cli/remote.ts';
import { duration, table } from '../../src/cli/table.ts';

test('endpoints: one row per address with state, sessions, in flight, time left and reason; groups below', (t) => {
  const text = formatEndpoints({
    endpoints: [
      { id: 'cart1@http://10.0.0.1/c', state: 'active', draining: false, reason: 'it answered', since: '', inFlight: 2, sessions: 41 },
      { id: 'cart2@http://10.0.0.2/c', state: 'suspended', draining: true, reason: '101503 refused; suspended for 30000 ms', code: 101503, since: '', until: '', remainingMs: 12_400, inFlight: 0, sessions: 3 },
    ],
    groups: [{ id: 'Carts', kind: 'loadbalance', session: 'table', draining: false, members: ['cart1@http://10.0.0.1/c', 'cart2@http://10.0.0.2/c'], sessions: 44 }],
    sessionsTruncated: false,
    workers: 1,
  });
  t.is(
    text,
    [
      'ENDPOINT                 STATE                SESSIONS  IN FLIGHT  BACK IN  REASON',
      'cart1@http://10.0.0.1/c  active               41        2',
      'cart2@http://10.0.0.2/c  suspended, draining  3         0          12 s     101503 refused; suspended for 30000 ms',
      '',
      'GROUP  KIND         SESSION  SESSIONS  MEMBERS',
      'Carts  loadbalance  table    44        cart1@http://10.0.0.1/c cart2@http://10.0.0.2/c',
    ].join('\n'),
  );
});

test('endpoints: a sentence when the configuration has none, not a bare header', (t) => {
  t.is(formatEndpoints({ endpoints: [], groups: [], sessionsTruncated: false, workers: 1 }), 'no endpoints: the configuration sends to none');
});

test('sessions: a row per binding, a note when more match, a sentence when none', (t) => {
  t.is(formatSessions({ sessions: [], truncated: false, limit: 100 }), 'no live sessions');
  const text = formatSessions({ sessions: [{ group: 'Carts', session: 'c-17', endpoint: 'cart1@http://h/c', expires: '2026-12-02T10:00:00.000Z' }], truncated: true, limit: 1 });
  t.is(text.split('\n')[1], 'Carts  c-17     cart1@http://h/c  2026-12-02T10:00:00.000Z');
  t.regex(text, /1 shown; more may match/);
});

test('table pads every column but the last; durations read as people say them', (t) => {
  t.is(table(['A', 'BB'], [['xyz', '1']]), 'A    BB\nxyz  1');
  t.deepEqual([duration(950), duration(12_400), duration(185_000), duration(120_000)], ['950 ms', '12 s', '3 min 5 s', '2 min']);
});
