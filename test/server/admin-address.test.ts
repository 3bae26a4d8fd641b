/** `--admin HOST:PORT` as written by operators, and which addresses count as loopback (open without a token). */
import test from 'ava';
import { isLoopback, parseAdminAddress } from '../../src/server/admin/address.ts';
import { normalisedUrl, tokenMatches } from '../../src/server/admin/router.ts';

test('HOST:PORT, [v6]:PORT and a bare port (loopback) are read; anything else is not an address', (t) => {
  t.deepEqual(parseAdminAddress('127.0.0.1:9164'), { host: '127.0.0.1', port: 9164 });
  t.deepEqual(parseAdminAddress('[::1]:9164'), { host: '::1', port: 9164 });
  t.deepEqual(parseAdminAddress('9164'), { host: '127.0.0.1', port: 9164 });
  t.deepEqual(parseAdminAddress(':9164'), { host: '127.0.0.1', port: 9164 });
  t.deepEqual(parseAdminAddress('admin.internal:80'), { host: 'admin.internal', port: 80 });
  for (const bad of ['nowhere', '127.0.0.1:', '127.0.0.1:99999', '[zz]:1', '::1:9164', '']) t.is(parseAdminAddress(bad), undefined, bad);
});

test('loopback: 127.0.0.0/8, ::1 and localhost; every other address and name is not', (t) => {
  for (const h of ['127.0.0.1', '127.9.9.9', '::1', 'localhost', '::ffff:127.0.0.1']) t.true(isLoopback(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.5', '128.0.0.1', 'admin.internal', '127.0.0.1.nip.io']) t.false(isLoopback(h), h);
});

test('paths are normalised before routing; a target that is not a path is refused', (t) => {
  t.is(normalisedUrl('/a/../endpoints/x/drain')?.pathname, '/endpoints/x/drain');
  t.is(normalisedUrl('/%2e%2e/%2E%2e/health')?.pathname, '/health');
  t.is(normalisedUrl('//evil/health')?.pathname, '/evil/health', 'a leading // stays a path, not an authority');
  t.is(normalisedUrl('http://other/health'), undefined);
  t.is(normalisedUrl('*'), undefined);
});

test('the bearer token must match whole; scheme case-insensitive', (t) => {
  t.true(tokenMatches('Bearer s3cret', 's3cret'));
  t.true(tokenMatches('bearer s3cret', 's3cret'));
  for (const h of [undefined, '', 's3cret', 'Bearer s3cre', 'Bearer s3crett', 'Basic s3cret', 'Bearer ', 'Bearer s3cret extra']) t.false(tokenMatches(h, 's3cret'), String(h));
});
