/**
 * Synapse's `func` scope: the parameters of the template a message is running in (`$func:p`,
 * `get-property('func', 'p')`). Synapse keeps a stack of them on the message context, so a template
 * that calls another sees only its own; so does this, beside the message rather than in it (a
 * message's properties must not show them, and nothing else reads them).
 *
 * A parameter is a string, or an expression passed unevaluated (`value="{{…}}"`: a PassedExpression),
 * which `$func:p` evaluates where the template reads it (src/expr/expression.ts), as Synapse's
 * variable context does.
 */
import { type MessageContext } from '../message/context.ts';
import type { Expression } from './expression.ts';

/** An expression handed to a template as itself (`<with-param value="{{expr}}"/>`). */
export interface PassedExpression {
  readonly kind: 'expression';
  readonly expression: Expression;
  /**
   * The func scope of the call that passed it: a `$func:q` inside it is the caller's own parameter
   * (Synapse evaluates it over the envelope alone, where `$func:` reads nothing: moor validate warns).
   */
  readonly callerFrame: FuncFrame | undefined;
}

export type FuncValue = string | PassedExpression;

/** One template call's parameters. */
export type FuncFrame = ReadonlyMap<string, FuncValue>;

const frames = new WeakMap<MessageContext, FuncFrame[]>();

/** Runs `fn` with `params` as the message's func scope, restored when what `fn` gives is settled. */
export async function withFuncScope<T>(msg: MessageContext, params: FuncFrame, fn: () => T | PromiseLike<T>): Promise<T> {
  let stack = frames.get(msg);
  if (!stack) frames.set(msg, (stack = []));
  stack.push(params);
  try {
    return await fn();
  } finally {
    stack.pop();
  }
}

/** The innermost template's parameters for `msg`, or undefined outside templates. */
export function funcFrame(msg: MessageContext): FuncFrame | undefined {
  const stack = frames.get(msg);
  return stack?.[stack.length - 1];
}

/**
 * The string of template parameter `name` for `msg` (the innermost template's), or undefined outside
 * templates. A passed expression gives its text: Synapse's get-property('func', p) returns the
 * expression object, whose string is its text (so `{{get-property('func','p')}}` passes it on).
 */
export function funcParam(msg: MessageContext, name: string): string | undefined {
  const value = funcFrame(msg)?.get(name);
  return typeof value === 'object' ? value.expression.text : value;
}

/**
 * Gives `copy` (a part split or cloned from `origin`) the template parameters `origin` has now, as
 * Synapse clones the function stack with the message: a template's `<iterate>` or `<clone>` target reads
 * the template's `$func:`.
 */
export function inheritFuncScope(origin: MessageContext, copy: MessageContext): void {
  const stack = frames.get(origin);
  if (stack?.length) frames.set(copy, [...stack]);
}
