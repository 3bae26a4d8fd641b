/**
 * <script language="js" key="entry-key" [function="name"]>   a script in a local entry or registry resource
 *   <include key="entry-key"/>*                                 more scripts, evaluated first, in order
 * </script>
 * <script language="js"> inline script (text or CDATA) </script>
 *
 * WSO2's Script mediator, for JavaScript. A script by key is evaluated once (its includes first), and
 * its function `name` (default `mediate`) is called for each message with `mc`; an inline script is the
 * body of a function of `mc`, called for each message. Either stops the sequence by returning false
 * (WSO2 reads an inline script's last value instead: a script ending in a bare `false` goes on here).
 * `mc` (script-message.ts) has WSO2's ScriptMessageContext methods, with the payload as XML text or a
 * JSON value: moor has no E4X, and a script written with E4X (XML literals, `..`, `::`, `new XML()`) is
 * refused when the configuration loads, at its line in the file, as MOOR_ERR_UNSUPPORTED; other syntax
 * errors are MOOR_ERR_BAD_VALUE there. Other languages (groovy, rb, py; WSO2's nashornJs, rhinoJs and
 * graalJs names) are refused as unsupported, naming the language. A dynamic key (`key="{…}"`) is refused.
 *
 * Each run is bounded (script-sandbox.ts), on a worker thread (script-pool.ts): `scriptTimeoutMs` and
 * `scriptMemoryBytes` of <moor:limits>; at most `scriptQueueMax` runs wait for a thread (one more is
 * refused with MOOR_ERR_SCRIPT_BUSY, 503).
 * A script that throws, runs out of time or memory is MOOR_ERR_MEDIATION, logged, and answered as any
 * mediation error (the fault sequence runs; without one, a SOAP fault in the request's version).
 */
import { type EntryValue, entryText } from '../config/local-entry.ts';
import { type ConfigNode, type Diagnostics } from '../config/node.ts';
import { MoorError, type SourceLoc } from '../errors.ts';
import { isDynamicKey } from './dynamic-key.ts';
import { type MediatorDefinition, type Mediator, type Outcome } from './mediator.ts';
import { loadEngine, type ScriptPlace, syntaxError } from './script-engine.ts';
import { MC_METHODS, needsOf, ScriptMessage } from './script-message.ts';
import { scriptPool } from './script-pool.ts';
import { type ScriptAt, ScriptFailure, type ScriptPart, type ScriptProgram } from './script-sandbox.ts';

const JS_ENGINES = ['nashornJs', 'rhinoJs', 'graalJs', 'javascript', 'ecmascript'];

/** A part of the program, and where its lines are in the configuration. */
interface Placed extends ScriptPart {
  /** The place of a line:col of this part, in the configuration (or the script's own file). */
  loc(at: ScriptPlace | undefined): SourceLoc;
  /** How to name it in a message. */
  readonly what: string;
}

export const script: MediatorDefinition = {
  name: 'script',
  parse(node, ctx) {
    node.allowAttributes('language', 'key', 'function', 'description');
    node.allowChildren('include', 'description');
    const language = node.required('language');
    const key = node.attr('key');
    const fn = node.attr('function');
    if (language === undefined) return undefined;
    if (language !== 'js') {
      const why = JS_ENGINES.includes(language)
        ? `moor runs JavaScript as language="js", on its own engine (QuickJS: no Java objects, no E4X); a script that uses only mc's methods runs there`
        : `moor runs only JavaScript (language="js")`;
      node.report('MOOR_ERR_UNSUPPORTED', `<script language="${language}">: ${why}`);
      return undefined;
    }
    if (fn !== undefined && key === undefined) node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<script function> needs a key: an inline script is run whole, it has no function to call');
    const parts: Placed[] = [];
    for (const inc of node.children().filter((c) => c.name === 'include')) {
      inc.allowAttributes('key');
      const k = inc.required('key');
      const part = k === undefined ? undefined : byKey(inc, k, ctx.entry(k, inc, '<script><include key>'));
      if (part) parts.push(part);
    }
    const inline = inlineText(node);
    if (key !== undefined) {
      if (inline.trim() !== '') node.report('MOOR_ERR_BAD_VALUE', '<script key> takes its script from the key: it has no inline script too');
      const part = byKey(node, key, isDynamicKey(key) ? undefined : ctx.entry(key, node, '<script key>'));
      if (part) parts.push(part);
      const name = fn ?? 'mediate';
      if (part && !new RegExp(`\\b${name.replace(/[$]/g, '\\$')}\\b`).test(part.source)) {
        node.report('MOOR_ERR_BAD_VALUE', `<script key="${key}" function="${name}">: the script names no ${name}${fn === undefined ? ' (the function called when none is given)' : ''}`);
      }
    } else {
      if (inline.trim() === '') node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<script> needs a key or an inline script');
      parts.push(inlinePart(node, inline));
    }
    if (parts.length === 0) return undefined;
    // (the program goes to a worker thread: plain data only)
    const program: ScriptProgram = { parts: parts.map(({ source, file }) => ({ source, file })), entry: key !== undefined ? { kind: 'global', name: fn ?? 'mediate' } : { kind: 'value' } };
    ctx.later(async (diag) => checkParts(diag, parts, await loadEngine()));
    scriptPool.expected = true;
    return scriptMediator(node.loc, program, parts, needsOf(parts.map((p) => p.source).join('\n')));
  },
};

let programs = 0;
// (a configuration that is replaced drops its mediators: the worker threads forget their scripts)
const dropped = new FinalizationRegistry<number>((programId) => scriptPool.forget(programId));

