/**
 * <in> mediators… </in>    runs its children for requests only
 * <out> mediators… </out>  runs its children for responses only
 *
 * Synapse's way of writing one main sequence for both directions.
 */
import { runSequence } from './sequence-runner.ts';
import { type MediatorDefinition } from './mediator.ts';

function direction(name: 'in' | 'out'): MediatorDefinition {
  return {
    name,
    parse(node, ctx) {
      node.allowAttributes('description');
      const seq = { name: undefined, loc: node.loc, mediators: ctx.mediators(node), onError: undefined };
      const wanted = name === 'in' ? 'request' : 'response';
      return {
        kind: name,
        loc: node.loc,
        async mediate(msg, env) {
          if (msg.direction !== wanted) return 'continue';
          env.trace(name);
          return runSequence(seq, msg, env);
        },
      };
    },
  };
}

export const inMediator = direction('in');
export const outMediator = direction('out');
