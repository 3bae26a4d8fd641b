/** Writes XmlElement trees back to text, declaring any namespace that is not already in scope. */
import { type XmlElement, type XmlNode } from './element.ts';

/** Escapes text content. */
export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an attribute value written between double quotes. */
export function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

/** Serialises `node`; `inScope` holds the prefix bindings already declared around it. */
export function serialize(node: XmlNode, inScope: ReadonlyMap<string, string> = new Map()): string {
  switch (node.type) {
    case 'text':
      return escapeText(node.value);
    case 'cdata':
      return `<![CDATA[${node.value}]]>`;
    case 'comment':
      return `<!--${node.value}-->`;
    case 'element':
      return serializeElement(node, inScope);
  }
}

function serializeElement(el: XmlElement, outer: ReadonlyMap<string, string>): string {
  const scope = new Map(outer);
  const decls = new Map(el.namespaces);
  for (const [p, u] of decls) scope.set(p, u);
  // an element made by a mediator may name a namespace that nothing declares yet
  if ((scope.get(el.prefix) ?? '') !== el.name.uri) {
    decls.set(el.prefix, el.name.uri);
    scope.set(el.prefix, el.name.uri);
  }
  for (const a of el.attributes) {
    const colon = a.raw.indexOf(':');
    if (colon > 0) {
      const p = a.raw.slice(0, colon);
      if (scope.get(p) !== a.name.uri) {
        decls.set(p, a.name.uri);
        scope.set(p, a.name.uri);
      }
    }
  }
  const tag = el.prefix ? `${el.prefix}:${el.name.local}` : el.name.local;
  let out = `<${tag}`;
  for (const [p, u] of decls) out += p ? ` xmlns:${p}="${escapeAttr(u)}"` : ` xmlns="${escapeAttr(u)}"`;
  for (const a of el.attributes) out += ` ${a.raw}="${escapeAttr(a.value)}"`;
  if (el.children.length === 0) return `${out}/>`;
  out += '>';
  for (const c of el.children) out += serialize(c, scope);
  return `${out}</${tag}>`;
}
