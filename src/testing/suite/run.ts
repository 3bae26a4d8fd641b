/**
 * Runs a parsed suite: one harness per suite (so the cases of a suite share sessions, endpoint health
 * and the virtual clock, in order), one run per case, every assertion checked. A case fails with every
 * assertion that did not hold, each with its expected and actual values and its place in the suite.
 */
import { performance } from 'node:perf_hooks';
import { readConfig } from '../../config/load.ts';
import { ConfigError, ConfigErrors, MoorError, type SourceLoc } from '../../errors.ts';
import { type Expression } from '../../expr/expression.ts';
import { silentLogger } from '../../logging.ts';
import { type CheckedConfig, checkConfig } from '../../server/runtime.ts';
import { MessageContext } from '../../message/context.ts';
import { MessageAbort } from '../../message/abort.ts';
import { type MessageLimits } from '../../message/limits.ts';
import { MessageBody } from '../../message/message-body.ts';
import { Axis2Scope, DefaultScope } from '../../message/property-scopes.ts';
import { isXmlText } from '../input.ts';
import { type EndpointCall, type Headers, type Mocks } from '../mocks.ts';
import { Harness, type RunResult } from '../harness.ts';
import { soapBody, xmlDifference } from '../xml-assert.ts';
import { type Actual, type Assertion, type Suite, type Target, type TestCase } from './model.ts';
import { suiteRegistry } from './registry-resources.ts';

/** An assertion that did not hold. */
export interface Failure {
  readonly loc: SourceLoc;
  readonly label: string;
  readonly message: string | undefined;
  readonly expected: string;
  readonly actual: string;
  /** Where two XML values first differ, when they are XML. */
  readonly detail?: string;
}

/** How one case went. */
export interface CaseResult {
  readonly name: string;
  readonly loc: SourceLoc;
  readonly outcome: 'passed' | 'failed' | 'error';
  /** Real milliseconds the case took. */
  readonly ms: number;
  readonly failures: readonly Failure[];
  /** Why the case could not run (an unmocked endpoint, a proxy that does not exist…). */
  readonly error?: string;
}

/** How one suite went: its cases, or the problems that kept it from running. */
export interface SuiteResult {
  readonly file: string;
  readonly cases: readonly CaseResult[];
  readonly errors: readonly ConfigError[];
  readonly ms: number;
}

/** Options of {@link runSuite}. */
export interface RunSuiteOptions {
  /** The configuration to test against (--config); else the suite's own artifacts are loaded. */
  readonly config?: CheckedConfig;
  /** The registry root for the suite's own artifacts' `conf:/` and `gov:/` keys (`moor test --registry`). */
  readonly registry?: string | undefined;
}

/** Runs every case of `suite`. Never throws for problems of the suite or its configuration. */
export async function runSuite(suite: Suite, options: RunSuiteOptions = {}): Promise<SuiteResult> {
  const started = performance.now();
  const done = (cases: CaseResult[], errors: ConfigError[]): SuiteResult => ({ file: suite.file, cases, errors, ms: performance.now() - started });
  let checked = options.config;
  if (checked && suite.registryLoc) {
    // (the --config configuration was loaded once, for every suite, before this suite's registry existed)
    return done([], [new ConfigError('MOOR_ERR_TEST_SUITE', suite.registryLoc, "<registry-resources> are deployed into the registry of the suite's own artifacts; with --config, give the registry with --registry")]);
  }
  if (!checked) {
    const registry = suite.registryResources.length ? await suiteRegistry(suite.registryResources, options.registry) : undefined;
    try {
      checked = await checkConfig(suite.artifact ? [suite.artifact.path, ...suite.supportive] : suite.supportive, { registry: registry?.root ?? options.registry });
    } catch (e) {
      if (e instanceof ConfigErrors) return done([], [...e.errors]);
      throw e;
    } finally {
      // (the configuration reads its keys when it loads: the folder is not needed once it is checked)
      await registry?.dispose();
    }
  }
  let defaultTarget: Target | undefined;
  try {
    defaultTarget = suite.target ?? (suite.artifact ? await targetOfArtifact(suite.artifact.path, suite.artifact.loc) : undefined);
  } catch (e) {
    if (e instanceof ConfigError) return done([], [e]);
    throw e;
  }
  const urlMocks = suite.mocks.filter((m) => m.url).map((m) => ({ matches: m.url!, mock: m.mock }));
  const harness = await Harness.of(checked, { mocks: mocksOf(suite.mocks), urlMocks, baseDir: suite.path.replace(/[/\\][^/\\]*$/, '') });
  const cases: CaseResult[] = [];
  try {
    for (const c of suite.cases) cases.push(await runCase(harness, c, c.target ?? defaultTarget));
  } finally {
    await harness.close();
  }
  return done(cases, []);
}

