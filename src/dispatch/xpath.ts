/**
 * Client-initiated affinity on any XPath over the message (type="xpath"): the expression's string value
 * is the session key, e.g. `$header/acme:Ctx/acme:Sid`. An expression confined to `$header` never
 * makes the body be parsed.
 */
import { Expression } from '../expr/expression.ts';
import { type MessageContext } from '../message/context.ts';
import { type SessionDispatcher } from './dispatcher.ts';

export function xpathDispatcher(expression: string, namespaces: ReadonlyMap<string, string>): SessionDispatcher {
  const expr = new Expression(expression, namespaces);
  return {
    initiator: 'client',
    description: `xpath ${expression}`,
    async keyOfRequest(msg: MessageContext) {
      const v = (await expr.string(msg)).trim();
      return v || undefined;
    },
  };
}
