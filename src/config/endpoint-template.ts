/**
 * WSO2/Synapse endpoint templates, filled in when the configuration is read.
 *
 *   <template name="T">
 *     <parameter name="p"/>*
 *     <endpoint name="$name"> … <address uri="$uri"> … <duration>$p</duration> … </endpoint>
 *   </template>
 *   <endpoint name="E" template="T" [uri="…"]> <parameter name="p" value="…"/>* </endpoint>
 *
 * As Synapse's Template.create does, the use becomes a copy of the template's `<endpoint>` in which every
 * attribute value and element text that is exactly `$p`, for a parameter p the template declares and the
 * use gives, is replaced by the given value; nothing else is (`http://$host/x` stays as written).
 * `name` and `uri` are declared by every template, and filled from the use's name= and uri=. The copy
 * then is an ordinary endpoint named E (sessions, suspension, metrics as for any), parsed by
 * endpoint-def.ts where the use is, its parts reporting at the template's own file:line:col.
 *
 * Where Synapse leaves `$p` as written (the use does not give a declared p) moor reports it at the use;
 * a parameter the template does not declare, which Synapse ignores, is a warning; a template that does
 * not exist, which Synapse finds only when a message is sent, is an error at the use.
 */
import { type SourceLoc } from '../errors.ts';
import { type XmlElement, type XmlNode } from '../xml/element.ts';
import { type ConfigNode } from './node.ts';
import { suggest } from './suggest.ts';

/** An endpoint template, as read. */
export interface EndpointTemplateDef {
  readonly kind: 'endpointTemplate';
  readonly name: string;
  readonly loc: SourceLoc;
  /** The declared parameters, `name` and `uri` among them always. */
  readonly parameters: readonly string[];
  /** The `<endpoint>` element that each use becomes a filled copy of. */
  readonly body: ConfigNode;
}

/** Uses of a template that could not be filled in (reported already): endpoint-def.ts skips them. */
export const unfilledUses = new WeakSet<XmlElement>();

/** Parses `<template name><parameter name/>* <endpoint>…</endpoint></template>`. */
export function parseEndpointTemplate(node: ConfigNode): EndpointTemplateDef | undefined {
  node.allowAttributes('name', 'description', 'trace', 'statistics');
  const name = node.required('name');
  const parameters = new Set<string>();
  let body: ConfigNode | undefined;
  for (const child of node.children()) {
    switch (child.name) {
      case 'parameter': {
        child.allowAttributes('name', 'isMandatory', 'defaultValue', 'description');
        const p = child.required('name')?.trim();
        if (p === undefined) continue;
        if (parameters.has(p)) child.report('MOOR_ERR_DUPLICATE_NAME', `the template parameter "${p}" is declared twice`);
        parameters.add(p);
        // (Synapse reads only name= of an endpoint template's parameter)
        if (child.attr('defaultValue') !== undefined) child.warn('MOOR_WARN_NO_EFFECT', 'defaultValue= has no effect in an endpoint template (WSO2 reads it in sequence templates only): each use gives the value');
        continue;
      }
      case 'endpoint':
        if (body) child.report('MOOR_ERR_DUPLICATE_NAME', `<template> holds one <endpoint> (the first is at ${body.loc.line}:${body.loc.col})`);
        else body = child;
        continue;
      case 'description':
        continue;
      case 'sequence':
        child.report('MOOR_ERR_BAD_VALUE', '<template> holds a <sequence> or an <endpoint>, not both');
        continue;
      default:
        child.unknownElement(['parameter', 'endpoint'], '<template>');
    }
  }
  if (name === undefined || !body) return undefined;
  parameters.add('name');
  parameters.add('uri');
  return { kind: 'endpointTemplate', name, loc: node.loc, parameters: [...parameters], body };
}

/** Where an `<endpoint template>` is a use to fill in: an artifact, or an endpoint's place inside one. */
const ENDPOINT_PLACES = new Set(['definitions', 'localEntry', 'target', 'send', 'call', 'loadbalance', 'failover']);

/** Nesting of templates within templates beyond which a use is taken for a cycle. */
const MAX_DEPTH = 16;

export interface TemplateScope {
  readonly templates: ReadonlyMap<string, EndpointTemplateDef>;
  /** Sequence templates' names, for a clearer message when one is named. */
  readonly sequenceTemplates: ReadonlySet<string>;
  /** Names of artifacts refused where they are written: their uses are not blamed again. */
  readonly refused: ReadonlySet<string>;
}

/**
 * Fills in every use of an endpoint template in `tops` (the configuration's top-level elements), in
 * place: each `<endpoint template>` element becomes the filled copy. Problems go where the node reports.
 */
export function fillEndpointTemplates(tops: readonly ConfigNode[], scope: TemplateScope): void {
  for (const top of tops) walk(top, true, scope, 0);
}

function walk(node: ConfigNode, atPlace: boolean, scope: TemplateScope, depth: number): void {
  if (!node.isSynapse) return;
  if (node.name === 'endpoint' && node.attr('template') !== undefined) {
    if (atPlace) fill(node, scope, depth);
    return;
  }
  // a template's own <endpoint> is filled at each use; a payloadFactory's <format> is a payload
  if (node.name === 'format' || (node.name === 'template' && node.child('endpoint'))) return;
  for (const c of node.children()) walk(c, ENDPOINT_PLACES.has(node.name), scope, depth);
}

