/**
 * <call-template target="T" [description]>
 *   <with-param name="p" value="literal | {xpath expression} | {{xpath expression}}"/>*
 * </call-template>
 *
 * Runs the sequence template T (src/config/template-def.ts) in place, with its parameters: a literal
 * value as written, a `{…}` value evaluated in the caller's message when the template is called, a
 * `{{…}}` value passed as the expression itself, for the template to evaluate where it reads it
 * (template-param.ts), as Synapse's InvokeMediator and TemplateContext do; a parameter not given takes
 * its defaultValue. The template reads them as `$func:p` / `get-property('func', 'p')`; its 'stop' stops
 * the caller too, as a `<sequence key>` does.
 *
 * A `{…}` target (a template chosen per message) is refused: MOOR_ERR_UNSUPPORTED.
 *
 * Checked when the configuration loads: a target that names no template (not repeated when the
 * template itself was refused), a mandatory parameter not given (errors), a with-param the template
 * does not declare (a warning: Synapse ignores it).
 */
import { type FuncValue, withFuncScope } from '../expr/func-scope.ts';
import { type MediatorDefinition } from './mediator.ts';
import { runSequence } from './sequence-runner.ts';
import { type ParamSource, paramSource } from './template-param.ts';

export const callTemplate: MediatorDefinition = {
  name: 'call-template',
  parse(node, ctx) {
    node.allowAttributes('target', 'description');
    node.allowChildren('with-param', 'description');
    const target = node.required('target');
    const given = new Map<string, ParamSource>();
    // (a with-param whose expression does not compile is reported there, not again as missing)
    const named = new Set<string>();
    for (const w of node.children()) {
      if (w.name !== 'with-param') continue;
      w.allowAttributes('name', 'value', 'description');
      const name = w.required('name');
      const value = w.required('value');
      if (name === undefined || value === undefined) continue;
      if (named.has(name)) {
        w.report('MOOR_ERR_DUPLICATE_NAME', `the parameter "${name}" is given twice`);
        continue;
      }
      named.add(name);
      const source = paramSource(w, value);
      if (source) given.set(name, source);
    }
    if (target === undefined) return undefined;
    if (target.startsWith('{')) {
      node.report('MOOR_ERR_UNSUPPORTED', `a target in {…} (a template chosen per message) is not supported: name the template`);
      return undefined;
    }
    const template = ctx.template(target, node);
    if (!template) return undefined;
    const { def } = template;
    for (const w of node.children()) {
      const name = w.name === 'with-param' ? w.attr('name') : undefined;
      if (name !== undefined && !def.parameters.some((p) => p.name === name)) {
        w.warn('MOOR_WARN_NO_EFFECT', `the template "${target}" declares no parameter "${name}" (${def.loc.file}:${def.loc.line}:${def.loc.col}): ignored`);
      }
    }
    for (const p of def.parameters) {
      if (p.mandatory && !named.has(p.name) && p.defaultValue === undefined) node.report('MOOR_ERR_MISSING_ATTRIBUTE', `the template "${target}" needs the parameter "${p.name}" (<with-param name="${p.name}" value="…"/>)`);
    }
    return {
      kind: 'call-template',
      loc: node.loc,
      async mediate(msg, env) {
        const body = template.body.sequence;
        const params = new Map<string, FuncValue>();
        for (const p of def.parameters) {
          const source = given.get(p.name);
          // (evaluated before the template's frame is pushed: $func:x here is the caller's own parameter)
          const value = source ? await source(msg) : p.defaultValue;
          if (value !== undefined) params.set(p.name, value);
        }
        env.trace(`template:${target}`);
        return withFuncScope(msg, params, () => runSequence(body, msg, env));
      },
    };
  },
};
