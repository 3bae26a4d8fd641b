/**
 * <propertyGroup [description="…"]>
 *   <property …/>+
 * </propertyGroup>
 *
 * WSO2 EI/MI's grouping of <property> mediators (Integration Studio writes it to keep a long list of
 * properties together): the properties are set in order, exactly as if they were written one after the
 * other. Only <property> may be inside, as in WSO2's PropertyGroupMediatorFactory.
 */
import { type MediatorDefinition } from './mediator.ts';
import { property } from './property.ts';
import { runSequence } from './sequence-runner.ts';

export const propertyGroup: MediatorDefinition = {
  name: 'propertyGroup',
  parse(node, ctx) {
    node.allowAttributes('description');
    node.allowChildren('property');
    const properties = node.children().filter((c) => c.name === 'property').map((child) => property.parse(child, ctx)).filter((m) => m !== undefined);
    const seq = { name: undefined, loc: node.loc, mediators: properties, onError: undefined };
    return {
      kind: 'propertyGroup',
      loc: node.loc,
      async mediate(msg, env) {
        return runSequence(seq, msg, env);
      },
    };
  },
};
