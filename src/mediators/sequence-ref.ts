/**
 * <sequence key="name"/>
 *
 * Runs the named sequence in place; its 'stop' stops the caller too.
 */
import { MoorError } from '../errors.ts';
import { runSequence } from './sequence-runner.ts';
import { type MediatorDefinition } from './mediator.ts';

export const sequenceRef: MediatorDefinition = {
  name: 'sequence',
  parse(node, ctx) {
    node.allowAttributes('key', 'description');
    const key = node.required('key');
    if (key === undefined) return undefined;
    ctx.sequenceRef(key, node);
    return {
      kind: 'sequence',
      loc: node.loc,
      async mediate(msg, env) {
        const seq = env.sequence(key);
        if (!seq) throw new MoorError('MOOR_ERR_UNRESOLVED_KEY', `no sequence named "${key}"`);
        env.trace(`sequence:${key}`);
        return runSequence(seq, msg, env);
      },
    };
  },
};
