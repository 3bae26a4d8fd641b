/**
 * XML → JSON, as WSO2 Micro Integrator writes an XML payload out as JSON (synapse-commons JsonUtil's
 * writeAsJson over StAXON, with MI's defaults: autoArray, autoPrimitive, the xml-multiple instruction
 * read, namespaces dropped), for a message whose messageType is application/json:
 *
 *   <jsonObject>…</jsonObject>      {…}    (the root element dropped)
 *   <jsonArray>items</jsonArray>    […]    (each child element an item, whatever its name)
 *   <other>…</other>                {"other": …}
 *   <k>text</k>                     "k": text, auto-primitive: a JSON number as written ("007" stays a
 *                                   string), true/false as booleans, anything else a string
 *   <k/>                            "k": null  (no attributes, no content)
 *   <k a="1">t</k>                  "k": {"@a": 1, "$": "t"}  (attributes auto-primitive too)
 *   <k>…children…</k>               "k": {…}; siblings of one name make an array, at the first one's place
 *   <?xml-multiple k?>              the k siblings after it are an array even when one or none ([])
 *   <k><jsonArray>…</jsonArray></k> "k": […]  (an array in an array, as json-xml.ts writes it)
 *   _JsonReader_PD_1st, _JsonReader_PS_id   "1st", "$id" (JsonReaderDelegate's prefixes taken off)
 *
 * Namespace prefixes and xmlns declarations are dropped (synapse.commons.json.preserve.namespace=false),
 * whitespace-only text between elements is dropped (JsonUtil.removeIndentations), comments are dropped.
 * Where WSO2's streaming writer would write one name twice (siblings of one name apart from each other),
 * moor writes one array. The JSON is written as text, never through JavaScript objects, so no name
 * (`__proto__`…) is special and every number keeps its digits. Nesting is bounded by `maxDepth`.
 */
import { MoorError } from '../errors.ts';
import { PRECEDING_DIGIT, PRECEDING_DOLLAR } from './json-xml.ts';

/** The JSON name of an XML local name (the JsonReaderDelegate prefixes taken off). */
export function jsonNameOf(local: string): string {
  if (local.startsWith(PRECEDING_DIGIT)) return local.slice(PRECEDING_DIGIT.length);
  if (local.startsWith(PRECEDING_DOLLAR)) return `$${local.slice(PRECEDING_DOLLAR.length)}`;
  return local;
}

/** JSON's number grammar: text that is one is written as a number (autoPrimitive). */
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A text or attribute value, auto-primitive. */
export function primitive(text: string): string {
  return NUMBER.test(text) || text === 'true' || text === 'false' ? text : JSON.stringify(text);
}

/** The JSON text of `el`, the payload element (the Body's first child). */
export function xmlToJson(el: Element, maxDepth: number): string {
  const name = el.localName;
  if (name === 'jsonObject') {
    const v = valueOf(el, 1, maxDepth);
    return v === 'null' ? '{}' : v.startsWith('{') ? v : `{"$":${v}}`;
  }
  if (name === 'jsonArray') return arrayOf(el, 1, maxDepth);
  return `{${JSON.stringify(jsonNameOf(name))}:${valueOf(el, 1, maxDepth)}}`;
}

function deep(maxDepth: number): MoorError {
  return new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `the payload nests deeper than ${maxDepth} levels (maxDepth)`);
}

function childElements(el: Element): Element[] {
  const out: Element[] = [];
  for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) out.push(c as Element);
  return out;
}

/** A jsonArray's items: every child element's value. */
function arrayOf(el: Element, depth: number, maxDepth: number): string {
  if (depth > maxDepth) throw deep(maxDepth);
  return `[${childElements(el).map((c) => valueOf(c, depth + 1, maxDepth)).join(',')}]`;
}

/** The JSON value of element `el`. */
function valueOf(el: Element, depth: number, maxDepth: number): string {
  if (depth > maxDepth) throw deep(maxDepth);
  const attrs: string[] = [];
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i)!;
    if (a.name === 'xmlns' || a.prefix === 'xmlns') continue;
    attrs.push(`${JSON.stringify(`@${a.localName ?? a.name}`)}:${primitive(a.value)}`);
  }
  let text = '';
  let hasText = false;
  // members in order of first appearance: a name's elements (or the array an instruction opened)
  const groups = new Map<string, { elements: Element[]; multiple: boolean }>();
  let pendingMultiple: string | null | undefined;
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 3 || c.nodeType === 4) {
      const t = c.nodeValue ?? '';
      if (t.trim() !== '' || c.nodeType === 4) {
        text += t;
        hasText = true;
      }
    } else if (c.nodeType === 7 && (c as ProcessingInstruction).target === 'xml-multiple') {
      const data = ((c as ProcessingInstruction).data ?? '').trim();
      if (data) group(groups, data).multiple = true;
      // (no name: the instruction is for the next element)
      else pendingMultiple = null;
    } else if (c.nodeType === 1) {
      const e = c as Element;
      const g = group(groups, e.localName);
      g.elements.push(e);
      if (pendingMultiple === null) g.multiple = true;
      pendingMultiple = undefined;
    }
  }
  if (!attrs.length && !groups.size) return hasText ? primitive(text) : 'null';
  // <k><jsonArray>…</jsonArray></k>: an array in an array
  if (!attrs.length && !hasText && groups.size === 1) {
    const only = groups.get('jsonArray');
    if (only && only.elements.length === 1 && !only.multiple) return arrayOf(only.elements[0]!, depth + 1, maxDepth);
  }
  const members = [...attrs];
  if (hasText) members.push(`"$":${primitive(text)}`);
  for (const [local, g] of groups) {
    const values = g.elements.map((e) => valueOf(e, depth + 1, maxDepth));
    members.push(`${JSON.stringify(jsonNameOf(local))}:${g.multiple || values.length > 1 ? `[${values.join(',')}]` : values[0]}`);
  }
  return `{${members.join(',')}}`;
}

function group(groups: Map<string, { elements: Element[]; multiple: boolean }>, local: string): { elements: Element[]; multiple: boolean } {
  let g = groups.get(local);
  if (!g) groups.set(local, (g = { elements: [], multiple: false }));
  return g;
}
