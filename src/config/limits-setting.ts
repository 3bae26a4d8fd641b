/**
 * `<moor:limits maxMessageBytes="…" headTimeoutMs="…" …/>`: each attribute is one limit of
 * src/message/limits.ts, by its name, a whole number of bytes, milliseconds or connections. Limits not
 * written keep their defaults; `GatewayOptions.limits` (and `moor start` flags) win over these.
 */
import { LIMIT_NAMES, type MessageLimits } from '../message/limits.ts';
import { type ConfigNode } from './node.ts';

/** The limits `<moor:limits>` sets, checked (whole numbers, above 0). */
export function parseLimits(node: ConfigNode): Partial<MessageLimits> {
  node.allowAttributes(...LIMIT_NAMES);
  node.allowChildren();
  return limitAttributes(node, LIMIT_NAMES, 'moor:limits');
}

/**
 * The attributes `names` of `node` (the element `<element>`) as limits: whole numbers above 0, each
 * problem reported at the element. Also read for `<moor:admin>`'s own limits (admin-limits.ts).
 */
export function limitAttributes<K extends string>(node: ConfigNode, names: readonly K[], element: string): Partial<Record<K, number>> {
  const limits: Partial<Record<K, number>> = {};
  for (const name of names) {
    const n = node.integer(node.attr(name), `<${element} ${name}>`);
    if (n === undefined) continue;
    if (n === 0) node.report('MOOR_ERR_BAD_VALUE', `<${element} ${name}> must be above 0`);
    else limits[name] = n;
  }
  return limits;
}
