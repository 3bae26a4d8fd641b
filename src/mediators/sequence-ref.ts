/**
 * <sequence key="name | conf:/… | gov:/… | {expression}"/>
 *
 * Runs the named sequence in place; its 'stop' stops the caller too. A `{…}` key is evaluated for each
 * message (dynamic-key.ts).
 */
import { MoorError } from '../errors.ts';
import { dynamicKey, isDynamicKey } from './dynamic-key.ts';
import { runSequence } from './sequence-runner.ts';
import { type MediatorDefinition } from './mediator.ts';

export const sequenceRef: MediatorDefinition = {
  name: 'sequence',
  parse(node, ctx) {
    node.allowAttributes('key', 'description');
    const key = node.required('key');
    if (key === undefined) return undefined;
    if (isDynamicKey(key)) {
      const expr = dynamicKey(key, node);
      return expr && {
        kind: 'sequence',
        loc: node.loc,
        async mediate(msg, env) {
          const name = await expr.string(msg);
          const seq = env.sequence(name);
          if (!seq) throw new MoorError('MOOR_ERR_UNRESOLVED_KEY', `the key ${key} gave "${name}", which names no sequence`);
          env.trace(`sequence:${name}`);
          return runSequence(seq, msg, env);
        },
      };
    }
    const link = ctx.sequenceRef(key, node);
    return {
      kind: 'sequence',
      loc: node.loc,
      async mediate(msg, env) {
        const seq = link.sequence;
        env.trace(`sequence:${key}`);
        return runSequence(seq, msg, env);
      },
    };
  },
};
