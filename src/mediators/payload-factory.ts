/**
 * <payloadFactory [media-type="xml|json"]>
 *   <format> inline XML (or, for json, JSON text) with $1, $2… placeholders </format>  |  <format key="local entry or registry key"/>
 *   <args>
 *     <arg (value="literal" | expression="xpath") [xmlns:p="…"]/>*
 *   </args>
 * </payloadFactory>
 *
 * Replaces the content of the SOAP Body with the format, each `$n` replaced by the value of the n-th
 * argument. A value is escaped as text, unless it is itself well-formed XML (an expression that reads an
 * OM property, say), which is inserted as XML, as Synapse does. The Envelope and its Header stay.
 * media-type="json": the format is JSON; a value written inside quotes ("$1") is escaped as a JSON
 * string's content, elsewhere it is put in as it is (a number, or JSON that json-eval() gave). The
 * result, which must be well-formed JSON, becomes the payload, sent as it is (application/json).
 */
import { entryText } from '../config/local-entry.ts';
import { MoorError } from '../errors.ts';
import { childElements, textOf } from '../xml/element.ts';
import { NS } from '../xml/names.ts';
import { escapeAttr, serialize } from '../xml/serialize.ts';
import { clearChildren, commitDom, parseFragment, soapBody } from './dom.ts';
import { type Mediator, type MediatorDefinition, type Outcome } from './mediator.ts';
import { type ValueSource, valueSource } from './value.ts';
import { XmlValue } from '../xml/xml-value.ts';

export const payloadFactory: MediatorDefinition = {
  name: 'payloadFactory',
  parse(node, ctx) {
    node.allowAttributes('media-type', 'description');
    node.allowChildren('format', 'args', 'description');
    const mediaType = node.oneOf(node.attr('media-type') ?? 'xml', ['xml', 'json'] as const, 'media-type');
    const format = node.child('format');
    if (!format) node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<payloadFactory> needs a <format> holding the new payload');
    format?.allowAttributes('key');
    // <format key="k"/>: the format is the local entry (or registry resource) k
    const key = format?.attr('key');
    const entry = format && key !== undefined ? ctx.entry(key, format, '<format key>') : undefined;
    // the format is written standalone, so it declares every namespace it uses
    const template = entry ? entryText(entry) : !format ? '' : mediaType === 'json' ? textOf(format.el).trim() : childElements(format.el).map((c) => serialize(c, new Map([['xml', NS.xml]]))).join('');
    const args: ValueSource[] = [];
    const argsNode = node.child('args');
    argsNode?.allowChildren('arg');
    for (const a of argsNode?.children() ?? []) {
      a.allowAttributes('value', 'expression', 'evaluator', 'description');
      const evaluator = a.attr('evaluator');
      if (evaluator !== undefined && evaluator !== 'xml' && evaluator !== 'json') a.report('MOOR_ERR_BAD_VALUE', `evaluator "${evaluator}" is not xml or json`);
      const v = valueSource(a);
      if (v) args.push(v);
    }
    // (MI 4.4's default template engine fills ${…} in the format itself; moor would leave it as text)
    if (format && template.includes('${')) format.report('MOOR_ERR_UNSUPPORTED', `the format holds a Synapse expression (${/\$\{[^}]*\}?/.exec(template)![0]}): moor fills only $n from <args> (write the expression as an <arg expression="…">)`);
    for (const m of template.matchAll(/\$(\d+)/g)) {
      const n = Number(m[1]);
      if (n < 1 || n > args.length) format?.report('MOOR_ERR_BAD_VALUE', `the format uses $${n} but there ${args.length === 1 ? 'is 1 <arg>' : `are ${args.length} <arg>s`}`);
    }
    if (!format || mediaType === undefined) return undefined;
    if (mediaType === 'json') return jsonFactory(node.loc, template, args);
    return {
      kind: 'payloadFactory',
      loc: node.loc,
      async mediate(msg): Promise<Outcome> {
        const values = await Promise.all(args.map((a) => a(msg)));
        const payload = template.replace(/\$(\d+)/g, (whole, d: string) => {
          const v = values[Number(d) - 1];
          return v === undefined ? whole : isXml(v) ? v : escapeAttr(v).replace(/>/g, '&gt;');
        });
        const doc = await msg.envelopeDom();
        const body = soapBody(doc);
        const content = parseFragment(doc, payload, 'the payload made by <payloadFactory>');
        clearChildren(body);
        for (const c of content) body.appendChild(c);
        commitDom(msg, doc);
        return 'continue';
      },
    };
  },
};

/** The json media type: the format's placeholders filled in, the result the new JSON payload. */
function jsonFactory(loc: Mediator['loc'], template: string, args: readonly ValueSource[]): Mediator {
  return {
    kind: 'payloadFactory',
    loc,
    async mediate(msg): Promise<Outcome> {
      const values = await Promise.all(args.map((a) => a(msg)));
      const json = template.replace(/("?)\$(\d+)("?)/g, (whole, open: string, d: string, close: string) => {
        const v = values[Number(d) - 1];
        if (v === undefined) return whole;
        // ("$1": the value is the string's content, escaped; bare $1: the value as it is)
        return open && close ? JSON.stringify(v) : `${open}${v}${close}`;
      });
      try {
        JSON.parse(json);
      } catch (e) {
        throw new MoorError('MOOR_ERR_MEDIATION', `<payloadFactory media-type="json"> at line ${loc.line} made text that is not JSON (${(e as Error).message}): ${json.slice(0, 200)}`);
      }
      msg.setJsonPayload(json);
      return 'continue';
    },
  };
}

/** True when `v` is XML to insert as such rather than text. */
function isXml(v: string): boolean {
  if (!v.trimStart().startsWith('<')) return false;
  try {
    XmlValue.parse(v, 'argument');
    return true;
  } catch {
    return false;
  }
}
