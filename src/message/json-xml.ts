/**
 * JSON → XML, as WSO2 Micro Integrator builds a JSON payload into XML (synapse-commons JsonUtil over
 * StAXON, with JsonReaderDelegate's names), for a mediator that needs the payload as XML:
 *
 *   {…}                  <jsonObject>members</jsonObject>
 *   […]                  <jsonArray><jsonElement>item</jsonElement>…</jsonArray>
 *   "k": scalar          <k>text</k>      (a string escaped; a number as written, digit for digit; true/false)
 *   "k": null | {} | ""  <k></k>          (WSO2's default: no xsi:nil, synapse.commons.enableXmlNilReadWrite=false)
 *   "k": {…}             <k>members</k>
 *   "k": [a, b]          <k>a</k><k>b</k>   ("k": [] is nothing)
 *   "k": [[…]]           <k><jsonArray>…</jsonArray></k>  (an array in an array)
 *   "@a": scalar         the attribute a of the enclosing element (before its other members, as StAXON reads them)
 *   "$": scalar          the enclosing element's text
 *   "1st"                <_JsonReader_PD_1st>  (a name starting with a digit: JsonReaderDelegate)
 *   "$id"                <_JsonReader_PS_id>   (a name starting with $)
 *
 * With `multiplePI` (WSO2's synapse.json.to.xml.processing.instruction.enabled, its JsonBuilder), each
 * array is preceded by `<?xml-multiple name?>` (`<?xml-multiple jsonElement?>` first in a jsonArray), so
 * that an array of one, or none, is still an array when the XML goes out as JSON again (xml-json.ts).
 * MI's default, and moor's, is without: SOAP forbids processing instructions in an envelope, and a
 * converted payload may go to a SOAP backend. An empty payload is no element (an empty Body), as in WSO2.
 *
 * What WSO2 would turn into XML that is not well-formed is refused (MOOR_ERR_JSON_TO_XML): a top-level
 * scalar, a name that is not an XML name once prefixed (a space, a colon, empty), a name twice in one
 * object (hostile JSON: which one counts differs between readers), a character XML cannot hold. The
 * result is bounded: nesting by maxDepth (counting the envelope's two levels), its length by `maxChars`
 * (MOOR_ERR_MESSAGE_TOO_LARGE). JSON that is not well-formed is MOOR_ERR_MALFORMED_JSON. No JavaScript
 * objects are made from the JSON, so `__proto__` is a name like any other.
 */
import { MoorError } from '../errors.ts';
import { NOT_XML_CHAR } from '../xml/well-formed.ts';

export const PRECEDING_DIGIT = '_JsonReader_PD_';
export const PRECEDING_DOLLAR = '_JsonReader_PS_';

/** XML's NCName (XML 1.0 5th edition NameStartChar / NameChar, without the colon). */
const NCNAME = /^[A-Za-z_\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\u{10000}-\u{EFFFF}][-.0-9A-Za-z_\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C\u200D\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\u{10000}-\u{EFFFF}]*$/u;

/** JSON's number grammar (RFC 8259 §6), from the cursor. */
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export interface JsonToXmlOptions {
  /** The deepest element nesting allowed, the envelope and its Body included (limits.maxDepth). */
  readonly maxDepth: number;
  /** The most characters the XML may have. */
  readonly maxChars: number;
  /**
   * Whether arrays are marked with `<?xml-multiple?>` (WSO2's synapse.json.to.xml.processing.instruction.enabled,
   * false in MI: its JsonStreamBuilder writes none). Off, an array of one is one element and an empty one
   * nothing, as in MI.
   */
  readonly multiplePI?: boolean;
}

/** The XML element name of JSON name `key` (WSO2's JsonReaderDelegate), or a refusal. */
export function xmlNameOf(key: string): string {
  let name = key;
  if (/^[0-9]/.test(key)) name = PRECEDING_DIGIT + key;
  else if (key.startsWith('$')) name = PRECEDING_DOLLAR + key.slice(1);
  if (!NCNAME.test(name)) throw refuse(`the JSON name ${JSON.stringify(key.slice(0, 100))} cannot be an XML element name`);
  return name;
}

