/**
 * <throttle id="name" [onAccept="sequence"] [onReject="sequence"]>
 *   (<policy key="local entry or registry key"/> | <policy> <wsp:Policy>…</wsp:Policy> </policy>)?   (throttle-policy.ts)
 *   <onAccept> mediators… </onAccept>?
 *   <onReject> mediators… </onReject>?
 * </throttle>
 *
 * Synapse's ThrottleMediator. In the request path it limits the requests of the throttle `id`:
 * MaximumConcurrentAccess counts those in flight in this process (throttle-slots.ts), and each IP entry
 * counts one caller's requests per UnitTime in the session store, so every gateway node sharing the
 * store (memory: one process; IPC: the workers of --workers; Redis: every node) enforces one limit.
 * Counters are keyed by the throttle id and the caller's address: throttles with the same id count
 * together. `moor:key="expression"` (a moor extension, xmlns:moor="urn:moor:config") counts by the
 * expression's value instead, e.g. the session id a client sends (`$trp:Cookie`, a SOAP header): the
 * caller's address still chooses the policy entry, whose limit then holds for each key value; a message
 * whose key is empty counts under its caller's address. WSO2's grammar names callers by IP and DOMAIN
 * only, so a policy per session needs this extension (WSO2 ignores attributes of other namespaces). A request let through runs onAccept (then the sequence stops where onAccept stops), or the
 * sequence goes on; a request refused runs onReject, or is answered with a fault (MOOR_ERR_THROTTLED,
 * HTTP 429; WSO2's mediator with no onReject stops the message silently, which leaves the client with
 * an empty 202 — the fault tells it why; a fault sequence sees it as any error). A <throttle id> without a policy (the response path of
 * WSO2's samples) gives back the concurrency slot the exchange holds for that id, then goes on.
 *
 * Redis unreachable: each node counts alone in its own memory until Redis answers again (the store is
 * degraded, logged once, `moor_store_up 0`, and its decisions are counted in `moor_throttle_total` with
 * counts="local"), so the nodes together let up to N times the limit pass.
 * `<policy key="k"/>` reads the policy from the local entry or registry resource k (its errors are
 * reported in the file that holds it).
 */
import { createHash } from 'node:crypto';
import { MoorError } from '../errors.ts';
import { type Branch, inlineBranch, sequenceBranch } from './branch.ts';
import { type MediationEnv, type MediatorDefinition, type Outcome } from './mediator.ts';
import { type MessageContext } from '../message/context.ts';
import { entryFor, normalise } from './throttle-caller.ts';
import { compileExpression } from './value.ts';
import { type Expression } from '../expr/expression.ts';
import { parsePolicy, parseWsPolicy, type ThrottlePolicy } from './throttle-policy.ts';
import { ConcurrencySlots, releaseSlot } from './throttle-slots.ts';

