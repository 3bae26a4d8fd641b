/** What <filter> and <switch> share: Synapse's whole-string regex matching, and branches to run. */
import { type ConfigNode } from '../config/node.ts';
import { type MessageContext } from '../message/context.ts';
import { type MediationEnv, type Outcome, type ParseContext, type Sequence } from './mediator.ts';
import { runSequence } from './sequence-runner.ts';
import { type MaybePromise } from '../maybe-promise.ts';

/**
 * The regex of attribute `attr` on `node`, anchored at both ends: Synapse matches with Java's
 * Matcher.matches(), so "IBM" does not match "IBMX". Reports a regex that does not compile.
 */
export function wholeMatchRegex(node: ConfigNode, attr: string): RegExp | undefined {
  return node.regex(node.required(attr), attr, 's', true);
}

/** A branch: its own mediators, or a named sequence given by `sequence="key"`. */
export type Branch = (msg: MessageContext, env: MediationEnv) => MaybePromise<Outcome>;

/** Parses the branch held by `node` (<then>, <else>, <case>, <default>, or a short-form filter). */
export function parseBranch(node: ConfigNode, ctx: ParseContext, keyAttr: string | undefined = 'sequence'): Branch {
  const key = keyAttr !== undefined ? node.attr(keyAttr) : undefined;
  if (key !== undefined) {
    if (node.children().length) node.report('MOOR_ERR_BAD_VALUE', `<${node.name} ${keyAttr}="${key}"> takes either the sequence key or mediators, not both`);
    return sequenceBranch(key, node, ctx);
  }
  return inlineBranch(node, ctx);
}

/** A branch that runs the sequence named `key` (a reference made at `node`, checked by the compiler). */
export function sequenceBranch(key: string, node: ConfigNode, ctx: ParseContext): Branch {
  const link = ctx.sequenceRef(key, node);
  return async (msg, env) => runSequence(link.sequence, msg, env);
}

/** A branch that runs the mediators inside `node`. */
export function inlineBranch(node: ConfigNode, ctx: ParseContext): Branch {
  const seq: Sequence = { name: undefined, loc: node.loc, mediators: ctx.mediators(node), onError: undefined };
  return (msg, env) => runSequence(seq, msg, env);
}
