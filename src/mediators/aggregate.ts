/**
 * <aggregate [id="name"]>
 *   <completeCondition [timeout="seconds"]>
 *     <messageCount [min="n|-1|{xpath}"] [max="n|-1|{xpath}"]/>?   ({xpath}: evaluated on the first reply)
 *   </completeCondition>?
 *   <onComplete [expression="xpath"] [sequence="key"] [xmlns:p="…"]>
 *     mediators…
 *   </onComplete>
 * </aggregate>
 *
 * Gathers the replies to the parts of an <iterate> or the copies of a <clone> (with the same `id`, if given) into one message. A
 * reply that reaches it is held and its path stops there; when the group is complete — a reply to
 * every part, `max` replies, or `timeout` seconds after the first reply — the elements `expression`
 * selects in each reply (by default, the first element of its Body) are put together (after those of the first reply, beside them) in the first
 * reply's envelope, and onComplete runs on that message, which answers the client of the split message:
 * a <send/> or <respond/> in onComplete sends it, and if onComplete ends without having sent it, a
 * response is sent anyway, as at the end of an out sequence. Replies that come after completion are
 * dropped. `min` is the fewest replies to complete with when parts failed (see <iterate>). A message
 * that is not a reply to an iterate part passes through unchanged.
 */
import { dynamicKey, isDynamicKey } from './dynamic-key.ts';
import { MoorError } from '../errors.ts';
import { MessageBody } from '../message/message-body.ts';
import { type MessageContext } from '../message/context.ts';
import { parseBranch } from './branch.ts';
import { type MediationEnv, type MediatorDefinition } from './mediator.ts';
import { type Aggregation, type Arrival, membershipOf, type SplitGroup } from './split-group.ts';
import { compileExpression } from './value.ts';

