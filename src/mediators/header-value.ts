/**
 * What a mediator may put into an HTTP header (`<property scope="transport">`, `<header
 * scope="transport">`), checked where the value is made: a header carries visible Latin-1 text, spaces
 * and tabs only (RFC 9110 §5.5). A line break would split the header (response splitting), and undici
 * refuses control characters and anything beyond Latin-1 when it sends, which would look like the
 * backend's failure and suspend it. So such a value is refused here, naming the mediator.
 */
import { type SourceLoc } from '../errors.ts';
import { MoorError } from '../errors.ts';
import { type ConfigNode } from '../config/node.ts';

/** A header name: an RFC 9110 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Why `value` cannot be a header value, or undefined when it can. */
export function headerValueProblem(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x20 && c !== 0x7f && c <= 0xff) continue;
    if (c === 0x09) continue;
    if (c === 0x0d || c === 0x0a) return 'a line break (CR or LF)';
    if (c > 0xff) return `the character U+${c.toString(16).toUpperCase().padStart(4, '0')}, beyond Latin-1`;
    return `the control character 0x${c.toString(16).padStart(2, '0')}`;
  }
  return undefined;
}

/** Reports, at the mediator, a header name that is not a token and a literal value that cannot be sent. */
export function checkHeaderAtLoad(node: ConfigNode, name: string, literal: string | undefined): void {
  if (!TOKEN.test(name)) node.report('MOOR_ERR_BAD_VALUE', `"${name}" cannot be an HTTP header name (letters, digits and !#$%&'*+-.^_\`|~ only)`);
  const problem = literal !== undefined ? headerValueProblem(literal) : undefined;
  if (problem) node.report('MOOR_ERR_BAD_VALUE', `the value of the HTTP header ${name} holds ${problem}, which an HTTP header cannot carry`);
}

/**
 * `value` when it can be sent as header `name`; throws MOOR_ERR_HEADER_VALUE naming the mediator at
 * `loc` otherwise. (The value comes from the message, so the fault blames the client.)
 */
export function checkedHeaderValue(value: string, name: string, maxBytes: number, loc: SourceLoc, what: string): string {
  const problem = value.length > maxBytes ? `${value.length} bytes, more than maxHeaderValueBytes (${maxBytes})` : headerValueProblem(value);
  if (problem === undefined) return value;
  throw new MoorError('MOOR_ERR_HEADER_VALUE', `${what} at ${loc.file}:${loc.line}:${loc.col} made a value of the HTTP header ${name} with ${problem}, which an HTTP header cannot carry`);
}
