/**
 * <enrich>
 *   <source [type="custom|body|envelope|property|inline"] [clone="true|false"]
 *           [xpath="xpath"] [property="name"] [key="local entry"] [xmlns:p="…"]> inline XML or text (type="inline") </source>
 *   <target [type="custom|body|envelope|property"] [action="replace|child|sibling"]
 *           [xpath="xpath"] [property="name"] [xmlns:p="…"]/>
 * </enrich>
 *
 * Copies a part of the message (or a property, or inline XML) into another place. Sources: `custom`
 * (the default) is what `xpath` selects: elements as XML, text or attribute nodes as text; `body` is the
 * content of the SOAP Body; `envelope` the whole Envelope; `property` a default-scope property (XML if
 * it holds XML, else text); `inline` the XML or text written inside <source>, or the local entry (or
 * registry resource) its `key` names. Targets: `custom` (the
 * default) the first node `xpath` selects; `body` the SOAP Body; `envelope` the whole message (replace
 * only, with an Envelope); `property` stores the source (XML stays XML). Actions: `replace` (the default)
 * puts the source in the target's place (text replaces an element's content, or a text or attribute
 * node's value), `child` appends it
 * to the target, `sibling` inserts it after the target (after the Body's first element for `body`).
 * clone="false" moves a source taken from the message instead of copying it.
 */
import { entryText } from '../config/local-entry.ts';
import { type ConfigNode } from '../config/node.ts';
import { MoorError } from '../errors.ts';
import { type Expression } from '../expr/expression.ts';
import { readProperty } from '../expr/properties.ts';
import { type MessageContext } from '../message/context.ts';
import { childElements } from '../xml/element.ts';
import { NS } from '../xml/names.ts';
import { serialize } from '../xml/serialize.ts';
import { childNodes, commitDom, firstElement, parseFragment, serializeNodes, soapBody } from './dom.ts';
import { type MediatorDefinition, type Outcome } from './mediator.ts';
import { compileExpression } from './value.ts';
import { XmlValue } from '../xml/xml-value.ts';
import { ELEMENT, ATTRIBUTE } from '../xml/node-types.ts';

const SOURCE_TYPES = ['custom', 'body', 'envelope', 'property', 'inline'] as const;
const TARGET_TYPES = ['custom', 'body', 'envelope', 'property'] as const;
const ACTIONS = ['replace', 'child', 'sibling'] as const;

/** What a source yields: nodes (of the message's DOM, or parsed) or text. */
type Payload = { readonly nodes: Node[]; readonly owned: boolean } | { readonly text: string };

