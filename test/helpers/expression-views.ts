/**
 * An expression's string over a message, read both ways moor reads one: over the compact view of an
 * unchanged message and over the DOM of a changed one. The two must agree (the assertion is the test's).
 */
import { Expression } from '../../src/expr/expression.ts';
import { contextOf } from '../fixtures/messages.ts';

export async function stringOverBothViews(
  t: { is(a: unknown, b: unknown, m?: string): void },
  envelope: string,
  xpath: string,
  namespaces: Map<string, string>,
): Promise<string> {
  const e = new Expression(xpath, namespaces);
  const viewed = await e.string(contextOf(envelope));
  const changed = contextOf(envelope);
  await changed.envelopeDom();
  t.is(await e.string(changed), viewed, `${xpath}: the DOM and the compact view agree`);
  return viewed;
}
