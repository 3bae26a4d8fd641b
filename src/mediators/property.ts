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
 * inline child, or, as WSO2 does, from the value's or the expression's string parsed as XML: its first
 * element (an expression selecting one element with text gives that text, which is no XML). `pattern`
 * keeps only the regex match (or its `group`) of a STRING value. axis2 `HTTP_SC` also sets the HTTP status.
 * WSO2's special properties (OUT_ONLY, FORCE_SC_ACCEPTED, NO_ENTITY_BODY…) act where they are read;
 * those moor does not read are a warning here (src/config/special-properties.ts).
 */
import { specialPropertyWarning } from '../config/special-properties.ts';
import { MoorError } from '../errors.ts';
import { JavaDouble } from '../expr/java-double.ts';
import { javaTrim } from '../expr/string-value.ts';
import { childElements } from '../xml/element.ts';
import { NS } from '../xml/names.ts';
import { serialize } from '../xml/serialize.ts';
import { checkedHeaderValue, checkHeaderAtLoad } from './header-value.ts';
import { type MediatorDefinition, type Outcome } from './mediator.ts';
import { valueSource } from './value.ts';
import { XmlValue } from '../xml/xml-value.ts';

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
    const source = action === 'set' && !inline ? valueSource(node) : undefined;
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
        else {
          let raw = source ? await source(msg) : '';
          // (WSO2 applies the pattern to a value that is still a string after its type's conversion)
          if (pattern && type === 'STRING') raw = pattern.exec(raw)?.[group] ?? '';
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

/** Java's ranges for the whole-number types (Integer.parseInt and its kin refuse a value outside them). */
const WHOLE_RANGE = { INTEGER: 2n ** 31n, SHORT: 2n ** 15n, LONG: 2n ** 63n } as const;

/** A Java floating-point literal as Double.parseDouble reads one (hexadecimal forms aside), once trimmed. */
const JAVA_FLOAT = /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$/;

/**
 * The value as WSO2's PropertyMediator.convertValue makes it (Axis2's JavaUtils and Java's parsers):
 * BOOLEAN is true for "true" or "yes" in any case and "1", else false; INTEGER, LONG and SHORT take
 * digits alone, untrimmed, so "8.0" (what count() or arithmetic gives) is refused; DOUBLE and FLOAT are
 * trimmed first, as Double.parseDouble trims.
 */
function convert(raw: string, type: (typeof TYPES)[number], name: string): unknown {
  switch (type) {
    case 'STRING':
      return raw;
    case 'OM':
      // an expression's string too (its elements' XML, or one element's own text), as WSO2 builds it
      return XmlValue.firstElement(raw, `property ${name}`);
    case 'BOOLEAN': {
      const v = raw.toLowerCase();
      return v === 'true' || v === 'yes' || raw === '1';
    }
    case 'DOUBLE':
    case 'FLOAT': {
      const v = javaTrim(raw);
      if (!JAVA_FLOAT.test(v)) throw new MoorError('MOOR_ERR_MEDIATION', `property ${name}: "${raw}" is not a ${type}`);
      return new JavaDouble(Number(v.replace(/[fFdD]$/, '')));
    }
    default: {
      const limit = WHOLE_RANGE[type];
      if (!/^[+-]?\d+$/.test(raw)) {
        const hint = /^[+-]?\d+\.0$/.test(raw) ? ` (a number an expression gives is written with .0, as Java writes a Double: take string() of it)` : '';
        throw new MoorError('MOOR_ERR_MEDIATION', `property ${name}: "${raw}" is not a ${type}${hint}`);
      }
      const n = BigInt(raw);
      if (n < -limit || n >= limit) throw new MoorError('MOOR_ERR_MEDIATION', `property ${name}: "${raw}" is outside the range of a ${type}`);
      return Number(n);
    }
  }
}
