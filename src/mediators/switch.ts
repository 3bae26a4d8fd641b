/**
 * <switch source="xpath" [xmlns:p="…"]>
 *   <case regex="re"> mediators… </case>+
 *   <default> mediators… </default>?
 * </switch>
 *
 * Evaluates `source` once and runs the first case whose regex matches its whole string value, else the
 * default (if any). A case that stops (<drop/>, <respond/>) stops the sequence around the switch too.
 */
import { type MediatorDefinition } from './mediator.ts';
import { type Branch, parseBranch, wholeMatchRegex } from './branch.ts';
import { compileExpression } from './value.ts';

export const switchMediator: MediatorDefinition = {
  name: 'switch',
  parse(node, ctx) {
    node.allowAttributes('source', 'description');
    node.allowChildren('case', 'default', 'description');
    const sourceText = node.required('source');
    const source = sourceText !== undefined ? compileExpression(node, sourceText) : undefined;
    const cases: { regex: RegExp; text: string; branch: Branch }[] = [];
    let fallback: Branch | undefined;
    for (const c of node.children()) {
      if (c.name === 'case') {
        c.allowAttributes('regex', 'description');
        const regex = wholeMatchRegex(c, 'regex');
        const branch = parseBranch(c, ctx, undefined);
        if (regex) cases.push({ regex, text: c.attr('regex') ?? '', branch });
      } else if (c.name === 'default') {
        c.allowAttributes('description');
        if (fallback) c.report('MOOR_ERR_BAD_VALUE', '<switch> takes one <default>');
        fallback = parseBranch(c, ctx, undefined);
      }
    }
    if (!source) return undefined;
    return {
      kind: 'switch',
      loc: node.loc,
      async mediate(msg, env) {
        const value = await source.string(msg);
        const hit = cases.find((c) => c.regex.test(value));
        if (hit) {
          env.trace(`switch:case:${hit.text}`);
          return hit.branch(msg, env);
        }
        if (!fallback) return 'continue';
        env.trace('switch:default');
        return fallback(msg, env);
      },
    };
  },
};