export const aggregate: MediatorDefinition = {
  name: 'aggregate',
  parse(node, ctx) {
    node.allowAttributes('id', 'description');
    node.allowChildren('completeCondition', 'onComplete', 'correlateOn', 'description');
    const id = node.attr('id');
    const correlate = node.child('correlateOn');
    correlate?.report('MOOR_ERR_UNSUPPORTED', '<correlateOn> is not supported: moor aggregates the replies to the parts of an <iterate>');
    const condition = node.child('completeCondition');
    condition?.allowAttributes('timeout');
    condition?.allowChildren('messageCount');
    const timeoutS = condition?.attr('timeout') !== undefined ? Number(condition.attr('timeout')) : undefined;
    if (timeoutS !== undefined && !(timeoutS > 0)) condition?.report('MOOR_ERR_BAD_VALUE', `timeout must be a positive number of seconds, not "${condition.attr('timeout') ?? ''}"`);
    const count = condition?.child('messageCount');
    count?.allowAttributes('min', 'max');
    // a bound is a number, -1 (Synapse's "no bound"), or {xpath} evaluated on the first reply (as Synapse's Value)
    const bound = (attr: string): ((msg: MessageContext) => Promise<number | undefined>) | undefined => {
      const raw = count?.attr(attr);
      if (raw === undefined || raw.trim() === '-1') return async () => undefined;
      const dynamic = count && dynamicKey(raw.trim(), count);
      if (dynamic) return async (msg) => countOf(await dynamic.string(msg), attr);
      if (isDynamicKey(raw.trim())) return undefined;
      const n = count?.integer(raw, attr);
      return async () => n;
    };
    const minOf = bound('min');
    const maxOf = bound('max');

    const onComplete = node.child('onComplete');
    if (!onComplete) node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<aggregate> needs an <onComplete>');
    onComplete?.allowAttributes('expression', 'sequence', 'enclosingElementProperty', 'aggregateElementType');
    if (onComplete?.attr('enclosingElementProperty') !== undefined) onComplete.report('MOOR_ERR_UNSUPPORTED', 'enclosingElementProperty is not supported');
    // Synapse's default: the first element of each reply's Body
    const expression = onComplete ? compileExpression(onComplete, onComplete.attr('expression') ?? '$body/*') : undefined;
    const branch = onComplete && parseBranch(onComplete, ctx);
    if (!expression || !branch || !minOf || !maxOf) return undefined;

    const self = {};
    /** Puts the replies together and runs onComplete; answers the client of the split message. */
    const finish = async (group: SplitGroup, agg: Aggregation, env: MediationEnv): Promise<void> => {
      if (agg.done) return;
      agg.done = true;
      if (agg.timer) clearTimeout(agg.timer);
      let error: unknown;
      try {
        const merged = merge(group.origin, agg.arrivals);
        env.trace('aggregate:complete');
        const outcome = await branch(merged, env);
        if (outcome === 'continue' && merged.direction === 'response') await merged.respondToClient();
      } catch (e) {
        error = e;
      }
      group.markCompleted(error);
    };

    return {
      kind: 'aggregate',
      loc: node.loc,
      async mediate(msg, env) {
        const member = membershipOf(msg);
        if (!member || (id !== undefined && member.group.id !== id)) return 'continue';
        const { group, index } = member;
        // (evaluated before the look-up, so that finding or creating the aggregation stays one synchronous step)
        const [minNow, maxNow] = await Promise.all([minOf(msg), maxOf(msg)]);
        let agg = group.aggregations.get(self);
        if (!agg) {
          const created: Aggregation = {
            arrivals: [],
            done: false,
            timer: undefined,
            min: minNow,
            max: maxNow,
            complete: () => finish(group, created, env),
          };
          if (timeoutS !== undefined && timeoutS > 0) {
            created.timer = setTimeout(() => void created.complete(), timeoutS * 1000);
            created.timer.unref();
          }
          group.aggregations.set(self, created);
          agg = created;
        }
        if (agg.done) return 'stop';
        // read the reply now, while its connection is open; it is put together on completion
        const doc = await msg.envelopeDom();
        const matches = await expression.nodes(msg, { wholeEnvelope: true });
        agg.arrivals.push({ index, msg, doc, matches });
        const wanted = Math.min(agg.max ?? group.total, group.total);
        if (agg.arrivals.length >= wanted) await agg.complete();
        return 'stop';
      },
    };
  },
};

/**
 * The aggregated message: the first reply (in part order) that has matches gives the envelope; the
 * matches of the others follow its own, under the same parent. It answers the split message's client.
 */
function merge(origin: MessageContext, arrivals: readonly Arrival[]): MessageContext {
  const sorted = [...arrivals].sort((a, b) => a.index - b.index);
  const base = sorted.find((a) => a.matches.length) ?? sorted[0]!;
  const doc = base.doc;
  let anchor = base.matches[base.matches.length - 1];
  const parent = anchor?.parentNode;
  if (anchor && parent) {
    for (const a of sorted) {
      if (a === base) continue;
      for (const m of a.matches) {
        const copy = doc.importNode(m, true);
        parent.insertBefore(copy, anchor.nextSibling);
        anchor = copy;
      }
    }
  }
  const transport = new Map<string, string | string[]>();
  const ct = base.msg.transport.get('content-type');
  if (ct !== undefined) transport.set('content-type', ct);
  const merged = origin.derive(base.msg.direction, transport, new MessageBody(Buffer.from(String(doc)), origin.body.limits, undefined, 'trusted'));
  merged.status = base.msg.status;
  return merged;
}

/** A bound an expression gave: a whole number, -1 or nothing for none; anything else fails the reply. */
function countOf(value: string, attr: string): number | undefined {
  const v = value.trim();
  if (v === '' || v === '-1') return undefined;
  if (!/^\d+$/.test(v)) throw new MoorError('MOOR_ERR_MEDIATION', `<messageCount ${attr}> gave "${value}", which is not a whole number`);
  return Number(v);
}
