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
  const limits: Partial<Record<keyof MessageLimits, number>> = {};
  for (const name of LIMIT_NAMES) {
    const n = node.integer(node.attr(name), `<moor:limits ${name}>`);
    if (n === undefined) continue;
    if (n === 0) node.report('MOOR_ERR_BAD_VALUE', `<moor:limits ${name}> must be above 0`);
    else limits[name] = n;
  }
  return limits;
}
