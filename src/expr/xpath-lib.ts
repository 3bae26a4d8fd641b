/** The part of the `xpath` package's API that moor uses (its typings omit `parse`). */
import type * as XPathPackage from 'xpath';
import { requireCommonJs } from '../commonjs.ts';

/** The package, its attribute axis without the namespace declarations (below); xslt/xpath.ts uses it too. */
export const xpathPackage = requireCommonJs('xpath') as typeof XPathPackage & Record<string, unknown>;

/**
 * Namespace declarations are not attributes in XPath's data model (XPath 1.0 §5.3), and Jaxen over
 * Axiom, WSO2's XPath, never finds them on the attribute axis; but the package reads that axis from
 * the DOM, where xmldom keeps `xmlns` and `xmlns:p` as attributes, so `@*`, `count(@*)` and
 * `name(@*[1])` would take them in. Its step function (a property the package calls through, before
 * it applies a step's predicates, so positions stay right) is wrapped to leave them out.
 */
interface StepPackage {
  Step: { ATTRIBUTE: number };
  PathExpr: { applyStep(step: { axis: number }, xpc: unknown, node: Node): Node[] };
}
const { Step, PathExpr } = xpathPackage as unknown as StepPackage;
const applyStep = PathExpr.applyStep;
PathExpr.applyStep = function attributesWithoutDeclarations(step, xpc, node) {
  const nodes = applyStep.call(this, step, xpc, node);
  return step.axis === Step.ATTRIBUTE && nodes.some(isNamespaceDeclaration) ? nodes.filter((n) => !isNamespaceDeclaration(n)) : nodes;
};

function isNamespaceDeclaration(n: Node): boolean {
  return (n as { namespaceURI?: string | null }).namespaceURI === 'http://www.w3.org/2000/xmlns/';
}

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

/** Builds the value the package expects for a number. */
export const XNumber = (xpathPackage as unknown as { XNumber: new (n: number) => unknown }).XNumber;