/** The proxy, sequence or API a test artifact file defines (it must define exactly one). */
async function targetOfArtifact(file: string, loc: SourceLoc): Promise<Target> {
  const config = await readConfig(file);
  const proxies = [...config.proxies.keys()];
  const sequences = [...config.sequences.keys()];
  const apis = [...config.apis.keys()];
  if (proxies.length + sequences.length + apis.length === 1) {
    if (proxies.length) return { kind: 'proxy', name: proxies[0]!, loc };
    if (sequences.length) return { kind: 'sequence', name: sequences[0]!, loc };
    return { kind: 'api', name: apis[0]!, loc };
  }
  const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  throw new ConfigError(
    'MOOR_ERR_TEST_SUITE',
    loc,
    `the test artifact defines ${count(proxies.length, 'proxy', 'proxies')}, ${count(sequences.length, 'sequence', 'sequences')} and ${count(apis.length, 'API', 'APIs')}; name the one under test with proxy="…", sequence="…" or api="…" on <test-artifact>`,
  );
}

function mocksOf(list: Suite['mocks']): Mocks {
  return Object.fromEntries(list.map((m) => [m.key, m.mock]));
}

async function runCase(harness: Harness, c: TestCase, target: Target | undefined): Promise<CaseResult> {
  const started = performance.now();
  const finish = (outcome: CaseResult['outcome'], failures: Failure[], error?: string): CaseResult => ({
    name: c.name,
    loc: c.loc,
    outcome,
    ms: performance.now() - started,
    failures,
    ...(error !== undefined ? { error } : {}),
  });
  const headers: Headers = {};
  const properties: Record<string, unknown> = {};
  const axis2: Record<string, unknown> = {};
  for (const p of c.properties) {
    if (p.scope === 'transport') headers[p.name.toLowerCase()] = p.value;
    else if (p.scope === 'axis2') axis2[p.name] = p.value;
    else properties[p.name] = p.value;
  }
  let result: RunResult;
  const api = target?.kind === 'api';
  if (!api && c.method !== undefined && c.method !== 'POST') return finish('error', [], `request-method ${c.method}: only a REST API takes other methods than POST (this case runs ${target ? `the ${target.kind} ${target.name}` : 'the main sequence'})`);
  try {
    result = await harness.run({
      ...(target ? { [target.kind]: target.name } : {}),
      // an API case goes as a REST client sends it: its method, its payload as it is (none: no body)
      ...(api ? { method: c.method ?? (c.payload ? 'POST' : 'GET'), path: c.path ?? '/' } : {}),
      // a payload is text, never a path (files were read when the suite was); text that is not XML goes as it is
      envelope: api ? Buffer.from(c.payload ?? '') : c.payload === undefined ? EMPTY_ENVELOPE : isXmlText(c.payload) ? c.payload : Buffer.from(c.payload),
      headers,
      properties,
      axis2,
      ...(c.path !== undefined && !api ? { path: c.path } : {}),
      mocks: mocksOf(c.mocks),
    });
  } catch (e) {
    return finish('error', [], e instanceof MoorError || e instanceof Error ? e.message : String(e));
  }
  const failures: Failure[] = [];
  for (const a of c.assertions) {
    try {
      const f = await check(a, result, harness.limits);
      if (f) failures.push(f);
    } catch (e) {
      failures.push({ loc: a.loc, label: a.label, message: a.message, expected: '(a value)', actual: `error: ${(e as Error).message}` });
    }
  }
  return finish(failures.length ? 'failed' : 'passed', failures);
}

