/**
 * Namespaces in the result tree. xmldom's serializer declares the namespace of a prefixed element or
 * attribute it writes, but not an element in no namespace below one with a default namespace
 * (`<b/>` inside `<a xmlns="urn:a">` would read back as urn:a's b), so the result declares what it needs.
 */
import { NS } from '../xml/names.ts';
import { ELEMENT } from '../xml/node-types.ts';

/** The namespace `prefix` ('' the default) is bound to at `n` and above in the result, if any. */
export function inScope(n: Node | null, prefix: string): string | undefined {
  for (let e = n; e && e.nodeType === ELEMENT; e = e.parentNode) {
    const el = e as Element;
    const decl = el.getAttributeNodeNS(NS.xmlns, prefix || 'xmlns');
    if (decl) return decl.value;
    if ((el.prefix ?? '') === prefix && (el.namespaceURI || prefix === '')) return el.namespaceURI ?? '';
  }
  return undefined;
}

/** Declares `prefix` → `uri` on `el` unless `parent` already has that binding in scope. */
export function declare(el: Element, prefix: string, uri: string, parent: Node): void {
  if (inScope(parent, prefix) === uri) return;
  el.setAttributeNS(NS.xmlns, prefix ? `xmlns:${prefix}` : 'xmlns', uri);
}

/** An element in no namespace under a parent with a default namespace needs xmlns="" (xmldom does not add it). */
export function undeclareDefault(el: Element, parent: Node): void {
  if (el.namespaceURI || el.prefix) return;
  const d = inScope(parent, '');
  if (d) el.setAttributeNS(NS.xmlns, 'xmlns', '');
}

