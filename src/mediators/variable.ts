/**
 * <variable name="x" [type="STRING|INTEGER|DOUBLE|LONG|BOOLEAN|XML|JSON"]
 *           (value="literal" | expression="${…} | xpath | json-eval(…)") [action="set|remove"] [description]/>
 *
 * MI 4.4's Variable mediator: sets (or removes) a variable of the message, read by `${vars.x}` in
 * Synapse expressions (expr/synapse-expression.ts). Variables are not properties: get-property() and
 * `$ctx:` do not see them, as in WSO2, where XPath has no variable prefix for them either. They are
 * shared by a request and its response (message/property-scopes.ts).
 *
 * A value is converted to its type when the configuration loads, as WSO2 does when it deploys it (a
 * value that does not convert is MOOR_ERR_BAD_VALUE here): INTEGER (32-bit), LONG (64-bit, exact),
 * DOUBLE, BOOLEAN (true, yes or 1, any case: Axis2's isTrueExplicitly; anything else is false), XML
 * (one well-formed element), JSON (a JSON text, else the text as a JSON string, as WSO2's gson reading
 * does). An expression's value: STRING, or no type, its text (a `${…}` without a type keeps the
 * value's own type: a JSON payload's number stays a number); XML, its text parsed as XML; the others,
 * the `${…}` value when it is of that type (a JSON number for INTEGER/LONG/DOUBLE, a JSON boolean for
 * BOOLEAN), else its text converted as a value is: where WSO2 wants the XPath result's own Java type
 * (an XPath number is a Double) moor converts its text. What does not convert fails the message
 * (MOOR_ERR_MEDIATION), as WSO2's SynapseException does.
 */
import { type ConfigNode } from '../config/node.ts';
import { MoorError } from '../errors.ts';
import { stringOf, type SynapseValue } from '../expr/synapse-expression.ts';
import { type MessageContext } from '../message/context.ts';
import { parseXml } from '../xml/parse.ts';
import { type MediatorDefinition, type Outcome } from './mediator.ts';
import { expressionSource, synapseExpression } from './value.ts';

const TYPES = ['STRING', 'INTEGER', 'DOUBLE', 'LONG', 'BOOLEAN', 'XML', 'JSON'] as const;
type VariableType = (typeof TYPES)[number];

export const variable: MediatorDefinition = {
  name: 'variable',
  parse(node) {
    node.allowAttributes('name', 'type', 'value', 'expression', 'action', 'description');
    const name = node.required('name');
    const action = node.oneOf(node.attr('action') ?? 'set', ['set', 'remove'] as const, 'action');
    const typeText = node.attr('type');
    const type = typeText === undefined ? undefined : node.oneOf(typeText, TYPES, 'type');
    if (name === undefined || action === undefined || (typeText !== undefined && type === undefined)) return undefined;
    const loc = node.loc;
    if (action === 'remove') {
      return {
        kind: 'variable',
        loc,
        mediate(msg): Outcome {
          msg.properties.variables.delete(name);
          return 'continue';
        },
      };
    }
    const value = node.attr('value');
    const expression = node.attr('expression');
    if (value !== undefined && expression !== undefined) {
      node.report('MOOR_ERR_BAD_VALUE', '<variable> takes value or expression, not both');
      return undefined;
    }
    if (value !== undefined) {
      const converted = convertValue(node, value, type);
      if (converted === null) return undefined;
      return {
        kind: 'variable',
        loc,
        mediate(msg): Outcome {
          msg.properties.variables.set(name, converted);
          return 'continue';
        },
      };
    }
    if (expression === undefined) {
      node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<variable> needs value or expression (or action="remove")');
      return undefined;
    }
    const evaluate = evaluator(node, expression);
    if (!evaluate) return undefined;
    return {
      kind: 'variable',
      loc,
      async mediate(msg): Promise<Outcome> {
        msg.properties.variables.set(name, typed(await evaluate(msg), type, name));
        return 'continue';
      },
    };
  },
};

/** An expression's value: a `${…}` keeps its own type; XPath and json-eval() give text. */
function evaluator(node: ConfigNode, expression: string): ((msg: MessageContext) => Promise<SynapseValue>) | undefined {
  if (/^\s*\$\{/.test(expression)) {
    const se = synapseExpression(node, expression);
    return se && ((msg) => se.value(msg));
  }
  const source = expressionSource(node, expression);
  return source;
}

/** An evaluated value as `type`; throws MOOR_ERR_MEDIATION when it is not of it and does not convert. */
function typed(v: SynapseValue, type: VariableType | undefined, name: string): SynapseValue {
  if (type === undefined) return v;
  if (type === 'STRING') return stringOf(v);
  if (type === 'INTEGER' || type === 'LONG' || type === 'DOUBLE') {
    if (typeof v === 'number' && (type === 'DOUBLE' || Number.isInteger(v))) return type === 'LONG' ? BigInt(v) : v;
    if (typeof v === 'bigint' && type === 'LONG') return v;
  }
  if (type === 'BOOLEAN' && typeof v === 'boolean') return v;
  if (type === 'JSON' && v !== undefined && typeof v === 'object' && 'json' in v) return v;
  const text = stringOf(v);
  const converted = convert(text, type);
  if (converted === null) throw new MoorError('MOOR_ERR_MEDIATION', `<variable name="${name}">: the expression's value "${text.slice(0, 100)}" is not of type ${type}`);
  return converted;
}

/** A value= converted to its type when the configuration loads; null (reported) when it does not convert. */
function convertValue(node: ConfigNode, value: string, type: VariableType | undefined): SynapseValue | null {
  const converted = convert(value, type);
  if (converted === null) node.report('MOOR_ERR_BAD_VALUE', `value="${value}" is not of type ${type}`);
  return converted;
}

const INT32 = /^[+-]?\d+$/;

/** `text` as `type` (as Java's parseInt/parseLong/parseDouble, isTrueExplicitly, gson); null when it does not convert. */
function convert(text: string, type: VariableType | undefined): SynapseValue | null {
  switch (type) {
    case undefined:
    case 'STRING':
      return text;
    case 'INTEGER': {
      if (!INT32.test(text)) return null;
      const n = Number(text);
      return n >= -(2 ** 31) && n < 2 ** 31 ? n : null;
    }
    case 'LONG': {
      if (!INT32.test(text)) return null;
      const n = BigInt(text);
      return n >= -(2n ** 63n) && n < 2n ** 63n ? n : null;
    }
    case 'DOUBLE': {
      // (Java's parseDouble: trimmed, a decimal or NaN/Infinity; not '' or hex)
      const t = text.trim();
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?$|^[+-]?(NaN|Infinity)$/.test(t)) return null;
      return Number(t.replace(/[dDfF]$/, ''));
    }
    case 'BOOLEAN':
      return ['true', 'yes', '1'].includes(text.trim().toLowerCase());
    case 'XML':
      try {
        parseXml(text);
        return { xml: text.trim() };
      } catch {
        return null;
      }
    case 'JSON':
      try {
        return { json: JSON.parse(text) };
      } catch {
        // (WSO2 reads text that is not JSON as a JSON string)
        return { json: text };
      }
  }
}