const EMPTY_ENVELOPE = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>';

/** The message assertions read: the client's answer when it has a body, else the request as mediation left it. */
function finalMessage(r: RunResult): { envelope: string; headers: Headers; direction: 'request' | 'response' } {
  if (r.response.envelope !== '') return { envelope: r.response.envelope, headers: r.response.headers, direction: 'response' };
  return { envelope: r.message.envelope, headers: r.message.headers, direction: 'request' };
}

/** One assertion over the run `r`; its messages are read under `limits`, the configuration's own. */
async function check(a: Assertion, r: RunResult, limits: MessageLimits): Promise<Failure | undefined> {
  const fail = (expected: string, actual: string, detail?: string): Failure => ({ loc: a.loc, label: a.label, message: a.message, expected, actual, ...(detail ? { detail } : {}) });
  switch (a.kind) {
    case 'equals': {
      if (a.actual.kind === 'body') return compareBody(r, a.expected, fail);
      const actual = await valueOf(a.actual, r, limits);
      const want = a.expected.trim();
      return actual !== undefined && actual.trim() === want ? undefined : fail(want, actual ?? '(null)');
    }
    case 'notNull': {
      const actual = a.actual.kind === 'body' ? bodyOf(r) : await valueOf(a.actual, r, limits);
      return actual !== undefined && actual !== '' ? undefined : fail('a value', '(null)');
    }
    case 'xpath': {
      const final = finalMessage(r);
      const msg = contextOf(final.envelope, final.headers, final.direction, r, limits);
      if (a.equals !== undefined) {
        // assertXPath is moor's: XPath's string(), not Synapse's conversion (which assertEquals takes)
        const v = await a.expression.xpathString(msg);
        return v.trim() === a.equals.trim() ? undefined : fail(a.equals, v);
      }
      const exists = await a.expression.boolean(msg);
      return exists === a.exists ? undefined : fail(a.exists ? 'a match' : 'no match', exists ? 'a match' : 'no match');
    }
    case 'received': {
      const calls = r.received(a.endpoint);
      const summary = `${calls.length} message${calls.length === 1 ? '' : 's'}${r.calls.length ? ` (all sends: ${r.calls.map((x) => x.endpoint).join(', ')})` : ''}`;
      if (a.count !== undefined ? calls.length !== a.count : calls.length === 0) return fail(a.count !== undefined ? `${a.count} message${a.count === 1 ? '' : 's'}` : 'at least 1 message', summary);
      if (!a.expression) return undefined;
      const call: EndpointCall | undefined = calls[a.index ?? calls.length - 1];
      if (!call) return fail(`a message at index ${a.index}`, summary);
      return checkExpression(a.expression, a.equals, contextOf(call.envelope, call.headers, 'request', r, limits), fail);
    }
    case 'session': {
      const s = r.session;
      if (!a.exists) return s ? fail('no session', describeSession(s)) : undefined;
      if (!s) return fail(expectedSession(a), 'no session');
      const endpointOk = a.endpoint === undefined || s.endpoint === a.endpoint || s.endpoint.startsWith(`${a.endpoint}@`) || s.endpoint.endsWith(`@${a.endpoint}`);
      if ((a.key !== undefined && s.key !== a.key) || !endpointOk || (a.outcome !== undefined && s.outcome !== a.outcome)) return fail(expectedSession(a), describeSession(s));
      return undefined;
    }
    case 'trace': {
      const taken = r.trace.includes(a.branch);
      return taken === a.taken ? undefined : fail(`${a.branch} ${a.taken ? 'taken' : 'not taken'}`, `branches taken: ${r.trace.join(', ') || '(none)'}`);
    }
  }
}

async function checkExpression(expression: Expression, equals: string | undefined, msg: MessageContext, fail: (e: string, a: string) => Failure): Promise<Failure | undefined> {
  if (equals !== undefined) {
    // assertReceived is moor's: XPath's string(), as assertXPath
    const v = await expression.xpathString(msg);
    return v.trim() === equals.trim() ? undefined : fail(equals, v);
  }
  return (await expression.boolean(msg)) ? undefined : fail('a match', 'no match');
}

