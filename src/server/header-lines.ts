/**
 * Counting a request's raw header lines by name (`IncomingMessage.rawHeaders`: names in their own case,
 * every line kept), where Node's header object keeps only the first: two Host lines, or two
 * Authorization lines on the admin listener, are refused rather than guessed at (RFC 9112 §3.2).
 */

/** How many lines of `lines` (name, value, name, value…) are named `name` (lower case). */
export function linesNamed(lines: readonly string[], name: string): number {
  let n = 0;
  // (only a name of the same length is lower-cased and compared)
  for (let i = 0; i < lines.length; i += 2) if (lines[i]!.length === name.length && lines[i]!.toLowerCase() === name) n++;
  return n;
}
