/**
 * <property name="N" [action="set|remove"] [scope="default|transport|axis2"]
 *           [type="STRING|BOOLEAN|INTEGER|LONG|DOUBLE|FLOAT|SHORT|OM"]
 *           (value="literal" | expression="xpath") [xmlns:p="…"]>
 *   inline XML (type="OM")?
 * </property>
 *
 * Sets or removes a property. Transport-scope properties are the HTTP headers that go on with the
 * message (to the backend for requests, to the client for responses).
 */
import { MoorError } from '../errors.ts';
import { childElements } from '../xml/element.ts';
import { serialize } from '../xml/serialize.ts';
import { type MediatorDefinition } from './mediator.ts';
import { valueSource } from './value.ts';

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
    const source = action === 'set' && !inline ? valueSource(node) : undefined;
    if (name === undefined) return undefined;
    return {
      kind: 'property',
      loc: node.loc,
      async mediate(msg) {
        const map = scope === 'transport' ? msg.transport : scope === 'axis2' || scope === 'axis2-client' ? msg.axis2 : msg.properties;
        const key = scope === 'transport' ? name.toLowerCase() : name;
        if (action === 'remove') {
          map.delete(key);
          return 'continue';
        }
        const raw = inline ? serialize(inline, node.scope) : source ? await source(msg) : '';
        (map as Map<string, unknown>).set(key, scope === 'transport' ? raw : convert(raw, type, name));
        return 'continue';
      },
    };
  },
};

function convert(raw: string, type: (typeof TYPES)[number], name: string): unknown {
  switch (type) {
    case 'STRING':
    case 'OM':
      return raw;
    case 'BOOLEAN':
      return raw.trim().toLowerCase() === 'true';
    default: {
      const n = Number(raw.trim());
      if (raw.trim() === '' || Number.isNaN(n)) throw new MoorError('MOOR_ERR_MEDIATION', `property ${name}: "${raw}" is not a ${type}`);
      return type === 'INTEGER' || type === 'LONG' || type === 'SHORT' ? Math.trunc(n) : n;
    }
  }
}