/** Fills in one use. */
function fill(use: ConfigNode, scope: TemplateScope, depth: number): void {
  use.allowAttributes('name', 'template', 'uri');
  // (Synapse's TemplateEndpointFactory reads <parameter> children only, and ignores any other)
  for (const c of use.children()) {
    if (c.name !== 'parameter' && c.name !== 'description') c.warn('MOOR_WARN_NO_EFFECT', `<${c.name}> has no effect on an endpoint made from a template (WSO2 ignores it too): write it in the template`);
  }
  const templateName = use.attr('template')!;
  const def = scope.templates.get(templateName);
  if (!def) {
    unfilledUses.add(use.el);
    if (scope.refused.has(templateName)) return;
    if (/^(conf|gov):/.test(templateName)) use.report('MOOR_ERR_UNSUPPORTED', `endpoint templates kept in the registry are not read; put the template "${templateName}" in the configuration (an MI project's templates/) and name it`);
    else if (scope.sequenceTemplates.has(templateName)) use.report('MOOR_ERR_BAD_VALUE', `"${templateName}" is a sequence template (run by <call-template>), not an endpoint template`);
    else use.report('MOOR_ERR_UNRESOLVED_KEY', `no endpoint template named "${templateName}"${suggest(templateName, [...scope.templates.keys()])}`);
    return;
  }
  if (depth >= MAX_DEPTH) {
    unfilledUses.add(use.el);
    use.report('MOOR_ERR_BAD_VALUE', `endpoint templates use one another more than ${MAX_DEPTH} deep (a template whose endpoint uses itself?)`);
    return;
  }
  const values = new Map<string, string>();
  const name = use.attr('name');
  if (name !== undefined) values.set('name', name);
  const uri = use.attr('uri');
  if (uri !== undefined) values.set('uri', uri);
  let ok = true;
  for (const p of use.children()) {
    if (p.name !== 'parameter') continue;
    p.allowAttributes('name', 'value');
    const pName = p.required('name');
    const value = p.required('value');
    if (pName === undefined || value === undefined) {
      ok = false;
      continue;
    }
    // (Synapse ignores a parameter its template does not declare)
    if (!def.parameters.includes(pName)) {
      p.warn('MOOR_WARN_NO_EFFECT', `the endpoint template "${def.name}" declares no parameter "${pName}"; it is not used${suggest(pName, def.parameters)}`);
    }
    values.set(pName, value);
  }
  const declared = new Set(def.parameters);
  const missing = new Map<string, XmlElement>();
  const spaced = new Map<string, XmlElement>();
  const copy = substitute(def.body.el, { values, declared, missing, spaced });
  for (const [p, at] of spaced) {
    def.body.graft(at).report('MOOR_ERR_BAD_VALUE', `"$${p}" is filled in only where it is the whole value, without spaces around it (as WSO2 does)`);
    ok = false;
  }
  for (const p of missing.keys()) {
    if (p === 'name') continue;
    const how = p === 'uri' ? 'uri="…"' : `<parameter name="${p}" value="…"/>`;
    use.report('MOOR_ERR_MISSING_ATTRIBUTE', `the endpoint template "${def.name}" needs its parameter "${p}" (at ${where(def.body.graft(missing.get(p)!).loc)}): give it as ${how}`);
    ok = false;
  }
  if (!ok) {
    unfilledUses.add(use.el);
    return;
  }
  // the copy is an endpoint named as the use is (Synapse keys it by the use's name), or unnamed
  const attributes = copy.attributes.filter((a) => !(a.name.uri === '' && a.name.local === 'name'));
  const named = name ?? copy.attributes.find((a) => a.name.uri === '' && a.name.local === 'name' && !a.value.startsWith('$'))?.value;
  if (named !== undefined) attributes.unshift({ name: { uri: '', local: 'name' }, raw: 'name', value: named });
  use.el.attributes = attributes;
  use.el.children = copy.children;
  const via = `in the endpoint template "${def.name}" as filled in for ${name !== undefined ? `"${name}"` : 'the endpoint'} at ${where(use.loc)}`;
  for (const c of copy.children) if (c.type === 'element') def.body.graft(c, via);
  // a member of the template's group may use a template in turn
  for (const c of use.children()) walk(c, true, scope, depth + 1);
}

interface Filling {
  readonly values: ReadonlyMap<string, string>;
  readonly declared: ReadonlySet<string>;
  /** Declared parameters written as `$p` that the use does not give, with where. */
  readonly missing: Map<string, XmlElement>;
  /** `$p` with spaces around it, which Synapse leaves as written. */
  readonly spaced: Map<string, XmlElement>;
}

/** A deep copy of `el` with each `$p` filled in (Synapse's Template.replaceElement). */
function substitute(el: XmlElement, f: Filling): XmlElement {
  const fillValue = (v: string): string => {
    if (!v.startsWith('$')) {
      const t = v.trim();
      if (t.startsWith('$') && f.declared.has(t.slice(1)) && !f.spaced.has(t.slice(1))) f.spaced.set(t.slice(1), el);
      return v;
    }
    const p = v.slice(1);
    if (!f.declared.has(p)) return v;
    const given = f.values.get(p);
    if (given === undefined) {
      if (!f.missing.has(p)) f.missing.set(p, el);
      return v;
    }
    return given;
  };
  const attributes = el.attributes.map((a) => ({ ...a, value: fillValue(a.value) }));
  let children: XmlNode[] = el.children.map((c) => (c.type === 'element' ? substitute(c, f) : { ...c }));
  // (Synapse reads an element's text as its text children together, and replaces them all)
  const text = el.children.filter((c) => c.type === 'text' || c.type === 'cdata').map((c) => (c as { value: string }).value).join('');
  if (text !== '') {
    const filled = fillValue(text);
    if (filled !== text) children = [...children.filter((c) => c.type !== 'text' && c.type !== 'cdata'), { type: 'text', value: filled }];
  }
  return { ...el, attributes, namespaces: new Map(el.namespaces), children };
}

function where(loc: SourceLoc): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}
