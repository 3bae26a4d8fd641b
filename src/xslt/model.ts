/**
 * A compiled XSLT 1.0 stylesheet: what stylesheet.ts and body.ts make of the XSL at load, and what
 * transform.ts runs for each message. Everything that can be checked without a message is checked when
 * this is made (names, patterns, XPath, which instructions exist), so that a run only evaluates.
 */
import { type SourceLoc } from '../errors.ts';
import { type QName } from '../xml/names.ts';
import { type PatternPart } from './patterns.ts';
import { type XslExpr } from './xpath.ts';

export const XSL_NS = 'http://www.w3.org/1999/XSL/Transform';

/** An attribute value template: literal text and `{expr}` parts. */
export type Avt = readonly (string | XslExpr)[];

/** <xsl:sort>. */
export interface SortKey {
  readonly select: XslExpr;
  readonly number: boolean;
  readonly descending: boolean;
}

/** <xsl:variable>, <xsl:param>, <xsl:with-param>: a name and a value (select, content, or ''). */
export interface Binding {
  readonly name: string;
  readonly select: XslExpr | undefined;
  readonly body: readonly Instr[] | undefined;
  readonly loc: SourceLoc;
}

export type Instr =
  /** `raw`: disable-output-escaping="yes", the text is written as markup (body.ts, transform.ts). */
  | { readonly k: 'text'; readonly text: string; readonly raw?: boolean }
  | {
      readonly k: 'literal';
      readonly name: QName;
      readonly prefix: string;
      /** Namespace nodes copied to the result (prefix → uri), as XSLT 1.0 §7.1.1 says. */
      readonly namespaces: readonly (readonly [string, string])[];
      readonly attributes: readonly { readonly name: QName; readonly prefix: string; readonly value: Avt }[];
      readonly body: readonly Instr[];
    }
  | { readonly k: 'apply'; readonly select: XslExpr | undefined; readonly mode: string; readonly sorts: readonly SortKey[]; readonly params: readonly Binding[]; readonly loc: SourceLoc }
  | { readonly k: 'call'; readonly name: string; readonly params: readonly Binding[]; readonly loc: SourceLoc }
  | { readonly k: 'value-of'; readonly select: XslExpr; readonly raw: boolean; readonly loc: SourceLoc }
  | { readonly k: 'copy-of'; readonly select: XslExpr; readonly loc: SourceLoc }
  | { readonly k: 'copy'; readonly body: readonly Instr[] }
  | { readonly k: 'for-each'; readonly select: XslExpr; readonly sorts: readonly SortKey[]; readonly body: readonly Instr[]; readonly loc: SourceLoc }
  | { readonly k: 'if'; readonly test: XslExpr; readonly body: readonly Instr[]; readonly loc: SourceLoc }
  | { readonly k: 'choose'; readonly whens: readonly { readonly test: XslExpr; readonly body: readonly Instr[] }[]; readonly otherwise: readonly Instr[]; readonly loc: SourceLoc }
  | {
      readonly k: 'element' | 'attribute';
      readonly name: Avt;
      readonly namespace: Avt | undefined;
      /** The namespaces in scope at the instruction, for a prefixed name without `namespace`. */
      readonly scope: ReadonlyMap<string, string>;
      readonly body: readonly Instr[];
      readonly loc: SourceLoc;
    }
  | { readonly k: 'comment'; readonly body: readonly Instr[] }
  | { readonly k: 'pi'; readonly name: Avt; readonly body: readonly Instr[]; readonly loc: SourceLoc }
  | { readonly k: 'variable'; readonly binding: Binding }
  | { readonly k: 'message'; readonly terminate: boolean; readonly body: readonly Instr[]; readonly loc: SourceLoc };

/** A template: a rule (with `match`) and/or a named one. */
export interface Template {
  readonly match: readonly PatternPart[] | undefined;
  readonly name: string | undefined;
  readonly mode: string;
  /** The priority attribute, when given (else each alternative's default). */
  readonly priority: number | undefined;
  /** Import precedence: a higher one wins (the importing stylesheet's over what it imports). */
  readonly precedence: number;
  readonly params: readonly Binding[];
  readonly body: readonly Instr[];
  readonly loc: SourceLoc;
}

/** One alternative of a template's match, in the order that decides between equal rules. */
export interface Rule {
  readonly part: PatternPart;
  readonly priority: number;
  readonly template: Template;
  readonly order: number;
}

/** A name test of <xsl:strip-space>/<xsl:preserve-space>: '*', a namespace's '*' or a name. */
export interface SpaceTest {
  readonly uri: string | undefined;
  readonly local: string;
  readonly strip: boolean;
}

export interface Stylesheet {
  /** Rules by mode, most preferred first (precedence, priority, then the later in the stylesheet). */
  readonly rules: ReadonlyMap<string, readonly Rule[]>;
  readonly named: ReadonlyMap<string, Template>;
  /** Top-level <xsl:param>s and <xsl:variable>s, in the order written. */
  readonly globals: readonly (Binding & { readonly param: boolean })[];
  /** <xsl:output method>: text output becomes Synapse's text wrapper element. */
  readonly method: 'xml' | 'text' | 'html';
  readonly space: readonly SpaceTest[];
  /** Where the stylesheet was written (its root element). */
  readonly loc: SourceLoc;
}
