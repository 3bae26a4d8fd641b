/**
 * The `<condition>` of a `<rewriterule>`: Synapse's evaluator grammar.
 *   <equal type="url|header|param|property" [source="…"] value="…"/>
 *   <match type="url|header|param|property" [source="…"] regex="…"/>      (the regex matches the whole value)
 *   <and> c c… </and>   <or> c c… </or>   <not> c </not>
 * For type="url", source names a fragment of the URL being rewritten (protocol, user, host, port, path,
 * query, ref; the whole URL without one); for header an HTTP header; for param a query parameter of that
 * URL; for property a default-scope property. A source that is absent makes equal and match false.
 * Synapse's other evaluators (`<text>`, `<contains>`…) are refused where they are written.
 */
import { type ConfigNode } from '../config/node.ts';
import { headerValue, type MessageContext } from '../message/context.ts';
import { readProperty } from '../expr/properties.ts';
import { wholeMatchRegex } from './branch.ts';
import { FRAGMENTS, type Fragment, type UrlFragments, urlOf } from './url-fragments.ts';

/** Whether a rule applies to the URL as the rules before it left it. */
export type Condition = (msg: MessageContext, url: UrlFragments) => boolean;

const TYPES = ['url', 'header', 'param', 'property'] as const;

/** The condition written as the one child of `<condition>`; undefined (reported) when it is not one. */
export function parseCondition(node: ConfigNode): Condition | undefined {
  node.allowAttributes();
  const kids = node.children();
  if (kids.length !== 1) {
    node.report('MOOR_ERR_BAD_VALUE', `<${node.name}> holds exactly one condition (<equal>, <match>, <and>, <or>, <not>), not ${kids.length}`);
    return undefined;
  }
  return evaluator(kids[0]!);
}

function evaluator(node: ConfigNode): Condition | undefined {
  switch (node.name) {
    case 'and':
    case 'or': {
      node.allowAttributes();
      const parts = node.children().map(evaluator);
      if (parts.length < 2) node.report('MOOR_ERR_BAD_VALUE', `<${node.name}> needs at least two conditions`);
      if (parts.some((p) => !p) || parts.length < 2) return undefined;
      const all = parts as Condition[];
      return node.name === 'and' ? (msg, url) => all.every((c) => c(msg, url)) : (msg, url) => all.some((c) => c(msg, url));
    }
    case 'not': {
      const inner = parseCondition(node);
      return inner && ((msg, url) => !inner(msg, url));
    }
    case 'equal':
    case 'match': {
      node.allowAttributes('type', 'source', node.name === 'equal' ? 'value' : 'regex');
      const read = sourceOf(node);
      if (node.name === 'equal') {
        const value = node.required('value');
        return read && value !== undefined ? (msg, url) => read(msg, url) === value : undefined;
      }
      const regex = wholeMatchRegex(node, 'regex');
      return read && regex ? (msg, url) => { const v = read(msg, url); return v !== undefined && regex.test(v); } : undefined;
    }
    default:
      node.report('MOOR_ERR_UNSUPPORTED', `<${node.name}> is not a condition moor evaluates; use <equal>, <match>, <and>, <or> or <not>`);
      return undefined;
  }
}

function sourceOf(node: ConfigNode): ((msg: MessageContext, url: UrlFragments) => string | undefined) | undefined {
  const type = node.oneOf(node.required('type'), TYPES, 'type');
  const source = node.attr('source');
  switch (type) {
    case 'url': {
      if (source === undefined || source === 'full') return (_msg, url) => urlOf(url);
      const fragment = node.oneOf(source, FRAGMENTS, 'source');
      return fragment && ((_msg, url) => url[fragment as Fragment]);
    }
    case 'header':
      return named(node, source, (msg, name) => headerValue(msg.transport, name));
    case 'property':
      return named(node, source, (msg, name) => { const v = readProperty(msg, 'default', name); return v === undefined ? undefined : String(v); });
    case 'param':
      return named(node, source, (_msg, name, url) => (url.query === undefined ? undefined : new URLSearchParams(url.query).get(name) ?? undefined));
    default:
      return undefined;
  }
}

function named(node: ConfigNode, source: string | undefined, read: (msg: MessageContext, name: string, url: UrlFragments) => string | undefined) {
  if (source === undefined) {
    node.report('MOOR_ERR_MISSING_ATTRIBUTE', `<${node.name} type="${node.attr('type')}"> needs the attribute source (the name to read)`);
    return undefined;
  }
  return (msg: MessageContext, url: UrlFragments) => read(msg, source, url);
}
