/**
 * <clone [id="name"] [sequential="true|false"] [continueParent="true|false"]>
 *   <target [sequence="key"] [endpoint="key"] [soapAction="action"]> <sequence>…</sequence>? | <endpoint>? </target>+
 * </clone>
 *
 * WSO2's Clone mediator: each <target> gets a copy of the whole message (its own properties too) and
 * runs it (src/mediators/split-target.ts), concurrently unless sequential="true". The copies are the
 * parts of one group, as an <iterate>'s are, so an <aggregate> (with the same `id`, if given) gathers
 * their replies; the clone waits for the targets or the aggregate as runGroup says. The original
 * message then stops, unless continueParent="true". The fan-out is the number of targets, fixed when
 * the configuration loads. A target's `to` is refused (set the To header in its sequence).
 */
import { type MediatorDefinition } from './mediator.ts';
import { SplitGroup } from './split-group.ts';
import { groupPart, parseSplitTarget, runGroup, type SplitTarget } from './split-target.ts';

export const clone: MediatorDefinition = {
  name: 'clone',
  parse(node, ctx) {
    node.allowAttributes('id', 'sequential', 'continueParent', 'description');
    node.allowChildren('target', 'description');
    const bool = (attr: string): boolean => node.oneOf(node.attr(attr), ['true', 'false'] as const, attr) === 'true';
    const sequential = bool('sequential');
    const continueParent = bool('continueParent');
    const id = node.attr('id');
    const targetNodes = node.children().filter((c) => c.name === 'target');
    if (targetNodes.length === 0) node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<clone> needs at least one <target> with a <sequence> or an <endpoint>');
    const targets = targetNodes.map((t) => parseSplitTarget(t, ctx, 'clone'));
    if (targets.length === 0 || targets.some((t) => !t)) return undefined;
    return {
      kind: 'clone',
      loc: node.loc,
      async mediate(msg, env) {
        const xml = String(await msg.envelopeView());
        const group = new SplitGroup(id, msg, targets.length);
        const parts = (targets as SplitTarget[]).map((target, i) => groupPart(msg, xml, target, group, i));
        return runGroup(group, parts, env, { sequential, continueParent, traceAs: 'clone' });
      },
    };
  },
};
