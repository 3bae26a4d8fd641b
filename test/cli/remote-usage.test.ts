/** The commands against a running gateway refuse a bad flag themselves: a usage message and exit 2, before any call. */
import test from 'ava';
import { freePort } from '../helpers/redis.ts';
import { runMoor } from './run-moor.ts';

test('moor sessions --limit outside 1…10000 is a usage error (exit 2), not a refused call (exit 1)', async (t) => {
  // nothing listens there: a call would fail with "no gateway answers", exit 1
  const admin = `http://127.0.0.1:${await freePort()}`;
  for (const limit of ['0', '10001', 'lots']) {
    const r = await runMoor(['sessions', '--limit', limit, '--admin', admin], process.cwd());
    t.is(r.code, 2, limit);
    const expected = limit === 'lots' ? 'moor: --limit takes a whole number, not "lots"' : `moor: --limit takes a whole number from 1 to 10000, not "${limit}"`;
    t.is(r.stderr.split('\n')[0], expected);
    t.regex(r.stderr, /\nusage:\n/);
    t.is(r.stdout, '');
  }
  const fine = await runMoor(['sessions', '--limit', '10000', '--admin', admin], process.cwd());
  t.is(fine.code, 1, 'a limit in range is sent: here nobody answers');
  t.regex(fine.stderr, /^moor: no gateway answers at /);
});