function describeSession(s: NonNullable<RunResult['session']>): string {
  return `key=${s.key} endpoint=${s.endpoint} outcome=${s.outcome}`;
}

function expectedSession(a: Extract<Assertion, { kind: 'session' }>): string {
  const parts = [a.key !== undefined ? `key=${a.key}` : '', a.endpoint !== undefined ? `endpoint=${a.endpoint}` : '', a.outcome !== undefined ? `outcome=${a.outcome}` : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : 'a session';
}

/** `$body`: the content of the final message's SOAP Body. */
function bodyOf(r: RunResult): string | undefined {
  const final = finalMessage(r).envelope;
  try {
    return soapBody(final);
  } catch {
    return final;
  }
}

/**
 * `$body` against `expected`: XML compared by names, not prefixes. An expected Envelope is compared
 * with the whole message, anything else with the Body's content; text that is not XML as text.
 */
function compareBody(r: RunResult, expected: string, fail: (e: string, a: string, d?: string) => Failure): Failure | undefined {
  const final = finalMessage(r).envelope;
  const want = expected.trim();
  // (JSON, a REST API's answer, is compared as the value it stands for)
  if (sameJson(final, want)) return undefined;
  let expectsEnvelope = false;
  try {
    expectsEnvelope = /^(<\?xml[^?]*\?>\s*)?<(?:[\w.-]+:)?Envelope[\s>]/.test(want);
    const actual = expectsEnvelope ? final : bodyOrSelf(final);
    const detail = expectsEnvelope ? xmlDifference(actual, want) : xmlDifference(`<body>${actual}</body>`, `<body>${want}</body>`);
    return detail === undefined ? undefined : fail(want, actual.trim(), detail.replace(/^at \/body/, 'at '));
  } catch {
    const actual = (expectsEnvelope ? final : bodyOf(r)) ?? '';
    return actual.trim() === want || sameJson(actual, want) ? undefined : fail(want, actual.trim());
  }
}

/** The Body's content of an envelope; anything else (a REST API's POX answer) as it is. */
function bodyOrSelf(xml: string): string {
  try {
    return soapBody(xml) ?? xml;
  } catch {
    return xml;
  }
}

/** True when both are JSON of the same value (key order and spacing aside). */
function sameJson(a: string, b: string): boolean {
  try {
    return canonicalJson(JSON.parse(a)) === canonicalJson(JSON.parse(b));
  } catch {
    return false;
  }
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

async function valueOf(actual: Actual, r: RunResult, limits: MessageLimits): Promise<string | undefined> {
  const final = finalMessage(r);
  switch (actual.kind) {
    case 'body':
      return bodyOf(r);
    case 'status':
      return String(r.response.status);
    case 'httpVersion':
      return '1.1';
    case 'property': {
      if (actual.scope === 'transport') {
        const v = final.headers[actual.name.toLowerCase()];
        return v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : v;
      }
      const v = (actual.scope === 'axis2' ? r.properties.axis2 : r.properties.default)[actual.name];
      return v === undefined ? undefined : String(v);
    }
    case 'xpath':
      return actual.expression.string(contextOf(final.envelope, final.headers, final.direction, r, limits));
  }
}

/**
 * A message over `envelope` with the run's properties, for Synapse expressions ($ctx:, get-property…),
 * under the limits the gateway would apply (a configuration that raised maxParseBytes is read as such).
 */
function contextOf(envelope: string, headers: Headers, direction: 'request' | 'response', r: RunResult, limits: MessageLimits): MessageContext {
  const bytes = Buffer.from(envelope);
  return new MessageContext(direction, new Map(Object.entries(headers)), new MessageBody(bytes, limits, bytes.length, 'trusted'), new MessageAbort(), LOG, async () => {}, {
    properties: new DefaultScope(Object.entries(r.properties.default)),
    axis2: new Axis2Scope(Object.entries(r.properties.axis2)),
  });
}

const LOG = silentLogger();
