/**
 * <throwError [type="ERROR_TYPE"] errorMessage="text | {xpath} | {json-eval(…)} | {${…}}"/>
 *
 * MI 4.4's ThrowError: raises an error from the sequence, as a failed mediator would, so the error
 * handler runs (the sequence's onError, else the proxy's or resource's fault sequence); with none, the
 * client gets a Server fault (500) whose reason is the message. As WSO2's ThrowError does, ERROR_CODE
 * is set to `type` and ERROR_MESSAGE to the message (MOOR_ERROR_CODE stays MOOR_ERR_MEDIATION).
 * A message written `{…}` is evaluated per message; MI 4.4's Synapse expressions (`{${…}}`) as far as
 * moor reads them (expr/synapse-expression.ts: the rest is refused at load, never taken as text).
 */
import { MoorError } from '../errors.ts';
import { type MediatorDefinition } from './mediator.ts';
import { expressionSource, type ValueSource } from './value.ts';
import { isDynamicKey } from './dynamic-key.ts';

/** The error a <throwError> raises: its `type` becomes ERROR_CODE (sequence-runner.ts). */
export class ThrownError extends MoorError {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super('MOOR_ERR_MEDIATION', message);
  }
}

export const throwError: MediatorDefinition = {
  name: 'throwError',
  parse(node) {
    node.allowAttributes('type', 'errorMessage', 'description');
    node.allowChildren('description');
    const type = node.attr('type') ?? 'ERROR';
    const text = node.required('errorMessage');
    if (text === undefined) return undefined;
    let message: ValueSource | undefined = async () => text;
    if (isDynamicKey(text)) {
      const inner = text.slice(1, -1);
      // (an MI 4.4 Synapse expression, {${…}}, is read as far as expr/synapse-expression.ts reads them)
      message = expressionSource(node, inner);
    }
    if (!message) return undefined;
    const evaluate = message;
    return {
      kind: 'throwError',
      loc: node.loc,
      async mediate(msg): Promise<never> {
        throw new ThrownError(type, await evaluate(msg));
      },
    };
  },
};
