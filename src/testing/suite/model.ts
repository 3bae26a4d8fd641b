/** A test suite as read from XML: what to load, what to send, what to expect, each with its place. */
import { type RegistryResource } from './registry-resources.ts';
import { type SourceLoc } from '../../errors.ts';
import { type Expression } from '../../expr/expression.ts';
import { type Mock } from '../mocks.ts';

/** The proxy, sequence or REST API a case runs. */
export interface Target {
  readonly kind: 'proxy' | 'sequence' | 'api';
  readonly name: string;
  readonly loc: SourceLoc;
}

/** A mock declared by a suite or a case: by endpoint name, or (WSO2 mock services) by URL too. */
export interface SuiteMock {
  readonly key: string;
  readonly loc: SourceLoc;
  readonly mock: Mock;
  /** A WSO2 mock service also answers messages sent to localhost:<port><context>. */
  readonly url?: (url: string) => boolean;
}

/** What `actual` names in WSO2's assertions. */
export type Actual =
  | { readonly kind: 'body' }
  | { readonly kind: 'status' }
  | { readonly kind: 'httpVersion' }
  | { readonly kind: 'property'; readonly scope: 'default' | 'transport' | 'axis2'; readonly name: string }
  | { readonly kind: 'xpath'; readonly expression: Expression };

interface Base {
  readonly loc: SourceLoc;
  /** The assertion's own <message>, shown when it fails. */
  readonly message: string | undefined;
  /** How the assertion reads in output: `assertEquals $body`. */
  readonly label: string;
}

export type Assertion =
  | (Base & { readonly kind: 'equals'; readonly actual: Actual; readonly expected: string })
  | (Base & { readonly kind: 'notNull'; readonly actual: Actual })
  | (Base & { readonly kind: 'xpath'; readonly expression: Expression; readonly equals: string | undefined; readonly exists: boolean })
  | (Base & {
      readonly kind: 'received';
      readonly endpoint: string;
      readonly count: number | undefined;
      /** Which message of the endpoint the expression reads (the last when not given), 0-based. */
      readonly index: number | undefined;
      readonly expression: Expression | undefined;
      readonly equals: string | undefined;
    })
  | (Base & { readonly kind: 'session'; readonly exists: boolean; readonly key: string | undefined; readonly endpoint: string | undefined; readonly outcome: string | undefined })
  | (Base & { readonly kind: 'trace'; readonly branch: string; readonly taken: boolean });

/** One message and what it must lead to. */
export interface TestCase {
  readonly name: string;
  readonly loc: SourceLoc;
  readonly target: Target | undefined;
  /** The request envelope (text; files already read). */
  readonly payload: string | undefined;
  readonly properties: readonly { readonly scope: 'default' | 'transport' | 'axis2'; readonly name: string; readonly value: string }[];
  readonly path: string | undefined;
  /** <request-method>, upper case (an API case: GET when it has no payload, else POST, when not given). */
  readonly method: string | undefined;
  readonly mocks: readonly SuiteMock[];
  readonly assertions: readonly Assertion[];
}

/** A whole suite file. */
export interface Suite {
  /** The file as shown (relative to the working directory when below it). */
  readonly file: string;
  /** Its absolute path. */
  readonly path: string;
  /** The test artifact (absolute path) and where the suite names it. */
  readonly artifact: { readonly path: string; readonly loc: SourceLoc } | undefined;
  /** Supportive artifacts (absolute paths). */
  readonly supportive: readonly string[];
  /** `<registry-resources>`: deployed into the suite's own registry (registry-resources.ts). */
  readonly registryResources: readonly RegistryResource[];
  /** Where the suite's `<registry-resources>` element is, when it has resources. */
  readonly registryLoc: SourceLoc | undefined;
  /** The proxy or sequence named on <test-artifact>, if any. */
  readonly target: Target | undefined;
  readonly mocks: readonly SuiteMock[];
  readonly cases: readonly TestCase[];
}
