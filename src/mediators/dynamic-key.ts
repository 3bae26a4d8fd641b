/**
 * Dynamic keys: a key written `{expression}` — `<sequence key="{get-property('next')}"/>`,
 * `<endpoint key="{$ctx:target}"/>` — or an endpoint's `key-expression="xpath"`, evaluated for each
 * message as Synapse does, instead of being taken as a literal name. The value names an artifact the
 * configuration loaded (its own, a local entry's, or a registry resource: with a dynamic key present,
 * every registry sequence and endpoint is loaded, config/registry-keys.ts);
 * a value that names none fails the message with MOOR_ERR_UNRESOLVED_KEY, naming the value.
 */
import { type ConfigNode } from '../config/node.ts';
import { type Expression } from '../expr/expression.ts';
import { compileExpression } from './value.ts';

/** Whether `key` is `{…}`, a dynamic key. */
export function isDynamicKey(key: string): boolean {
  return key.length > 2 && key.startsWith('{') && key.endsWith('}');
}

/** The expression of a dynamic key (`{…}`) written at `node`; undefined for a literal key or one that does not compile (reported). */
export function dynamicKey(key: string, node: ConfigNode): Expression | undefined {
  return isDynamicKey(key) ? compileExpression(node, key.slice(1, -1)) : undefined;
}

/**
 * The expression of `<endpoint key-expression>` or `<endpoint key="{…}">`, if `epNode` is a dynamic
 * endpoint; `null` when it is one whose expression did not compile (reported at `epNode`).
 */
export function dynamicEndpoint(epNode: ConfigNode | undefined): Expression | null | undefined {
  if (!epNode) return undefined;
  const expression = epNode.attr('key-expression');
  const key = epNode.attr('key');
  if (expression === undefined && (key === undefined || !isDynamicKey(key))) return undefined;
  epNode.allowAttributes('key', 'key-expression', 'name');
  epNode.allowChildren('description');
  if (expression !== undefined && key !== undefined) epNode.report('MOOR_ERR_BAD_VALUE', '<endpoint> takes key or key-expression, not both');
  return (expression !== undefined ? compileExpression(epNode, expression) : dynamicKey(key!, epNode)) ?? null;
}
