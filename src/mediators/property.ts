/**
 * <property name="N" [action="set|remove"] [scope="default|transport|axis2|axis2-client|operation"]
 *           [type="STRING|BOOLEAN|INTEGER|LONG|DOUBLE|FLOAT|SHORT|OM"]
 *           (value="literal" | expression="xpath") [pattern="regex" [group="n"]] [xmlns:p="…"]>
 *   inline XML (type="OM")?
 * </property>
 *
 * Sets or removes a property. Default-scope properties (`$ctx:N`, `get-property('N')`) live as long as
 * the message exchange; axis2-scope ones are read with `$axis2:N`. Transport-scope properties are the
 * HTTP headers that go on with the message (to the backend for requests, to the client for responses).
 * `type` converts the value (a value that does not convert is a mediation error); OM keeps XML, from the
 * inline child, from an expression that selects elements, or from a value that parses as XML. `pattern`
 * keeps only the regex match (or its `group`) of the value. axis2 `HTTP_SC` also sets the HTTP status.
 * WSO2's special properties (OUT_ONLY, FORCE_SC_ACCEPTED, NO_ENTITY_BODY…) act where they are read;
 * those moor does not read are a warning here (src/config/special-properties.ts).
 */
import { specialPropertyWarning } from '../config/special-properties.ts';
import { MoorError } from '../errors.ts';
import { childElements } from '../xml/element.ts';
import { NS } from '../xml/names.ts';
import { serialize } from '../xml/serialize.ts';
import { checkedHeaderValue, checkHeaderAtLoad } from './header-value.ts';
import { type MediatorDefinition, type Outcome } from './mediator.ts';
import { compileExpression, valueSource } from './value.ts';
import { XmlValue } from './xml-value.ts';

const TYPES = ['STRING', 'BOOLEAN', 'INTEGER', 'LONG', 'DOUBLE', 'FLOAT', 'SHORT', 'OM'] as const;

export const property: MediatorDefinition = {
  name: 'property',
  parse(node) {
    node.allowAttributes('name', 'action', 'scope', 'type', 'value', 'expression', 'pattern', 'group', 'description');
    const name = node.required('name');
    const action = node.oneOf(node.attr('action'), ['set', 'remove'] as const, 'action') ?? 'set';
    const scope = node.oneOf(node.attr('scope'), ['default', 'transport', 'axis2', 'axis2-client', 'operation'] as const, 'scope') ?? 'default';
    const type = node.oneOf(node.attr('type'), TYPES, 'type') ?? 'STRING';
    const inline = childElements(node.el)[0];
    const inlineXml = inline ? serialize(inline, new Map([['xml', NS.xml]])) : undefined;
    const exprText = node.attr('expression');
    // an OM property from an expression keeps the selected elements, not their text
    const wantsNodes = action === 'set' && !inline && type === 'OM' && exprText !== undefined && node.attr('value') === undefined;
    const omExpression = wantsNodes ? compileExpression(node, exprText) : undefined;
    const source = action === 'set' && !inline && !wantsNodes ? valueSource(node) : undefined;
    const pattern = node.regex(node.attr('pattern'), 'pattern');
    const group = node.integer(node.attr('group'), 'group') ?? 0;
    if (name === undefined) return undefined;
    // a WSO2 special property moor does not read: said where it is set (config/special-properties.ts)
    const special = scope !== 'transport' ? specialPropertyWarning(name) : undefined;
    if (special) node.warn('MOOR_WARN_DIFFERENT', special);
    if (scope === 'transport' && action === 'set') checkHeaderAtLoad(node, name, node.attr('pattern') === undefined ? node.attr('value') : undefined);
    const loc = node.loc;
    return {
      kind: 'property',
      loc: node.loc,
      async mediate(msg): Promise<Outcome> {
        const map = scope === 'transport' ? msg.transport : scope === 'axis2' || scope === 'axis2-client' ? msg.axis2 : msg.properties;
        const key = scope === 'transport' ? name.toLowerCase() : name;
        if (action === 'remove') {
          if (map === msg.axis2 && name === 'NO_ENTITY_BODY') msg.noEntityBody = false;
          map.delete(key);
          return 'continue';
        }
        let value: unknown;
        if (inlineXml !== undefined) value = new XmlValue(inlineXml);
        else if (omExpression) {
          const nodes = await omExpression.nodes(msg);
          value = nodes.length ? new XmlValue(nodes.map((n) => String(n)).join('')) : XmlValue.parse(await omExpression.string(msg), `property ${name}`);
        } else {
          let raw = source ? await source(msg) : '';
          if (pattern) raw = pattern.exec(raw)?.[group] ?? '';
          value = scope === 'transport' ? checkedHeaderValue(raw, name, msg.body.limits.maxHeaderValueBytes, loc, `<property name="${name}" scope="transport">`) : convert(raw, type, name);
        }
        (map as Map<string, unknown>).set(key, value);
        if (map === msg.axis2 && name === 'HTTP_SC') msg.status = Number(value) || msg.status;
        if (map === msg.axis2 && name === 'NO_ENTITY_BODY') msg.noEntityBody = value === true || String(value).trim().toLowerCase() === 'true';
        return 'continue';
      },
    };
  },
};

function convert(raw: string, type: (typeof TYPES)[number], name: string): unknown {
  switch (type) {
    case 'STRING':
      return raw;
    case 'OM':
      return XmlValue.parse(raw, `property ${name}`);
    case 'BOOLEAN':
      return raw.trim().toLowerCase() === 'true';
    default: {
      const n = Number(raw.trim());
      if (raw.trim() === '' || Number.isNaN(n)) throw new MoorError('MOOR_ERR_MEDIATION', `property ${name}: "${raw}" is not a ${type}`);
      if ((type === 'INTEGER' || type === 'LONG' || type === 'SHORT') && !Number.isInteger(n)) {
        throw new MoorError('MOOR_ERR_MEDIATION', `property ${name}: "${raw}" is not a whole number (${type})`);
      }
      return n;
    }
  }
}
