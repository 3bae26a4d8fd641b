/**
 * <filter (source="xpath" regex="re" | xpath="xpath") [xmlns:p="…"]>
 *   <then [sequence="key"]> mediators… </then>
 *   <else [sequence="key"]> mediators… </else>?
 * </filter>
 * <filter (source="…" regex="…" | xpath="…")> mediators… </filter>          (short form: the then branch)
 *
 * Runs one branch or the other: with source+regex, `then` when the source's string value matches the
 * whole regex; with xpath, `then` when the expression's boolean value is true (an MI 4.4 Synapse
 * expression, `xpath="${…}"`, when it is true, a non-empty string or a non-zero number). A branch that stops
 * (<drop/>, <respond/>) stops the sequence around the filter too, as in Synapse.
 */
import { type MediatorDefinition } from './mediator.ts';
import { type Branch, parseBranch, wholeMatchRegex } from './branch.ts';
import { hasSynapseExpression } from '../expr/synapse-expression.ts';
import { compileExpression, synapseExpression } from './value.ts';

export const filter: MediatorDefinition = {
  name: 'filter',
  parse(node, ctx) {
    node.allowAttributes('source', 'regex', 'xpath', 'description');
    const xpathText = node.attr('xpath');
    const sourceText = node.attr('source');
    let test: ((msg: Parameters<Branch>[0]) => Promise<boolean>) | undefined;
    if (xpathText !== undefined && (sourceText !== undefined || node.attr('regex') !== undefined)) {
      node.report('MOOR_ERR_BAD_VALUE', '<filter> takes xpath, or source with regex, not both');
    } else if (xpathText !== undefined && hasSynapseExpression(xpathText)) {
      // MI 4.4 writes its conditions as Synapse expressions: <filter xpath="${exists(payload.id)}">
      const expr = synapseExpression(node, xpathText);
      test = expr && ((msg) => expr.boolean(msg));
    } else if (xpathText !== undefined) {
      const expr = compileExpression(node, xpathText);
      test = expr && ((msg) => expr.boolean(msg));
    } else if (sourceText !== undefined) {
      const expr = compileExpression(node, sourceText);
      const regex = wholeMatchRegex(node, 'regex');
      test = expr && regex && (async (msg) => regex.test(await expr.string(msg)));
    } else node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<filter> needs xpath="…", or source="…" with regex="…"');

    const thenNode = node.child('then');
    const elseNode = node.child('else');
    let onTrue: Branch | undefined;
    let onFalse: Branch | undefined;
    if (thenNode || elseNode) {
      node.allowChildren('then', 'else', 'description');
      thenNode?.allowAttributes('sequence');
      elseNode?.allowAttributes('sequence');
      onTrue = thenNode && parseBranch(thenNode, ctx);
      onFalse = elseNode && parseBranch(elseNode, ctx);
    } else onTrue = parseBranch(node, ctx, undefined);
    if (!test) return undefined;
    const check = test;
    return {
      kind: 'filter',
      loc: node.loc,
      async mediate(msg, env) {
        const passed = await check(msg);
        const branch = passed ? onTrue : onFalse;
        if (!branch) return 'continue';
        env.trace(passed ? 'filter:then' : 'filter:else');
        return branch(msg, env);
      },
    };
  },
};