function scriptMediator(loc: SourceLoc, program: ScriptProgram, parts: readonly Placed[], needs: ReturnType<typeof needsOf>): Mediator {
  const programId = ++programs;
  const where = `<script> at ${loc.file}:${loc.line}:${loc.col}`;
  const mediator: Mediator = {
    kind: 'script',
    loc,
    async mediate(msg): Promise<Outcome> {
      const view = await ScriptMessage.prepare(msg, needs, loc);
      const { scriptTimeoutMs, scriptMemoryBytes, scriptQueueMax } = msg.body.limits;
      let value;
      try {
        value = await scriptPool.run(programId, program, MC_METHODS, view.host, { timeoutMs: scriptTimeoutMs, memoryBytes: scriptMemoryBytes }, scriptQueueMax);
      } catch (e) {
        await view.finish();
        // (a full queue is the gateway's load, not the script's failure: a 503 the client may retry)
        if (e instanceof MoorError && e.code === 'MOOR_ERR_SCRIPT_BUSY') {
          msg.log.warn(`${where} not run: ${e.message}`, { msg: msg.id, component: 'script' });
          throw e;
        }
        const message = `${where} ${describe(e, parts)}`;
        msg.log.warn(message, { msg: msg.id, component: 'script' });
        throw new MoorError('MOOR_ERR_MEDIATION', message, { cause: e });
      }
      await view.finish();
      return value === false ? 'stop' : 'continue';
    },
  };
  dropped.register(mediator, programId);
  return mediator;
}

function describe(e: unknown, parts: readonly Placed[]): string {
  if (!(e instanceof ScriptFailure)) return `failed: ${e instanceof Error ? e.message : String(e)}`;
  const at = e.at && placeOf(parts, e.at);
  return `${e.reason === 'error' ? 'failed: ' : ''}${e.message}${at ? ` (${at})` : ''}`;
}

/** `file:line:col` of a place in the program (in the configuration for an inline script). */
function placeOf(parts: readonly Placed[], at: ScriptAt): string | undefined {
  const part = parts.find((p) => p.file === at.file);
  if (!part) return undefined;
  const loc = part.loc(at);
  return `${part.what} ${loc.file}:${loc.line}:${loc.col}`;
}

/** The script's own text: its text and CDATA children (not its <include>s'). */
function inlineText(node: ConfigNode): string {
  let out = '';
  for (const c of node.el.children) if (c.type === 'text' || c.type === 'cdata') out += c.value;
  return out;
}

/**
 * An inline script, as the body of a function of `mc`. Its line n is line n - 1 of the element's own
 * line on (the text starts right after the start tag, assumed on one line; its first line's column is
 * the element's).
 */
function inlinePart(node: ConfigNode, text: string): Placed {
  const at = node.loc;
  return {
    source: `(function (mc) {\n${text}\n})`,
    file: 'inline-script.js',
    what: 'line',
    loc: (p) => (!p || p.line <= 2 ? { ...at } : { file: at.file, line: at.line + p.line - 2, col: p.col }),
  };
}

/** A script that a key names: a local entry or a registry resource (text), placed in its own file when it has one. */
function byKey(node: ConfigNode, key: string, entry: EntryValue | undefined): Placed | undefined {
  if (isDynamicKey(key)) {
    node.report('MOOR_ERR_UNSUPPORTED', `<${node.name} key="${key}">: a dynamic key; moor compiles a script when the configuration loads, so its key is a name`);
    return undefined;
  }
  if (!entry) return undefined;
  const file = entry.file;
  return {
    source: entryText(entry),
    file: `${key}.js`,
    what: file ? 'at' : `line of the entry "${key}", at`,
    loc: (p) => (file ? { file, line: p?.line ?? 1, col: p?.col ?? 1 } : { ...node.loc }),
  };
}

/** E4X: an XML literal where an expression starts, the `..` and `::` operators, `new XML(…)`, `default xml namespace`. */
const E4X_SYNTAX = /(^|[=(,:?]|\breturn)\s*<[A-Za-z_][\w.-]*(:[\w.-]+)?[\s/>]|\.\.\s*[*@A-Za-z_]|::\s*[*@A-Za-z_[]|\bdefault\s+xml\s+namespace\b/;
const E4X_CALL = /\bnew\s+XML(List)?\s*\(/;
const E4X_HINT = "moor has no E4X (its engine is QuickJS, standard JavaScript): mc.getPayloadXML() is the payload as XML text, and mc.setPayloadXML() takes XML text";

/** Compiles each part (nothing runs); reports syntax errors at their line, E4X as unsupported. */
function checkParts(diag: Diagnostics, parts: readonly Placed[], engine: Awaited<ReturnType<typeof loadEngine>>): void {
  for (const part of parts) {
    const error = syntaxError(engine, part.source, part.file);
    const lines = part.source.split('\n');
    if (error) {
      const line = error.at ? (lines[error.at.line - 1] ?? '') : '';
      const before = error.at ? (lines[error.at.line - 2] ?? '') : '';
      const e4x = E4X_SYNTAX.test(line) || E4X_SYNTAX.test(`${before.trimEnd()}${line.trimStart().startsWith('<') ? ` ${line.trimStart()}` : ''}`);
      if (e4x) diag.report('MOOR_ERR_UNSUPPORTED', part.loc(error.at), `the <script> uses E4X; ${E4X_HINT}`);
      else diag.report('MOOR_ERR_BAD_VALUE', part.loc(error.at), `the <script> does not compile: ${error.message}`);
      continue;
    }
    const call = lines.findIndex((l) => E4X_CALL.test(l));
    if (call >= 0) diag.report('MOOR_ERR_UNSUPPORTED', part.loc({ line: call + 1, col: 1 }), `the <script> uses E4X (new XML()); ${E4X_HINT}`);
  }
}
