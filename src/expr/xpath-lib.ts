/** The part of the `xpath` package's API that moor uses (its typings omit `parse`). */
import type * as XPathPackage from 'xpath';
import { requireCommonJs } from '../commonjs.ts';

const xpathPackage = requireCommonJs('xpath') as typeof XPathPackage;

/** Options of a compiled expression's evaluation. */
export interface EvalOptions {
  node?: Node;
  namespaces?: Record<string, string>;
  variables?: (name: string, namespace: string | null) => unknown;
  functions?: (name: string, namespace: string | null) => ((ctx: unknown, ...args: XValue[]) => unknown) | undefined;
}

/** An XPath result value as the package represents it. */
export interface XValue {
  stringValue(): string;
  booleanValue(): boolean;
  numberValue(): number;
  nodeset(): { toArray(): Node[] };
}

export interface CompiledXPath {
  evaluate(o: EvalOptions): XValue;
  evaluateString(o: EvalOptions): string;
  evaluateBoolean(o: EvalOptions): boolean;
  select(o: EvalOptions): Node[];
}

/** Compiles an XPath 1.0 expression; throws on a syntax error. */
export const parseXPath = (xpathPackage as unknown as { parse(expr: string): CompiledXPath }).parse;

/** Builds the value the package expects for a string result of a function. */
export const XString = (xpathPackage as unknown as { XString: new (s: string) => unknown }).XString;
