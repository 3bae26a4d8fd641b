/** The hash slot of a key, as Redis Cluster computes it (the values of `CLUSTER KEYSLOT` in Redis's documentation). */
import test from 'ava';
import { keySlot } from '../../src/session/redis-slot.ts';

test('keys and hash tags map to the slots Redis gives them', (t) => {
  t.is(keySlot('somekey'), 11058);
  t.is(keySlot('foo{hash_tag}'), 2515);
  t.is(keySlot('foo'), 12182);
  t.is(keySlot('{user1}.following'), keySlot('user1'), 'a hash tag decides the slot');
  t.not(keySlot('{}user1'), keySlot(''), 'an empty tag is no tag: the whole key is hashed');
});
