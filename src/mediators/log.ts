/**
 * <log [level="simple|headers|full|custom"] [separator=", "] [category="INFO|DEBUG|WARN|ERROR|TRACE|FATAL"]>
 *   <property name="N" (value="literal" | expression="xpath")/>*
 * </log>
 *
 * simple: To, From, WSAction, SOAPAction, ReplyTo, MessageID, Direction (as Synapse fills them without
 * WS-Addressing: To the URL the request came to, WSAction the SOAPAction, MessageID the message's own
 * urn:uuid id); headers: also every SOAP header
 * block; full: also the whole envelope (reads the body into memory); custom: only the properties.
 * Properties are appended at every level. category="FATAL" is logged at error level and printed FATAL.
 */
import { serialize } from '../xml/serialize.ts';
import { readProperty, soapAction } from '../expr/properties.ts';
import { type MediatorDefinition, type Outcome } from './mediator.ts';
import { type ValueSource, valueSource } from './value.ts';

const LEVELS = ['simple', 'headers', 'full', 'custom'] as const;
const CATEGORIES = { INFO: 'info', DEBUG: 'debug', WARN: 'warn', ERROR: 'error', TRACE: 'silly', FATAL: 'error' } as const;

export const log: MediatorDefinition = {
  name: 'log',
  parse(node) {
    node.allowAttributes('level', 'separator', 'category', 'description');
    node.allowChildren('property');
    const level = node.oneOf(node.attr('level'), LEVELS, 'level') ?? 'simple';
    const category = node.oneOf(node.attr('category'), Object.keys(CATEGORIES) as (keyof typeof CATEGORIES)[], 'category') ?? 'INFO';
    const separator = node.attr('separator') ?? ', ';
    const props: { name: string; value: ValueSource }[] = [];
    for (const p of node.children()) {
      p.allowAttributes('name', 'value', 'expression');
      const name = p.required('name');
      const value = valueSource(p);
      if (name !== undefined && value) props.push({ name, value });
    }
    return {
      kind: 'log',
      loc: node.loc,
      async mediate(msg): Promise<Outcome> {
        const parts: string[] = [];
        if (level !== 'custom') {
          const head = await msg.head();
          const a = head.addressing;
          const from = head.blockIn(['http://www.w3.org/2005/08/addressing', 'http://schemas.xmlsoap.org/ws/2004/08/addressing'], 'From');
          const known = (name: string): string => String(readProperty(msg, 'default', name) ?? '');
          parts.push(`To: ${known('To')}`);
          if (from) parts.push(`From: ${serialize(from)}`);
          parts.push(`WSAction: ${known('Action')}`, `SOAPAction: ${soapAction(msg) ?? ''}`, `ReplyTo: ${a.replyTo ?? ''}`, `MessageID: ${known('MessageID')}`);
          parts.push(`Direction: ${msg.direction}`);
          if (level === 'headers' || level === 'full') {
            for (const b of head.blocks) parts.push(`${b.name.local}: ${serialize(b)}`);
          }
          if (level === 'full') {
            // the compact view writes the element as xmldom would, without building the DOM
            const doc = await msg.envelopeView();
            parts.push(`Envelope: ${String(doc.documentElement)}`);
          }
        }
        for (const p of props) parts.push(`${p.name} = ${await p.value(msg)}`);
        msg.log.log(CATEGORIES[category], parts.join(separator), { component: 'log', msg: msg.id, ...(category === 'FATAL' ? { fatal: true } : {}) });
        return 'continue';
      },
    };
  },
};
