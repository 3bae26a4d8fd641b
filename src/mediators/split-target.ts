/**
 * What <iterate> and <clone> share: the `<target>` a part runs, and the run of a group of parts.
 *   <target [sequence="key"] [endpoint="key"] [soapAction="action"] [to="address"]>
 *     <sequence> mediators… </sequence>?  |  <endpoint …/>?
 *   </target>
 * A part runs the target's sequence (which usually <send>s, so the reply runs the out sequence, where
 * <aggregate> waits), or is sent to its endpoint and the reply runs the out sequence. `to` sets the
 * part's WS-Addressing To first, as `<header name="To">` does (so a `<send/>` in the sequence goes there).
 */
import { parseEndpoint } from '../config/endpoint-def.ts';
import { type ConfigNode } from '../config/node.ts';
import { inheritFuncScope } from '../expr/func-scope.ts';
import { MessageContext } from '../message/context.ts';
import { MessageBody } from '../message/message-body.ts';
import { Axis2Scope, DefaultScope } from '../message/property-scopes.ts';
import { type MediationEnv, type Outcome, type ParseContext, type Sequence } from './mediator.ts';
import { setAddressing } from './header.ts';
import { type EndpointLink, SequenceLink } from './links.ts';
import { runSequence } from './sequence-runner.ts';
import { joinGroup, type SplitGroup } from './split-group.ts';
import { dropReply } from './request-copy.ts';

/** A parsed <target>: runs one part. */
export interface SplitTarget {
  readonly soapAction: string | undefined;
  run(part: MessageContext, env: MediationEnv): Promise<void>;
}

/** The target written at `target` of the mediator `owner`; undefined (reported) when it is not one. */
export function parseSplitTarget(target: ConfigNode, ctx: ParseContext, owner: string): SplitTarget | undefined {
  target.allowAttributes('sequence', 'endpoint', 'soapAction', 'to');
  target.allowChildren('sequence', 'endpoint');
  const to = target.attr('to');
  let sequence: Sequence | SequenceLink | undefined;
  let endpoint: EndpointLink | undefined;
  const seqKey = target.attr('sequence');
  const seqNode = target.child('sequence');
  const epKey = target.attr('endpoint');
  const epNode = target.child('endpoint');
  if (seqKey !== undefined) {
    sequence = ctx.sequenceRef(seqKey, target);
  } else if (seqNode) {
    seqNode.allowAttributes('description');
    sequence = { name: undefined, loc: seqNode.loc, mediators: ctx.mediators(seqNode), onError: undefined };
  }
  if (epKey !== undefined) {
    endpoint = ctx.endpoint({ kind: 'ref', loc: target.loc, key: epKey }, target);
  } else if (epNode) {
    const def = parseEndpoint(epNode);
    if (def) endpoint = ctx.endpoint(def, epNode);
  }
  if ((sequence === undefined) === (endpoint === undefined)) {
    target.report('MOOR_ERR_BAD_VALUE', `<target> of <${owner}> takes a sequence or an endpoint (one of them)`);
    return undefined;
  }
  return {
    soapAction: target.attr('soapAction'),
    async run(part, env) {
      // as Synapse's Target: the part's To is set before its sequence or endpoint takes it (a <send/>
      // without an endpoint then goes there; an endpoint sends to its own address)
      if (to !== undefined) setAddressing(part, await part.head(), 'To', to, target.loc, '<target to>');
      if (endpoint) {
        await env.onResponse(await endpoint.endpoint.send(part));
        return;
      }
      await runSequence(sequence instanceof SequenceLink ? sequence.sequence : sequence!, part, env);
    },
  };
}

/** A part of `group`, number `index`, made from `xml`, that runs `target` (with its soapAction, if it has one). */
export function groupPart(origin: MessageContext, xml: string, target: SplitTarget, group: SplitGroup, index: number): { readonly part: MessageContext; readonly target: SplitTarget } {
  const part = partOf(origin, xml);
  if (target.soapAction !== undefined) part.transport.set('soapaction', `"${target.soapAction}"`);
  joinGroup(part.properties, group, index);
  return { part, target };
}

/** A part: a request of its own, with copies of the properties (and template parameters), whose replies go nowhere but back here. */
function partOf(origin: MessageContext, xml: string): MessageContext {
  const part = new MessageContext('request', new Map(origin.transport), new MessageBody(Buffer.from(xml), origin.body.limits, undefined, 'trusted'), origin.abort, origin.log, dropReply, {
    id: origin.id,
    properties: new DefaultScope(origin.properties),
    axis2: new Axis2Scope(origin.axis2),
    version: origin.version,
  });
  inheritFuncScope(origin, part);
  return part;
}


/**
 * Runs the parts of `group` (concurrently, or one after another) and waits until an <aggregate> has
 * answered the client, or until every part is done. Then, if some replies arrived but the aggregate has
 * not completed (a part was dropped, or failed), it completes with what arrived — if any part failed,
 * only when <messageCount min> is met; otherwise the first part's error is raised here (for onError and
 * the fault sequence). The original message then stops, unless `continueParent`.
 */
export async function runGroup(
  group: SplitGroup,
  parts: readonly { readonly part: MessageContext; readonly target: SplitTarget }[],
  env: MediationEnv,
  opts: { readonly sequential: boolean; readonly continueParent: boolean; readonly traceAs: string },
): Promise<Outcome> {
  const failures: unknown[] = [];
  const run = async ({ part, target }: (typeof parts)[number], i: number): Promise<void> => {
    env.trace(`${opts.traceAs}:${i + 1}`);
    try {
      await target.run(part, env);
    } catch (e) {
      failures.push(e);
    }
  };
  const all = (async () => {
    if (opts.sequential) for (const [i, p] of parts.entries()) await run(p, i);
    else await Promise.all(parts.map(run));
  })();
  await Promise.race([all, group.completed]);
  if (!group.isComplete) {
    // every part is done and no aggregate completed: complete with what arrived, if that is enough
    for (const agg of group.aggregations.values()) {
      if (agg.done || agg.arrivals.length === 0) continue;
      if (failures.length === 0 || (agg.min !== undefined && agg.arrivals.length >= agg.min)) await agg.complete();
    }
  }
  if (group.error !== undefined) throw group.error;
  if (!group.isComplete && failures.length) throw failures[0];
  return opts.continueParent ? 'continue' : 'stop';
}
