/**
 * Values written as `value="literal"` or `expression="xpath"`, shared by the mediators that take them.
 * An expression may also be Synapse's `json-eval(<JSONPath>)` over a JSON payload (expr/json-path.ts).
 */
import { type ConfigNode } from '../config/node.ts';
import { MoorError } from '../errors.ts';
import { Expression } from '../expr/expression.ts';
import { JsonPath, jsonEvalPath } from '../expr/json-path.ts';
import { type MessageContext } from '../message/context.ts';
import { hasSynapseExpression, SynapseExpression, SynapseTemplate } from '../expr/synapse-expression.ts';

/** Something that yields a string for a message. */
export type ValueSource = (msg: MessageContext) => Promise<string>;

/** Compiles an expression written at `node`, reporting MOOR_ERR_BAD_XPATH there when it does not compile. */
export function compileExpression(node: ConfigNode, text: string): Expression | undefined {
  if (hasSynapseExpression(text)) {
    node.report('MOOR_ERR_UNSUPPORTED', `the Synapse expression "${text}" is read where a value is taken (<variable>, expression= of <property>, <header>, <log> properties, <payloadFactory> args), not here: <${node.name}> needs an XPath`);
    return undefined;
  }
  if (jsonEvalPath(text) !== undefined) {
    node.report('MOOR_ERR_UNSUPPORTED', `json-eval() is read where a value is taken (expression= of <property>, <header>, <log> properties, <payloadFactory> args), not here: <${node.name}> needs an XPath`);
    return undefined;
  }
  // Synapse's get-property('registry', key) reads a registry resource; moor's reads a property of that name
  if (/get-property\(\s*['"]registry['"]/.test(text)) node.warn('MOOR_WARN_DIFFERENT', `get-property('registry', …) reads a property of that name, not a registry resource: keep the value in a local entry and read it with get-property('NAME')`);
  try {
    return new Expression(text, node.scope);
  } catch (e) {
    node.report(e instanceof MoorError ? e.code : 'MOOR_ERR_BAD_XPATH', (e as Error).message);
    return undefined;
  }
}

/** The value of `value=` or `expression=` on `node`; undefined (reported) when neither is there. */
export function valueSource(node: ConfigNode, required = true): ValueSource | undefined {
  const literal = node.attr('value');
  const expression = node.attr('expression');
  if (literal !== undefined && expression !== undefined) {
    node.report('MOOR_ERR_BAD_VALUE', `<${node.name}> takes value or expression, not both`);
    return undefined;
  }
  if (literal !== undefined) return async () => literal;
  if (expression !== undefined) return expressionSource(node, expression);
  if (required) node.report('MOOR_ERR_MISSING_ATTRIBUTE', `<${node.name}> needs value or expression`);
  return undefined;
}

/** The string value of `expression` (XPath, `json-eval(…)` or `${…}`) written at `node`; undefined (reported) when it does not compile. */
export function expressionSource(node: ConfigNode, expression: string): ValueSource | undefined {
  if (hasSynapseExpression(expression)) {
    const se = synapseExpression(node, expression);
    return se && ((msg) => se.string(msg));
  }
  const path = jsonEvalPath(expression);
  if (path !== undefined) {
    try {
      const json = new JsonPath(path);
      return (msg) => json.string(msg);
    } catch (e) {
      node.report('MOOR_ERR_BAD_VALUE', (e as Error).message);
      return undefined;
    }
  }
  const expr = compileExpression(node, expression);
  return expr && ((msg) => expr.string(msg));
}

/** MI 4.4's `${…}` written at `node` (expr/synapse-expression.ts); undefined (reported there) when moor does not read it. */
export function synapseExpression(node: ConfigNode, text: string): SynapseExpression | undefined {
  try {
    return new SynapseExpression(text, node.scope);
  } catch (e) {
    node.report(e instanceof MoorError ? e.code : 'MOOR_ERR_BAD_VALUE', (e as Error).message);
    return undefined;
  }
}

/** Text with `${…}` parts written at `node` (MI 4.4's <log><message>); undefined (reported there) when moor does not read one of them. */
export function synapseTemplate(node: ConfigNode, text: string): SynapseTemplate | undefined {
  try {
    return new SynapseTemplate(text, node.scope);
  } catch (e) {
    node.report(e instanceof MoorError ? e.code : 'MOOR_ERR_BAD_VALUE', (e as Error).message);
    return undefined;
  }
}