function refuse(why: string): MoorError {
  return new MoorError('MOOR_ERR_JSON_TO_XML', `the JSON payload cannot be read as XML: ${why}`);
}

/** The XML of JSON text `json` (the payload element, no envelope), '' for an empty payload. */
export function jsonToXml(json: string, bounds: JsonToXmlOptions): string {
  return new Converter(json, bounds).document();
}

class Converter {
  private i = 0;
  private readonly out: string[] = [];
  private length = 0;

  constructor(
    private readonly s: string,
    private readonly bounds: JsonToXmlOptions,
  ) {}

  document(): string {
    this.ws();
    if (this.i >= this.s.length) return '';
    const c = this.s[this.i];
    // the envelope and its Body are two levels; the root is the third
    if (c === '{') this.element('jsonObject', 3, () => this.object(3));
    else if (c === '[') this.element('jsonArray', 3, () => this.array('jsonElement', 3));
    else {
      this.value(); // malformed JSON is told as such first
      throw refuse('its top level is a single value, not an object or an array (WSO2: "Payload is not a JSON string")');
    }
    this.ws();
    if (this.i < this.s.length) throw this.malformed('more after the end of the JSON value');
    return this.out.join('');
  }

  private emit(text: string): void {
    this.length += text.length;
    if (this.length > this.bounds.maxChars) throw new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `the JSON payload as XML would be larger than ${this.bounds.maxChars} characters, the most a mediator may parse (maxParseBytes)`);
    this.out.push(text);
  }

  private element(name: string, depth: number, content: () => void): void {
    if (depth > this.bounds.maxDepth) throw new MoorError('MOOR_ERR_MESSAGE_TOO_LARGE', `the JSON payload nests deeper than ${this.bounds.maxDepth} levels as XML (maxDepth)`);
    this.emit(`<${name}`);
    // the open tag stays open for attributes ("@a" members) until content comes
    this.open = true;
    content();
    if (this.open) this.emit('>');
    this.open = false;
    this.emit(`</${name}>`);
  }

  /** True while the element just started may still take attributes. */
  private open = false;

  private closeTag(): void {
    if (this.open) this.emit('>');
    this.open = false;
  }

  /** The members of an object, as the content of the element at `depth`. */
  private object(depth: number): void {
    this.i++; // {
    const seen = new Set<string>();
    this.ws();
    if (this.peek() === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.peek() !== '"') throw this.malformed('a member name expected');
      const key = this.string();
      if (seen.has(key)) throw refuse(`the name ${JSON.stringify(key.slice(0, 100))} is given twice in one object`);
      seen.add(key);
      this.ws();
      if (this.s[this.i] !== ':') throw this.malformed('":" expected');
      this.i++;
      this.ws();
      this.member(key, depth);
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return;
      if (c !== ',') throw this.malformed('"," or "}" expected', this.i - 1);
    }
  }

  private member(key: string, depth: number): void {
    if (key.startsWith('@') && key.length > 1) {
      if (!this.open) throw refuse(`the attribute member ${JSON.stringify(key.slice(0, 100))} comes after the element's content (StAXON reads "@" members first)`);
      const name = key.slice(1);
      if (!NCNAME.test(name) && !/^xmlns:/.test(name)) throw refuse(`the JSON name ${JSON.stringify(key.slice(0, 100))} cannot be an XML attribute name`);
      const v = this.scalar(`the attribute member ${JSON.stringify(key.slice(0, 100))}`);
      this.emit(` ${name}="${escape(v, true)}"`);
      return;
    }
    if (key === '$') {
      const v = this.scalar('the text member "$"');
      this.closeTag();
      this.emit(escape(v, false));
      return;
    }
    const name = xmlNameOf(key);
    this.closeTag();
    if (this.peek() === '[') {
      if (this.bounds.multiplePI) this.emit(`<?xml-multiple ${name}?>`);
      this.array(name, depth, true);
    } else this.item(name, depth + 1);
  }

  /**
   * The items of an array: each an element `name` at `depth + 1`. `inline`: they are the enclosing
   * object's members (a named array); otherwise the content of a jsonArray, instruction first.
   */
  private array(name: string, depth: number, inline = false): void {
    this.i++; // [
    if (!inline) {
      this.closeTag();
      if (this.bounds.multiplePI) this.emit(`<?xml-multiple ${name}?>`);
    }
    this.ws();
    if (this.peek() === ']') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.peek() === '[') {
        // an array in an array: the item holds a jsonArray of its own
        this.element(name, depth + 1, () => {
          this.closeTag();
          this.element('jsonArray', depth + 2, () => this.array('jsonElement', depth + 2));
        });
      } else this.item(name, depth + 1);
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return;
      if (c !== ',') throw this.malformed('"," or "]" expected', this.i - 1);
    }
  }

  /** One value as the element `name` at `depth`. */
  private item(name: string, depth: number): void {
    if (this.peek() === '{') this.element(name, depth, () => this.object(depth));
    else {
      const v = this.value();
      this.element(name, depth, () => {
        this.closeTag();
        if (v !== null) this.emit(escape(v, false));
      });
    }
  }

  /** A scalar as text (null: ''); an object or array is refused as `what`. */
  private scalar(what: string): string {
    const c = this.peek();
    if (c === '{' || c === '[') throw refuse(`${what} holds an ${c === '{' ? 'object' : 'array'}, not a single value`);
    return this.value() ?? '';
  }

  /** A scalar's text as XML has it (null for null); never an object or an array. */
  private value(): string | null {
    const c = this.peek();
    if (c === '"') return this.string();
    if (c === '{' || c === '[') throw this.malformed('a value expected');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      // a number, however long: kept digit for digit, never made a double
      NUMBER.lastIndex = this.i;
      const n = NUMBER.exec(this.s);
      if (!n) throw this.malformed('a bad number');
      this.i += n[0].length;
      return n[0];
    }
    for (const word of ['true', 'false', 'null'] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return word === 'null' ? null : word;
      }
    }
    throw this.malformed('a value expected');
  }

  /** A JSON string at the cursor, its escapes decoded. */
  private string(): string {
    const start = ++this.i;
    let end = start;
    let simple = true;
    for (;;) {
      if (end >= this.s.length) throw this.malformed('an unterminated string', start - 1);
      const ch = this.s.charCodeAt(end);
      if (ch === 0x22) break;
      if (ch < 0x20) throw this.malformed('a control character in a string', end);
      if (ch === 0x5c) {
        simple = false;
        end += 2;
      } else end++;
    }
    const raw = this.s.slice(start, end);
    this.i = end + 1;
    let text: string;
    if (simple) text = raw;
    else {
      try {
        text = JSON.parse(`"${raw}"`) as string;
      } catch {
        throw this.malformed('a bad escape in a string', start);
      }
    }
    if (NOT_XML_CHAR.test(text)) throw refuse(`the string ${JSON.stringify(text.slice(0, 100))} holds a character XML cannot hold`);
    return text;
  }

  private peek(): string | undefined {
    return this.s[this.i];
  }

  private ws(): void {
    while (this.i < this.s.length && (this.s[this.i] === ' ' || this.s[this.i] === '\n' || this.s[this.i] === '\r' || this.s[this.i] === '\t')) this.i++;
  }

  private malformed(why: string, at = this.i): MoorError {
    return new MoorError('MOOR_ERR_MALFORMED_JSON', `the payload is not well-formed JSON: ${why} at position ${at}`);
  }
}

function escape(text: string, attr: boolean): string {
  let t = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (attr) t = t.replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
  else t = t.replace(/\r/g, '&#13;');
  return t;
}