export const throttle: MediatorDefinition = {
  name: 'throttle',
  parse(node, ctx) {
    node.allowAttributes('id', 'onAccept', 'onReject', 'description');
    node.allowChildren('policy', 'onAccept', 'onReject', 'description');
    const id = node.required('id');
    const policyNode = node.child('policy');
    let policy: ThrottlePolicy | undefined;
    if (policyNode) {
      policyNode.allowAttributes('key');
      const key = policyNode.attr('key');
      if (key === undefined) policy = parsePolicy(policyNode);
      else {
        // <policy key="k"/>: the policy is the local entry (or registry resource) k
        if (policyNode.children().length) policyNode.report('MOOR_ERR_BAD_VALUE', '<policy key="…"> takes the key or an inline <wsp:Policy>, not both');
        const entry = ctx.entry(key, policyNode, '<policy key>');
        if (entry?.kind === 'text') policyNode.report('MOOR_ERR_BAD_VALUE', `the entry "${key}" is text, not a <wsp:Policy>`);
        else if (entry) policy = parseWsPolicy(entry.node);
      }
    }
    const keyText = node.moorAttr('key');
    const key = keyText === undefined ? undefined : compileExpression(node, keyText);
    const onAccept = branchOf(node, 'onAccept', ctx);
    const onReject = branchOf(node, 'onReject', ctx);
    if (id === undefined) return undefined;
    if (!policyNode) {
      if (onAccept || onReject) node.warn('MOOR_WARN_NO_EFFECT', `<throttle id="${id}"> without a policy only gives back its concurrency slot: onAccept and onReject never run`);
      return { kind: 'throttle', loc: node.loc, mediate: (msg) => (releaseSlot(msg, id), 'continue') };
    }
    if (!policy) return undefined;
    const limits = policy;
    const slots = limits.maxConcurrent === undefined ? undefined : ctx.shared(`throttle:${id}`, () => new ConcurrencySlots());
    return {
      kind: 'throttle',
      loc: node.loc,
      async mediate(msg, env): Promise<Outcome> {
        if (msg.direction === 'response') {
          releaseSlot(msg, id);
          return 'continue';
        }
        const refusal = await check(msg, env, id, limits, slots, key);
        if (refusal === undefined) {
          if (!onAccept) return 'continue';
          env.trace('throttle:accept');
          return onAccept(msg, env);
        }
        if (!onReject) throw new MoorError('MOOR_ERR_THROTTLED', refusal);
        env.trace('throttle:reject');
        return onReject(msg, env);
      },
    };
  },
};

/** Why `msg` is refused, or undefined when it may pass (holding a concurrency slot if the policy has them). */
async function check(msg: MessageContext, env: MediationEnv, id: string, policy: ThrottlePolicy, slots: ConcurrencySlots | undefined, key: Expression | undefined): Promise<string | undefined> {
  if (slots && !slots.take(msg, id, policy.maxConcurrent!)) return `throttle "${id}": ${policy.maxConcurrent} requests are in flight already`;
  const caller = normalise(String(msg.axis2.get('REMOTE_ADDR') ?? ''));
  const entry = entryFor(policy.callers, caller);
  let refusal: string | undefined;
  if (entry?.limit.kind === 'deny') refusal = `throttle "${id}": the caller ${caller} is denied`;
  else if (entry?.limit.kind === 'count') {
    const rule = entry.limit.rule;
    // (a key value is kept apart from addresses by its prefix: key "1.2.3.4" is not the caller 1.2.3.4)
    const value = key ? await key.string(msg) : '';
    // (a client writes the key: a long one is counted by its digest, so a counter's name stays small)
    const counted = value === '' ? caller : `key:${value.length > 256 ? createHash('sha256').update(value).digest('base64url') : value}`;
    const who = value === '' ? `the caller ${caller}` : `the key "${value}"`;
    const hit = await env.endpoints.env.store.hit(`${id}|${counted}`, rule);
    if (hit.count > rule.max) refusal = `throttle "${id}": ${who} has made ${rule.max} requests in ${rule.windowMs} ms; try again in ${Math.ceil(hit.resetInMs / 1000)} s`;
  }
  if (refusal !== undefined) releaseSlot(msg, id);
  const { store, observer } = env.endpoints.env;
  observer?.throttle?.(id, refusal === undefined ? 'accepted' : 'refused', store.health === 'ok' ? 'store' : 'local');
  return refusal;
}

/** The onAccept/onReject branch: the sequence its attribute names, or its inline element. */
function branchOf(node: Parameters<MediatorDefinition['parse']>[0], name: 'onAccept' | 'onReject', ctx: Parameters<MediatorDefinition['parse']>[1]): Branch | undefined {
  const key = node.attr(name);
  const inline = node.child(name);
  if (key !== undefined && inline) node.report('MOOR_ERR_BAD_VALUE', `<throttle ${name}="${key}"> takes either the sequence key or an inline <${name}>, not both`);
  if (key !== undefined) return sequenceBranch(key, node, ctx);
  return inline && inlineBranch(inline, ctx);
}
