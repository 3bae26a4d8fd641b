/**
 * A configuration element with its source location, and the checks every element parser needs:
 * allowed attributes (with a "did you mean"), required attributes, numbers.
 */
import { ConfigError, type ErrorCode, type SourceLoc, type WarningCode } from '../errors.ts';
import { attributeValue, childElements, textOf, type XmlElement } from '../xml/element.ts';
import { NS } from '../xml/names.ts';
import { type LineIndex } from '../xml/positions.ts';
import { suggest } from './suggest.ts';

// Which Diagnostics are closed, kept beside them: a `#private` field would appear in the published
// declarations, which a consumer compiling for ES5 (TypeScript's default) refuses (TS18028).
const closedDiagnostics = new WeakSet<Diagnostics>();

/**
 * Elements written in one file and placed into another's tree (an endpoint template's body, filled in
 * where the template is used: endpoint-template.ts): where they and their descendants were written.
 */
const grafted = new WeakMap<XmlElement, { readonly file: string; readonly lines: LineIndex; readonly via: string | undefined }>();

/** Collects problems so that one load reports all of them, not only the first. */
export class Diagnostics {
  readonly errors: ConfigError[] = [];
  /** What loads but does not behave as in Synapse: printed by `moor validate`, logged at start; never fatal. */
  readonly warnings: ConfigError[] = [];
  report(code: ErrorCode, loc: SourceLoc, message: string): void {
    this.open().errors.push(new ConfigError(code, loc, message));
  }
  /** Records a warning (a construct that has no effect, or one that behaves differently from Synapse). */
  warn(code: WarningCode, loc: SourceLoc, message: string): void {
    this.open().warnings.push(new ConfigError(code, loc, message));
  }
  /**
   * Ends the step that reports here (a read of the configuration, once it has read everything): its
   * problems are final, a later report throws, and its nodes report to the step reading them then.
   */
  close(): void {
    closedDiagnostics.add(this);
  }
  get closed(): boolean {
    return closedDiagnostics.has(this);
  }
  private open(): this {
    if (closedDiagnostics.has(this)) throw new Error('a problem reported after its step ended: the read configuration is not written into');
    return this;
  }
}

/**
 * Where nodes of a closed read report while a later step reads them (compile): that step's own
 * Diagnostics. Set only for a synchronous call (see reportingInto).
 */
let reportingTo: Diagnostics | undefined;

/**
 * Runs `fn` with every problem reported at a node whose own Diagnostics is closed (a read configuration's)
 * going to `diag`: a step that checks the definitions further (the compiler) has its own output. A node
 * with a Diagnostics still open (withDiagnostics: a stylesheet collecting its own) reports there as ever.
 * `fn` must be synchronous: the redirection ends when it returns.
 */
export function reportingInto<T>(diag: Diagnostics, fn: () => T): T {
  const before = reportingTo;
  reportingTo = diag;
  try {
    return fn();
  } finally {
    reportingTo = before;
  }
}

export class ConfigNode {
  constructor(
    readonly el: XmlElement,
    readonly file: string,
    private readonly lines: LineIndex,
    /** The Diagnostics it was read with (a plain field: xslt/stylesheet.ts copies nodes with Object.assign). */
    private readonly readWith: Diagnostics,
    /** Namespace bindings in scope at this element (for QName-valued attributes and XPath). */
    readonly scope: ReadonlyMap<string, string>,
    /** For a grafted element: what it was filled in for, said after each problem reported at it. */
    private readonly via?: string,
  ) {}

  /**
   * Where problems at this element go: the Diagnostics it was read with, or, once that read is closed,
   * the step reading it now (the compiler's own: reportingInto).
   */
  get diag(): Diagnostics {
    return this.readWith.closed && reportingTo !== undefined ? reportingTo : this.readWith;
  }

  /**
   * The same element reporting to `diag`, with the namespaces `scope` in scope (a stylesheet compiled at
   * run time collects its own problems; an inline one does not see the configuration's default namespace).
   */
  withDiagnostics(diag: Diagnostics, scope: ReadonlyMap<string, string> = this.scope): ConfigNode {
    return new ConfigNode(this.el, this.file, this.lines, diag, scope, this.via);
  }

  /**
   * `el` (a copy of part of this node's file) as written here: a node over it, and wherever `el` is
   * placed as a child of another file's element, it and its descendants still report at this file's lines.
   */
  graft(el: XmlElement, via?: string): ConfigNode {
    grafted.set(el, { file: this.file, lines: this.lines, via });
    return new ConfigNode(el, this.file, this.lines, this.readWith, this.scope, via);
  }

