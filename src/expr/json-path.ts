/**
 * Synapse's `json-eval(<JSONPath>)`: an expression over a JSON payload (a REST API's request or a
 * backend's answer, carried as it came: src/message/rest-payload.ts), or over an XML one read as JSON
 * by WSO2's rules (src/message/xml-json.ts), as in WSO2. The JSONPath subset moor reads:
 *
 *   $                 the whole payload
 *   .name  ['name']   a member
 *   [n]               an array element (n < 0 counts from the end)
 *   [*]  .*           every element or member
 *   ..name            every member `name` at any depth
 *
 * The payload is read once per message (bounded by maxParseBytes, under the parse budget). A result of
 * one value gives it (a string as it is, anything else as JSON); several give a JSON array; none, ''.
 */
import { MoorError } from '../errors.ts';
import { type MessageContext } from '../message/context.ts';
import { parseBudget } from '../message/parse-budget.ts';
import { tooLargeToParse } from '../message/message-body.ts';
import { payloadAsJson } from '../message/rest-payload.ts';

type Step = { readonly kind: 'member'; readonly name: string } | { readonly kind: 'index'; readonly index: number } | { readonly kind: 'all' } | { readonly kind: 'deep'; readonly name: string };

/** The JSONPath of `json-eval(…)`, when `text` is one; undefined for any other expression. */
export function jsonEvalPath(text: string): string | undefined {
  return /^\s*json-eval\(\s*([\s\S]*?)\s*\)\s*$/.exec(text)?.[1];
}

/** A compiled JSONPath; throws MOOR_ERR_BAD_VALUE (with what is wrong) when it is not one moor reads. */
export class JsonPath {
  private readonly steps: Step[] = [];
  constructor(readonly text: string) {
    if (!text.startsWith('$')) throw new MoorError('MOOR_ERR_BAD_VALUE', `the JSONPath "${text}" must start with $`);
    let i = 1;
    while (i < text.length) {
      const rest = text.slice(i);
      let m: RegExpExecArray | null;
      if ((m = /^\.\.([A-Za-z_$][\w$-]*)/.exec(rest))) this.steps.push({ kind: 'deep', name: m[1]! });
      else if ((m = /^\.\*/.exec(rest)) || (m = /^\[\*\]/.exec(rest))) this.steps.push({ kind: 'all' });
      else if ((m = /^\.([A-Za-z_$][\w$-]*)/.exec(rest))) this.steps.push({ kind: 'member', name: m[1]! });
      else if ((m = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest)) || (m = /^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest))) this.steps.push({ kind: 'member', name: m[1]!.replace(/\\(.)/g, '$1') });
      else if ((m = /^\[\s*(-?\d+)\s*\]/.exec(rest))) this.steps.push({ kind: 'index', index: Number(m[1]) });
      else throw new MoorError('MOOR_ERR_BAD_VALUE', `the JSONPath "${text}" cannot be read at "${rest}" (moor reads $, .name, ['name'], [n], [*], .* and ..name)`);
      i += m[0].length;
    }
  }

  /** The values the path selects in `root`. */
  select(root: unknown): unknown[] {
    let current: unknown[] = [root];
    for (const s of this.steps) {
      const next: unknown[] = [];
      for (const v of current) {
        if (s.kind === 'member') {
          if (v && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, s.name)) next.push((v as Record<string, unknown>)[s.name]);
        } else if (s.kind === 'index') {
          if (Array.isArray(v)) {
            const at = s.index < 0 ? v.length + s.index : s.index;
            if (at >= 0 && at < v.length) next.push(v[at]);
          }
        } else if (s.kind === 'all') {
          if (Array.isArray(v)) next.push(...v);
          else if (v && typeof v === 'object') next.push(...Object.values(v));
        } else collectDeep(v, s.name, next);
      }
      current = next;
    }
    return current;
  }

  /** The string value of the path over the message's JSON payload. */
  async string(msg: MessageContext): Promise<string> {
    const found = this.select(await jsonPayload(msg));
    if (found.length === 0) return '';
    const one = found.length === 1 ? found[0] : found;
    return typeof one === 'string' ? one : JSON.stringify(one);
  }

  /** The selection as JSON text (a string as a JSON string; several values as an array; none, null). */
  async json(msg: MessageContext): Promise<string> {
    const found = this.select(await jsonPayload(msg));
    return JSON.stringify(found.length === 0 ? null : found.length === 1 ? found[0] : found);
  }
}

function collectDeep(v: unknown, name: string, into: unknown[]): void {
  if (Array.isArray(v)) for (const x of v) collectDeep(x, name, into);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === name) into.push(x);
      collectDeep(x, name, into);
    }
  }
}

/** The parsed payload of each message body (read and parsed once, whichever mediators ask). */
const parsed = new WeakMap<object, { readonly bytes: Buffer; readonly value: unknown }>();

/** The message's JSON payload, parsed. Throws MOOR_ERR_MEDIATION for XML, MOOR_ERR_MALFORMED_JSON for what is not JSON. */
export async function jsonPayload(msg: MessageContext): Promise<unknown> {
  const body = msg.body;
  const { maxParseBytes } = body.limits;
  let bytes: Buffer;
  if (!body.opaque) {
    // an XML payload is read as JSON by WSO2's rules (the JSON it was made from while unchanged)
    bytes = await payloadAsJson(msg);
    if (bytes.length > maxParseBytes) throw tooLargeToParse(maxParseBytes);
  } else {
    if (body.length !== undefined && body.length > maxParseBytes) throw body.blame(tooLargeToParse(maxParseBytes));
    bytes = await body.readAll(maxParseBytes);
  }
  const had = parsed.get(body);
  if (had && had.bytes === bytes) return had.value;
  const lease = await parseBudget.acquire(bytes.length, msg.abort);
  (msg.exchange.leases ??= []).push(lease);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    throw body.blame(new MoorError('MOOR_ERR_MALFORMED_JSON', `the payload is not well-formed JSON: ${(e as Error).message}`));
  }
  parsed.set(body, { bytes, value });
  return value;
}
