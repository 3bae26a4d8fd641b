/** Balancing orders: round robin, weighted, least active (moor's extension), and failover from a member. */
import test from 'ava';
import { Balancer } from '../../src/endpoints/balancer.ts';
import { type Endpoint } from '../../src/endpoints/endpoint.ts';

function member(id: string, inFlight = 0, up = true): Endpoint & { inFlight: number; up: boolean } {
  return {
    id,
    label: id,
    inFlight,
    up,
    draining: false,
    available(): boolean {
      return this.up;
    },
    send: () => Promise.reject(new Error('not sent in these tests')),
    *leaves() {
      yield this;
    },
  };
}

const ids = (es: Endpoint[]) => es.map((e) => e.id);

test('round robin starts each message at the next member; suspended members go last', (t) => {
  const [a, b, c] = [member('a'), member('b'), member('c')];
  const lb = new Balancer('roundRobin', [a, b, c], [1, 1, 1]);
  t.deepEqual(ids(lb.order(0)), ['a', 'b', 'c']);
  t.deepEqual(ids(lb.order(0)), ['b', 'c', 'a']);
  b.up = false;
  t.deepEqual(ids(lb.order(0)), ['c', 'a', 'b']);
  t.deepEqual(ids(lb.order(0)), ['a', 'c', 'b'], "b's turn: b is down, so it goes last");
});

test('weighted round robin (loadbalance.weight) gives each member its share, interleaved', (t) => {
  const lb = new Balancer('weightedRoundRobin', [member('a'), member('b')], [3, 1]);
  const firsts = Array.from({ length: 8 }, () => lb.order(0)[0]!.id);
  t.is(firsts.filter((x) => x === 'a').length, 6);
  t.is(firsts.filter((x) => x === 'b').length, 2);
  t.notDeepEqual(firsts.slice(0, 3), ['a', 'a', 'a'], 'interleaved, not in runs');
});

test('least active: the member with the fewest requests in flight first; ties follow the rotation', (t) => {
  const [a, b, c] = [member('a', 5), member('b', 1), member('c', 1)];
  const lb = new Balancer('leastActive', [a, b, c], [1, 1, 1]);
  t.deepEqual(ids(lb.order(0)), ['b', 'c', 'a']);
  t.deepEqual(ids(lb.order(0)), ['b', 'c', 'a']);
  t.deepEqual(ids(lb.order(0)), ['c', 'b', 'a'], 'the rotation breaks the tie between b and c');
  c.inFlight = 9;
  t.deepEqual(ids(lb.order(0))[0], 'b');
});

test('failover order: configuration order, or from a given member on, wrapping round', (t) => {
  const [a, b, c] = [member('a'), member('b'), member('c')];
  const fo = new Balancer('roundRobin', [a, b, c], [1, 1, 1]);
  t.deepEqual(ids(fo.ordered(0)), ['a', 'b', 'c']);
  t.deepEqual(ids(fo.ordered(0, undefined, b)), ['b', 'c', 'a']);
  c.up = false;
  t.deepEqual(ids(fo.ordered(0, new Set([b]), b)), ['a', 'c']);
});

test('excluded members are left out of every order; a draining member is only ever in it while it is up', (t) => {
  const [a, b, c] = [member('a'), member('b'), member('c')];
  const lb = new Balancer('roundRobin', [a, b, c], [1, 1, 1]);
  t.deepEqual(ids(lb.order(0, new Set([b]))), ['a', 'c']);
  t.deepEqual(ids(lb.ordered(0, new Set([a]))), ['b', 'c']);
  // a member that is neither available nor draining is a last resort; one that drains is none
  b.up = false;
  c.up = false;
  (c as { draining: boolean }).draining = true;
  t.deepEqual(ids(lb.ordered(0)), ['a', 'b']);
});