  /** The element's local name. */
  get name(): string {
    return this.el.name.local;
  }

  /** Where the element starts. */
  get loc(): SourceLoc {
    const { line, col } = this.lines.at(this.el.offset ?? 0);
    return { file: this.file, line, col };
  }

  /** Child elements, each with its own scope. */
  children(): ConfigNode[] {
    return childElements(this.el).map((c) => {
      const scope = c.namespaces.size ? new Map([...this.scope, ...c.namespaces]) : this.scope;
      const from = grafted.get(c);
      return from ? new ConfigNode(c, from.file, from.lines, this.readWith, scope, from.via) : new ConfigNode(c, this.file, this.lines, this.readWith, scope, this.via);
    });
  }

  /** The first child named `local` (in the Synapse namespace or none). */
  child(local: string): ConfigNode | undefined {
    return this.children().find((c) => c.name === local);
  }

  /** Text content, trimmed. */
  get text(): string {
    return textOf(this.el).trim();
  }

  /** An unqualified attribute's value. */
  attr(name: string): string | undefined {
    return attributeValue(this.el, name);
  }

  /** The value of a moor extension attribute (`moor:name`, in moor's configuration namespace urn:moor:config). */
  moorAttr(name: string): string | undefined {
    // (the namespace is spelled here rather than imported from moor-settings.ts, which imports this file)
    for (const a of this.el.attributes) if (a.name.uri === 'urn:moor:config' && a.name.local === name) return a.value;
    return undefined;
  }

  /** An attribute that must be there; reports and returns undefined when it is not. */
  required(name: string): string | undefined {
    const v = this.attr(name);
    if (v === undefined) this.report('MOOR_ERR_MISSING_ATTRIBUTE', `<${this.name}> needs the attribute ${name}`);
    return v;
  }

  /** A non-negative integer attribute or child text; reports a bad value. */
  integer(value: string | undefined, what: string): number | undefined {
    if (value === undefined) return undefined;
    if (!/^\s*\d+\s*$/.test(value)) {
      this.report('MOOR_ERR_BAD_VALUE', `${what} must be a whole number, not "${value}"`);
      return undefined;
    }
    return Number(value);
  }

  /**
   * A regular expression written as `value` (with `flags`; `whole`: it must match the whole string, as
   * Synapse's Java `matches()` does); reports one that does not compile.
   */
  regex(value: string | undefined, what: string, flags = '', whole = false): RegExp | undefined {
    if (value === undefined) return undefined;
    try {
      return new RegExp(whole ? `^(?:${value})$` : value, flags);
    } catch (e) {
      this.report('MOOR_ERR_BAD_VALUE', `${what} "${value}" is not a regular expression: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** One of `allowed`; reports anything else. */
  oneOf<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T | undefined {
    if (value === undefined) return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    const hint = suggest(value, allowed);
    this.report('MOOR_ERR_BAD_VALUE', `${what} must be one of ${allowed.join(', ')}, not "${value}"${hint}`);
    return undefined;
  }

  /** Reports attributes not in `allowed` (namespace declarations and foreign-namespace attributes pass). */
  allowAttributes(...allowed: string[]): void {
    for (const a of this.el.attributes) {
      if (a.name.uri !== '') continue;
      if (!allowed.includes(a.name.local)) {
        this.report('MOOR_ERR_UNKNOWN_ATTRIBUTE', `<${this.name}> has no attribute ${a.name.local}${suggest(a.name.local, allowed)}`);
      }
    }
  }

  /** Reports child elements not in `allowed`. */
  allowChildren(...allowed: string[]): void {
    for (const c of this.children()) {
      if (!allowed.includes(c.name)) c.unknownElement(allowed, `<${this.name}>`);
    }
  }

  /** Reports this element as unknown where it stands. */
  unknownElement(known: readonly string[], where: string): void {
    this.report('MOOR_ERR_UNKNOWN_ELEMENT', `<${this.name}> is not allowed in ${where}${suggest(this.name, known)}`);
  }

  /** True when the element is in the Synapse namespace or in none (both are accepted). */
  get isSynapse(): boolean {
    return this.el.name.uri === NS.synapse || this.el.name.uri === '';
  }

  /** Reports a problem at this element. */
  report(code: ErrorCode, message: string): void {
    this.diag.report(code, this.loc, this.via ? `${message} (${this.via})` : message);
  }

  /** Warns about this element: it is read, but has no effect or behaves differently from Synapse. */
  warn(code: WarningCode, message: string): void {
    this.diag.warn(code, this.loc, this.via ? `${message} (${this.via})` : message);
  }
}