export const enrich: MediatorDefinition = {
  name: 'enrich',
  parse(node, ctx) {
    node.allowAttributes('description');
    node.allowChildren('source', 'target', 'description');
    const sourceNode = node.child('source');
    const targetNode = node.child('target');
    if (!sourceNode) node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<enrich> needs a <source>');
    if (!targetNode) node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<enrich> needs a <target>');
    if (!sourceNode || !targetNode) {
      // still check the one that is there, so that one load reports every problem
      for (const n of [sourceNode, targetNode]) if (n) checkOnly(n);
      return undefined;
    }
    sourceNode.allowAttributes('type', 'clone', 'xpath', 'property', 'key');
    const sourceType = sourceNode.oneOf(sourceNode.attr('type'), SOURCE_TYPES, 'type') ?? 'custom';
    const clone = sourceNode.oneOf(sourceNode.attr('clone'), ['true', 'false'] as const, 'clone') !== 'false';
    const sourceExpr = sourceType === 'custom' ? xpathOf(sourceNode) : undefined;
    const notTaken = sourceExpr && whatWso2Drops(sourceExpr.text);
    if (notTaken) {
      sourceNode.warn(
        'MOOR_WARN_DIFFERENT',
        `<source xpath="${sourceExpr.text}"> gives ${notTaken}: WSO2's enrich takes only the elements, text nodes and strings a custom source selects, so it has nothing to put in; moor puts in their text`,
      );
    }
    const sourceProperty = sourceType === 'property' ? sourceNode.required('property') : undefined;
    // <source type="inline" key="k"/>: the inline XML or text is the local entry (or registry resource) k
    const key = sourceType === 'inline' ? sourceNode.attr('key') : undefined;
    const entry = key !== undefined ? ctx.entry(key, sourceNode, '<source type="inline" key>') : undefined;
    const inlineXml =
      sourceType !== 'inline'
        ? undefined
        : entry
          ? entry.kind === 'xml'
            ? entryText(entry)
            : undefined
          : childElements(sourceNode.el).length
            ? childElements(sourceNode.el).map((c) => serialize(c, new Map([['xml', NS.xml]]))).join('')
            : undefined;
    const inlineText = sourceType === 'inline' && inlineXml === undefined ? (entry?.kind === 'text' ? entry.text : sourceNode.text) : undefined;

    targetNode.allowAttributes('type', 'action', 'xpath', 'property');
    const targetType = targetNode.oneOf(targetNode.attr('type'), TARGET_TYPES, 'type') ?? 'custom';
    const action = targetNode.oneOf(targetNode.attr('action'), ACTIONS, 'action') ?? 'replace';
    const targetExpr = targetType === 'custom' ? xpathOf(targetNode) : undefined;
    const targetProperty = targetType === 'property' ? targetNode.required('property') : undefined;
    if (targetType === 'envelope' && action !== 'replace') targetNode.report('MOOR_ERR_BAD_VALUE', `the envelope can only be replaced, not given a ${action}`);

    const source = async (msg: MessageContext): Promise<Payload> => {
      switch (sourceType) {
        case 'custom': {
          const nodes = await sourceExpr!.nodes(msg, { wholeEnvelope: true });
          if (nodes.length && nodes.every((n) => n.nodeType === ELEMENT)) return { nodes, owned: true };
          if (nodes.length) return { text: nodes.map(textOf).join('') };
          return { text: await sourceExpr!.string(msg) };
        }
        case 'body': {
          const body = soapBody(await msg.envelopeDom());
          return { nodes: elementsOf(body), owned: true };
        }
        case 'envelope':
          return { nodes: [(await msg.envelopeDom()).documentElement as Node], owned: true };
        case 'property': {
          const v = readProperty(msg, 'default', sourceProperty!);
          if (v === undefined) throw new MoorError('MOOR_ERR_MEDIATION', `<enrich>: the property "${sourceProperty!}" is not set`);
          if (v instanceof XmlValue) return { nodes: parseFragment(await msg.envelopeDom(), v.xml, `property ${sourceProperty!}`), owned: false };
          return { text: String(v) };
        }
        case 'inline':
          if (inlineXml !== undefined) return { nodes: parseFragment(await msg.envelopeDom(), inlineXml, 'the inline source'), owned: false };
          return { text: inlineText ?? '' };
      }
    };

    return {
      kind: 'enrich',
      loc: node.loc,
      async mediate(msg): Promise<Outcome> {
        const payload = await source(msg);
        if (targetType === 'property') {
          msg.properties.set(targetProperty!, 'text' in payload ? payload.text : new XmlValue(serializeNodes(payload.nodes)));
          if (!clone && 'nodes' in payload && payload.owned) {
            for (const n of payload.nodes) n.parentNode?.removeChild(n);
            commitDom(msg, await msg.envelopeDom());
          }
          return 'continue';
        }
        if (targetType === 'envelope') {
          const root = 'nodes' in payload ? payload.nodes.filter((n) => n.nodeType === ELEMENT) : [];
          if (root.length !== 1 || (root[0] as Element).localName !== 'Envelope') {
            throw new MoorError('MOOR_ERR_MEDIATION', '<enrich>: only a SOAP Envelope can replace the envelope');
          }
          msg.setEnvelope(String(root[0]));
          return 'continue';
        }
        const doc = await msg.envelopeDom();
        // what goes in: the source's own nodes when moved, copies otherwise, or a text node
        const incoming = (): Node[] =>
          'text' in payload ? [doc.createTextNode(payload.text)] : payload.owned && !clone ? payload.nodes : payload.nodes.map((n) => n.cloneNode(true));
        if (targetType === 'body') {
          const body = soapBody(doc);
          const items = incoming();
          if (action === 'replace') {
            for (const c of [...childNodes(body)]) if (!items.includes(c)) body.removeChild(c);
            for (const n of items) body.appendChild(n);
          } else if (action === 'child') for (const n of items) body.appendChild(n);
          else insertAfter(firstElement(body) ?? null, items, body);
        } else {
          const target = (await targetExpr!.nodes(msg, { wholeEnvelope: true }))[0];
          if (!target) throw new MoorError('MOOR_ERR_MEDIATION', `<enrich>: the target xpath "${targetExpr!.text}" selects nothing`);
          applyToNode(target, action, payload, incoming);
        }
        commitDom(msg, doc);
        return 'continue';
      },
    };
  },
};

