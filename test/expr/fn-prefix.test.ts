/**
 * `fn:concat(…)` without `xmlns:fn`: Synapse's XPath engine resolves core functions whatever their
 * prefix, and Synapse configurations (samples 2, 156, 254, 360…) rely on it, so moor does the same.
 */
import test from 'ava';
import { Expression } from '../../src/expr/expression.ts';

const NS = new Map([['m0', 'http://services.samples']]);

test('fn: calls compile as the core functions, declared or not', (t) => {
  t.notThrows(() => new Expression("fn:concat('Normal Stock - ', //m0:getQuote/m0:request/m0:symbol)", NS));
  t.notThrows(() => new Expression("fn:number(get-property('A')) > fn:number(get-property('B'))", NS));
  t.notThrows(() => new Expression("fn:concat('a', 'b')", new Map([['fn', 'http://www.w3.org/2005/xpath-functions']])));
  t.false(new Expression("fn:concat(get-property('A'), $trp:X)", NS).needsBody, 'the prefix does not make it look like a body path');
});

test('fn: is still a prefix in a name test', (t) => {
  t.throws(() => new Expression('//fn:foo', NS), { message: /prefix "fn" in "\/\/fn:foo" is not declared/ });
  t.notThrows(() => new Expression("concat('fn:x(', 'y')", NS), 'inside a string literal nothing changes');
});
