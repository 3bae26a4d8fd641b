/**
 * Synapse's `func` scope: the parameters of the template a message is running in (`$func:p`,
 * `get-property('func', 'p')`). Synapse keeps a stack of them on the message context, so a template
 * that calls another sees only its own; so does this, beside the message rather than in it (a
 * message's properties must not show them, and nothing else reads them).
 */
import { type MessageContext } from '../message/context.ts';

const frames = new WeakMap<MessageContext, ReadonlyMap<string, string>[]>();

/** Runs `fn` with `params` as the message's func scope, restored when what `fn` gives is settled. */
export async function withFuncScope<T>(msg: MessageContext, params: ReadonlyMap<string, string>, fn: () => T | PromiseLike<T>): Promise<T> {
  let stack = frames.get(msg);
  if (!stack) frames.set(msg, (stack = []));
  stack.push(params);
  try {
    return await fn();
  } finally {
    stack.pop();
  }
}

/** The value of template parameter `name` for `msg` (the innermost template's), or undefined outside templates. */
export function funcParam(msg: MessageContext, name: string): string | undefined {
  const stack = frames.get(msg);
  return stack?.[stack.length - 1]?.get(name);
}
