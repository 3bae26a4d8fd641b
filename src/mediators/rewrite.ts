/**
 * <rewrite [inProperty="name"] [outProperty="name"]>
 *   <rewriterule>
 *     <condition> evaluator </condition>?                      (src/mediators/rewrite-condition.ts)
 *     <action [type="set|append|prepend|replace|remove"] (value="…" | xpath="…") [regex="…"]
 *             [fragment="protocol|user|host|port|path|query|ref|full"]/>+
 *   </rewriterule>+
 * </rewrite>
 *
 * Synapse's URL Rewrite mediator: reads a URL (the property `inProperty`, else the message's To
 * address, or the URL the request came to without one), runs each rule whose condition holds (on the URL as earlier rules left it), and writes the
 * result to `outProperty`, else to the To address (a WS-Addressing To header, as `<header name="To">`
 * sets it, which a `<send/>` without an endpoint follows). An action works on one fragment (`full`, the
 * default, on the whole URL): set (the default) replaces it, append and prepend add to it, replace
 * replaces each match of `regex` in it by the value, remove takes it away. A value is literal, or the
 * string of the XPath `xpath`.
 */
import { type ConfigNode } from '../config/node.ts';
import { type MessageContext } from '../message/context.ts';
import { readProperty } from '../expr/properties.ts';
import { element, type XmlElement } from '../xml/element.ts';
import { NS, WSA_NAMESPACES } from '../xml/names.ts';
import { type MediatorDefinition, type Outcome } from './mediator.ts';
import { type Condition, parseCondition } from './rewrite-condition.ts';
import { FRAGMENTS, type Fragment, fragmentsOf, type UrlFragments, urlOf } from './url-fragments.ts';
import { compileExpression, type ValueSource } from './value.ts';

const ACTIONS = ['set', 'append', 'prepend', 'replace', 'remove'] as const;
type Action = (msg: MessageContext, url: UrlFragments) => Promise<UrlFragments>;
interface Rule { readonly when: Condition | undefined; readonly actions: readonly Action[] }

export const rewrite: MediatorDefinition = {
  name: 'rewrite',
  parse(node) {
    node.allowAttributes('inProperty', 'outProperty', 'description');
    node.allowChildren('rewriterule', 'description');
    const inProperty = node.attr('inProperty');
    const outProperty = node.attr('outProperty');
    const rules = node.children().filter((c) => c.name === 'rewriterule').map(parseRule);
    if (rules.length === 0) node.report('MOOR_ERR_BAD_VALUE', '<rewrite> needs at least one <rewriterule>');
    if (rules.some((r) => !r) || rules.length === 0) return undefined;
    const all = rules as Rule[];
    return {
      kind: 'rewrite',
      loc: node.loc,
      async mediate(msg): Promise<Outcome> {
        let url = fragmentsOf(await input(msg, inProperty));
        for (const rule of all) {
          if (rule.when && !rule.when(msg, url)) continue;
          for (const act of rule.actions) url = await act(msg, url);
        }
        const result = urlOf(url);
        if (outProperty !== undefined) msg.properties.set(outProperty, result);
        else await setTo(msg, result);
        return 'continue';
      },
    };
  },
};

/** The URL to rewrite: `inProperty`, else the To address as get-property('To') reads it (the WS-A To, else the request URL). */
async function input(msg: MessageContext, inProperty: string | undefined): Promise<string | undefined> {
  // (the head first: To is read from the parsed head)
  await msg.head();
  const v = readProperty(msg, 'default', inProperty ?? 'To');
  return v === undefined ? undefined : String(v);
}

/** Sets the WS-Addressing To header in the namespace the message already uses (2005/08 otherwise). */
async function setTo(msg: MessageContext, url: string): Promise<void> {
  const head = await msg.head();
  const used = head.blocks.find((b) => WSA_NAMESPACES.includes(b.name.uri));
  const uri = used?.name.uri ?? NS.wsa;
  head.setBlock(element({ uri, local: 'To' }, used?.prefix || 'wsa', [{ type: 'text', value: url }]) as XmlElement);
}

function parseRule(node: ConfigNode): Rule | undefined {
  node.allowAttributes();
  node.allowChildren('condition', 'action');
  const conditionNode = node.child('condition');
  const when = conditionNode && parseCondition(conditionNode);
  const actions = node.children().filter((c) => c.name === 'action').map(parseAction);
  if (actions.length === 0) node.report('MOOR_ERR_BAD_VALUE', '<rewriterule> needs at least one <action>');
  if ((conditionNode && !when) || actions.length === 0 || actions.some((a) => !a)) return undefined;
  return { when, actions: actions as Action[] };
}

function parseAction(node: ConfigNode): Action | undefined {
  node.allowAttributes('type', 'value', 'xpath', 'regex', 'fragment');
  const type = node.oneOf(node.attr('type'), ACTIONS, 'type') ?? 'set';
  const fragmentText = node.attr('fragment') ?? 'full';
  const fragment = fragmentText === 'full' ? 'full' : node.oneOf(fragmentText, FRAGMENTS, 'fragment');
  let value: ValueSource | undefined;
  const literal = node.attr('value');
  const xpath = node.attr('xpath');
  if (literal !== undefined && xpath !== undefined) node.report('MOOR_ERR_BAD_VALUE', '<action> takes value or xpath, not both');
  else if (literal !== undefined) value = async () => literal;
  else if (xpath !== undefined) {
    const expr = compileExpression(node, xpath);
    value = expr && ((msg) => expr.string(msg));
  } else if (type !== 'remove') node.report('MOOR_ERR_MISSING_ATTRIBUTE', `<action type="${type}"> needs value or xpath`);
  const regex = type === 'replace' ? node.regex(node.required('regex'), 'regex', 'g') : undefined;
  if (type === 'replace' && !regex) return undefined;
  if (!fragment || (type !== 'remove' && !value)) return undefined;
  const change = (old: string | undefined, v: string): string | undefined => {
    switch (type) {
      case 'set': return v;
      case 'append': return (old ?? '') + v;
      case 'prepend': return v + (old ?? '');
      // (Java's replaceAll: $1 in the value is a group of the regex, as in JavaScript's replace)
      case 'replace': return old === undefined ? undefined : old.replace(regex!, v);
      case 'remove': return undefined;
    }
  };
  return async (msg, url) => {
    const v = value ? await value(msg) : '';
    if (fragment === 'full') return fragmentsOf(change(urlOf(url), v));
    return { ...url, [fragment as Fragment]: change(url[fragment as Fragment], v) };
  };
}
