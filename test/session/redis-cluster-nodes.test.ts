/** The replica of each slot range, read from a CLUSTER NODES reply (durable mode's reads on Redis Cluster). */
import test from 'ava';
import { parseNodes } from '../../src/session/redis-cluster-replicas.ts';

const NODES = `42d9 127.0.0.1:38831@48831 master - 0 1796230208220 2 connected 5461-10922
bcbb 127.0.0.1:36415@46415 master - 0 1796230208000 3 connected 10923-16382 16383 [16383->-aaaa]
5be8 127.0.0.1:44203@54203 slave bcbb 0 1796230208220 3 connected
31d2 :37079@47079 myself,master - 0 1796230208000 1 connected 0-5460
ccb3 127.0.0.1:39003@49003 slave,fail 42d9 0 1796230208321 2 disconnected
d692 10.0.0.9:43077@53077,cache-3.internal slave 31d2 0 1796230208118 1 connected
`;

test('each primary’s ranges with a replica that is not failed; an empty host is the one asked', (t) => {
  t.deepEqual(parseNodes(NODES, '10.0.0.1'), [
    { start: 5461, end: 10922, replica: undefined },
    { start: 10923, end: 16382, replica: '127.0.0.1:44203' },
    { start: 16383, end: 16383, replica: '127.0.0.1:44203' },
    { start: 0, end: 5460, replica: '10.0.0.9:43077' },
  ]);
  t.deepEqual(parseNodes('5be8 :44203@54203 myself,slave bcbb 0 0 3 connected\nbcbb 127.0.0.1:36415@46415 master - 0 0 3 connected 0-16383\n', '10.0.0.2'), [{ start: 0, end: 16383, replica: '10.0.0.2:44203' }]);
});
