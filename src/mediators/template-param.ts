/**
 * What a `<with-param value="…">` of `<call-template>` gives the template, as Synapse's ValueFactory
 * and TemplateContext read it:
 *
 *   value="literal"     the text as written
 *   value="{expr}"      expr evaluated in the caller's message when the template is called
 *   value="{{expr}}"    expr itself, unevaluated: the template's `$func:p` evaluates it where it reads
 *                       it, against the message as it is then (src/expr/expression.ts)
 *   value="{{…get-property…}}"  Synapse's special case: the inner expression is evaluated at the call
 *                       and its string compiled as the expression passed on, so
 *                       `{{get-property('func', 'p')}}` hands a template's own passed expression on
 *
 * An expression passed as itself keeps the namespaces declared where it is written (the with-param
 * element), as Synapse's Value does.
 */
import { type ConfigNode } from '../config/node.ts';
import { MoorError } from '../errors.ts';
import { compilingWith, entriesInScope } from '../expr/entries.ts';
import { Expression } from '../expr/expression.ts';
import { funcFrame, type FuncValue } from '../expr/func-scope.ts';
import { type MessageContext } from '../message/context.ts';
import { compileExpression } from './value.ts';

/** Something that yields a parameter's value for a message, at the call. */
export type ParamSource = (msg: MessageContext) => Promise<FuncValue>;

/** Texts compiled per message by one `{{…get-property…}}` with-param, kept so each compiles once (bounded). */
const COMPILED_KEPT = 32;

/** The source of `value` written at with-param `w`; undefined (reported at `w`) when it does not compile. */
export function paramSource(w: ConfigNode, value: string): ParamSource | undefined {
  const trimmed = value.trim();
  const passed = /^\{\{([\s\S]*)\}\}$/.exec(trimmed);
  if (passed) return passedSource(w, passed[1]!);
  const inBraces = /^\{([\s\S]*)\}$/.exec(trimmed);
  if (inBraces) {
    const expr = compileExpression(w, inBraces[1]!);
    return expr && ((msg) => expr.string(msg));
  }
  return async () => value;
}

function passedSource(w: ConfigNode, text: string): ParamSource | undefined {
  const expr = compileExpression(w, text);
  if (!expr) return undefined;
  // (Synapse's test: the text holds "get-property" anywhere)
  if (text.includes('get-property')) return namedSource(w, expr);
  warnEnvelopeOnly(w, text);
  return async (msg) => ({ kind: 'expression', expression: expr, callerFrame: funcFrame(msg) });
}

/** `{{…get-property…}}`: the string `expr` gives at the call, compiled with `w`'s namespaces and local entries. */
function namedSource(w: ConfigNode, expr: Expression): ParamSource {
  const scope = w.scope;
  const entries = entriesInScope();
  const compiled = new Map<string, Expression>();
  return async (msg) => {
    const text = await expr.string(msg);
    let passed = compiled.get(text);
    if (!passed) {
      try {
        passed = entries ? compilingWith(entries, () => new Expression(text, scope)) : new Expression(text, scope);
      } catch (e) {
        throw new MoorError('MOOR_ERR_MEDIATION', `<with-param name="${w.attr('name') ?? ''}">: "${expr.text}" gave "${text}", which is not an expression to pass on: ${(e as Error).message}`, { cause: e });
      }
      if (compiled.size >= COMPILED_KEPT) compiled.clear();
      compiled.set(text, passed);
    }
    return { kind: 'expression', expression: passed, callerFrame: funcFrame(msg) };
  };
}

/**
 * Synapse evaluates a passed expression over the envelope alone (no message context), so a variable of
 * a scope reads nothing there; moor reads it (properties as they are at the use, `$func:` the caller's).
 */
function warnEnvelopeOnly(w: ConfigNode, text: string): void {
  const scopes = [...new Set([...text.replace(/'[^']*'|"[^"]*"/g, "''").matchAll(/\$(ctx|trp|axis2|func|url):/g)].map((m) => `$${m[1]}:`))];
  if (!scopes.length) return;
  w.warn('MOOR_WARN_DIFFERENT', `${scopes.join(', ')} in a {{…}} value: WSO2 evaluates a passed expression over the envelope alone, where ${scopes.length > 1 ? 'they read' : 'it reads'} nothing; moor reads ${scopes.length > 1 ? 'them' : 'it'} when the template uses the parameter (a $func: as the caller's parameter)`);
}
