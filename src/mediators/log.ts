/**
 * <log [level="simple|headers|full|custom"] [separator=", "] [category="INFO|DEBUG|WARN|ERROR|TRACE|FATAL"]>
 *   <message>text with ${…} Synapse expressions</message>?     (MI 4.4)
 *   <property name="N" (value="literal" | expression="xpath")/>*
 * </log>
 *
 * The line is Synapse's LogMediator's, part for part:
 * simple: To, From, WSAction, SOAPAction, ReplyTo, MessageID, Direction: To always (empty when the message
 *   has none), the others only when the message has them, as Synapse skips a null one. Without
 *   WS-Addressing, as Axis2 fills them: To is the URL the request came to (its path), WSAction the
 *   SOAPAction, MessageID the message's own urn:uuid id; From and ReplyTo are their wsa:Address.
 * headers: only the SOAP header blocks, each as "local : text" (the block's own text, not its children's),
 *   no simple part (Synapse's getHeadersLogMessage).
 * full: the simple part, then "Envelope: " and the whole envelope (reads the body into memory).
 * custom: only the properties. Properties are appended at every level.
 * MI 4.4's <message> is a template (expr/synapse-expression.ts SynapseTemplate): the line is the level's
 * part, if `level` is written, then the message, then the properties; without `level`, as MI 4.4 writes
 * it, the message and the properties only.
 * category="FATAL" is logged at error level (winston has no fatal) and printed FATAL.
 */
import { childIn, textOf, type XmlElement } from '../xml/element.ts';
import { WSA_NAMESPACES as WSA } from '../xml/names.ts';
import { readProperty, soapAction } from '../expr/properties.ts';
import { type MediatorDefinition, type Outcome } from './mediator.ts';
import { synapseTemplate, type ValueSource, valueSource } from './value.ts';

/** An element's own text (OMElement.getText: its text children, not its descendants'). */
function ownText(el: XmlElement): string {
  let out = '';
  for (const c of el.children) if (c.type === 'text' || c.type === 'cdata') out += c.value;
  return out;
}

const LEVELS = ['simple', 'headers', 'full', 'custom'] as const;
const CATEGORIES = { INFO: 'info', DEBUG: 'debug', WARN: 'warn', ERROR: 'error', TRACE: 'silly', FATAL: 'error' } as const;

export const log: MediatorDefinition = {
  name: 'log',
  parse(node) {
    node.allowAttributes('level', 'separator', 'category', 'description');
    node.allowChildren('property', 'message');
    const messageNode = node.child('message');
    const message = messageNode && synapseTemplate(messageNode, textOf(messageNode.el));
    const level = node.oneOf(node.attr('level'), LEVELS, 'level') ?? (messageNode ? 'custom' : 'simple');
    const category = node.oneOf(node.attr('category'), Object.keys(CATEGORIES) as (keyof typeof CATEGORIES)[], 'category') ?? 'INFO';
    const separator = node.attr('separator') ?? ', ';
    const props: { name: string; value: ValueSource }[] = [];
    for (const p of node.children()) {
      if (p.name === 'message') continue;
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
        if (level === 'simple' || level === 'full') {
          const head = await msg.head();
          const a = head.addressing;
          const fromBlock = head.blockIn(WSA, 'From');
          const fromAddress = fromBlock && childIn(fromBlock, WSA, 'Address');
          const known = (name: string): string | undefined => {
            const v = readProperty(msg, 'default', name);
            return v === undefined || v === null ? undefined : String(v);
          };
          parts.push(`To: ${known('To') ?? ''}`);
          const optional: [string, string | undefined][] = [
            ['From', fromAddress ? textOf(fromAddress).trim() : undefined],
            ['WSAction', known('Action')],
            ['SOAPAction', soapAction(msg)],
            ['ReplyTo', a.replyTo],
            ['MessageID', known('MessageID')],
          ];
          for (const [label, value] of optional) if (value !== undefined) parts.push(`${label}: ${value}`);
          parts.push(`Direction: ${msg.direction}`);
          if (level === 'full') {
            // the compact view writes the element as xmldom would, without building the DOM
            const doc = await msg.envelopeView();
            parts.push(`Envelope: ${String(doc.documentElement)}`);
          }
        } else if (level === 'headers') {
          const head = await msg.head();
          for (const b of head.blocks) parts.push(`${b.name.local} : ${ownText(b)}`);
        }
        if (message) parts.push(await message.string(msg));
        for (const p of props) parts.push(`${p.name} = ${await p.value(msg)}`);
        msg.log.log(CATEGORIES[category], parts.join(separator), { component: 'log', msg: msg.id, ...(category === 'FATAL' ? { fatal: true } : {}) });
        return 'continue';
      },
    };
  },
};