/** Puts the payload at `target` according to `action`. */
function applyToNode(target: Node, action: (typeof ACTIONS)[number], payload: Payload, incoming: () => Node[]): void {
  if (target.nodeType === ATTRIBUTE || (target.nodeType !== ELEMENT && action === 'replace')) {
    // a text or attribute target takes the source's text
    const text = 'text' in payload ? payload.text : payload.nodes.map(textOf).join('');
    if (target.nodeType === ATTRIBUTE) (target as Attr).value = text;
    else target.nodeValue = text;
    return;
  }
  if (action === 'replace' && 'text' in payload) {
    // text replaces what an element holds, as in Synapse
    target.textContent = payload.text;
    return;
  }
  const parent = target.parentNode;
  const items = incoming();
  if (action === 'child') {
    for (const n of items) target.appendChild(n);
    return;
  }
  if (!parent) throw new MoorError('MOOR_ERR_MEDIATION', '<enrich>: the target has no parent to put the source beside');
  insertAfter(target, items, parent);
  if (action === 'replace') parent.removeChild(target);
}

/** Inserts `items` after `ref` in `parent` (at the start when `ref` is null). */
function insertAfter(ref: Node | null, items: Node[], parent: Node): void {
  let before = ref ? ref.nextSibling : parent.firstChild;
  for (const n of items) {
    if (n === before) before = before.nextSibling;
    parent.insertBefore(n, before);
  }
}

function xpathOf(node: ConfigNode): Expression | undefined {
  const text = node.attr('xpath');
  if (text === undefined) {
    node.report('MOOR_ERR_MISSING_ATTRIBUTE', `<${node.name} type="custom"> needs an xpath`);
    return undefined;
  }
  return compileExpression(node, text);
}

/**
 * What a custom source's xpath plainly gives that WSO2's Source.evaluate leaves out (it keeps OMElement,
 * OMText and String results only): attribute nodes as its last step, or a number or a boolean from a
 * function written around the whole expression. Anything less plain is not guessed at.
 */
function whatWso2Drops(text: string): string | undefined {
  const t = text.trim();
  if (/(^|\/)(@|attribute::)[\w.:*-]+$/.test(t)) return 'attribute nodes';
  const outer = /^(count|sum|number|string-length|round|floor|ceiling|boolean|not|true|false|contains|starts-with)\s*\(/.exec(t);
  if (outer && t.endsWith(')') && closesAtEnd(t, outer[0].length - 1)) return /^(count|sum|number|string-length|round|floor|ceiling)/.test(t) ? 'a number' : 'a boolean';
  return undefined;
}

/** True when the parenthesis at `open` in `t` closes at its last character (outside string literals). */
function closesAtEnd(t: string, open: number): boolean {
  let depth = 0;
  let quote = '';
  for (let i = open; i < t.length; i++) {
    const c = t[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i === t.length - 1;
  }
  return false;
}

function elementsOf(el: Node): Node[] {
  return childNodes(el).filter((c) => c.nodeType === ELEMENT);
}

function textOf(n: Node): string {
  return n.nodeType === ATTRIBUTE ? (n as Attr).value : (n.textContent ?? '');
}

/** The checks of a <source> or <target> whose <enrich> lacks the other one. */
function checkOnly(node: ConfigNode): void {
  const isSource = node.name === 'source';
  node.allowAttributes('type', 'xpath', 'property', ...(isSource ? ['clone', 'key'] : ['action']));
  const type = node.oneOf(node.attr('type'), isSource ? SOURCE_TYPES : TARGET_TYPES, 'type') ?? 'custom';
  if (type === 'custom') xpathOf(node);
  if (type === 'property') node.required('property');
}
