/**
 * The example of docs/testing.md, as written there but for the import (the sources: test/package/packed.test.ts
 * runs it on node:test against 'moor/testing' from the packed tarball): it must keep working.
 */
import test from 'ava';
import { createHarness, xpathValue } from '../../src/testing/index.ts';

test('a new client opens a session on cart1, and stays there', async (t) => {
  const moor = await createHarness('mediators', {
    mocks: {
      cart1: { envelope: 'mediators/tests/envelopes/cart-response.xml', headers: { 'set-cookie': 'JSESSIONID=s-1' } },
      CartNodes: { status: 503 }, // any other member of the group
    },
  });
  t.teardown(() => moor.close());

  const first = await moor.runProxy('CartService', {
    envelope: '<c:AddItem xmlns:c="urn:moor:demo:cart"><c:item>apple</c:item></c:AddItem>',
    soapAction: 'urn:moor:demo:cart/AddItem',
  });
  t.is(first.response.status, 200);
  t.is(xpathValue(first.response.envelope, '$body/*/c:count', { c: 'urn:moor:demo:cart' }), '1');
  t.is(first.received('cart1').length, 1);
  t.deepEqual(first.session, { key: 's-1', endpoint: 'cart1@http://127.0.0.1:9001/services/Cart', outcome: 'new' });
  t.true(first.logs.some((l) => l.component === 'log' && l.message.includes('AddItem')));

  const again = await moor.runProxy('CartService', { envelope: 'mediators/tests/envelopes/add-item.xml', headers: { cookie: 'JSESSIONID=s-1' } });
  t.is(again.calls[0]!.endpoint, 'cart1');

  moor.clock.advance(600_001); // the session's timeout, on the virtual clock
  const late = await moor.runProxy('CartService', { envelope: 'mediators/tests/envelopes/add-item.xml', headers: { cookie: 'JSESSIONID=s-1' } });
  t.is(late.response.status, 503, 'an expired session is routed as new: round robin goes on to cart2');
});
