/**
 * The parts of the admin API that are plain computation: merging the workers' views of the endpoints
 * into one (`--workers N`), and the request-rate history the console draws (driven tick by tick, no
 * waiting).
 */
import test from 'ava';
import { mergeEndpoints } from '../../src/ops/cluster-operations.ts';
import { TrafficHistory } from '../../src/ops/traffic.ts';
import { type AddressView, type EndpointsView } from '../../src/ops/views.ts';

const address = (over: Partial<AddressView>): AddressView => ({ id: 'a@http://h/a', state: 'active', draining: false, reason: 'ok', since: '2026-12-02T10:00:00.000Z', inFlight: 0, sessions: 0, ...over });
const view = (endpoints: AddressView[]): EndpointsView => ({ groups: [], endpoints, sessionsTruncated: false, workers: 1 });

test('workers merged: the most severe state any worker sees, in-flight summed, sessions counted once', (t) => {
  const merged = mergeEndpoints([
    view([address({ inFlight: 2, sessions: 7 }), address({ id: 'b@http://h/b', state: 'timeout', reason: 'slow', inFlight: 1, sessions: 3 })]),
    view([address({ state: 'suspended', reason: '101503 refused', code: 101503, until: '2026-12-02T10:01:00.000Z', remainingMs: 5000, inFlight: 3, sessions: 7 }), address({ id: 'b@http://h/b', inFlight: 0, sessions: 3 })]),
  ]);
  t.is(merged.workers, 2);
  const [a, b] = merged.endpoints;
  t.like(a, { state: 'suspended', reason: '101503 refused', code: 101503, remainingMs: 5000, inFlight: 5, sessions: 7 });
  t.like(b, { state: 'timeout', reason: 'slow', inFlight: 1, sessions: 3 });
});

test('traffic history: requests per interval from the totals read at each tick, bounded in length', async (t) => {
  let total = 0;
  const h = new TrafficHistory(async () => total, 10_000, 3);
  await h.tick();
  t.deepEqual(await h.view(), { intervalMs: 10_000, perInterval: [], total: 0 });
  for (const n of [5, 0, 12, 7]) {
    total += n;
    await h.tick();
  }
  total += 1;
  t.deepEqual(await h.view(), { intervalMs: 10_000, perInterval: [0, 12, 7], total: 25 }, 'three intervals kept; the total is read when asked');
  total = 4; // a worker replaced: its count starts again
  await h.tick();
  t.deepEqual((await h.view()).perInterval, [12, 7, 0]);
});
