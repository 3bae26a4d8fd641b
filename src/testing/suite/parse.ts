/**
 * Reads a test suite: WSO2's unit-test format, so that existing suites run, plus moor's extensions.
 *
 * <unit-test>
 *   <artifacts>
 *     <test-artifact [proxy="Name" | sequence="Name" | api="Name"]><artifact>path</artifact></test-artifact>
 *     <supportive-artifacts><artifact>path</artifact>*</supportive-artifacts>?
 *     <registry-resources><registry-resource><file-name/><artifact/><registry-path/><media-type/>?</registry-resource>*</registry-resources>?
 *                                                               (deployed into the suite's registry: registry-resources.ts)
 *     <connector-resources/>?                                  (must be empty: not supported)
 *   </artifacts>
 *   <test-cases>
 *     <test-case name="…" [proxy="Name" | sequence="Name" | api="Name"]>
 *       <input>
 *         <request-path>/…</request-path>? <request-method>GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS</request-method>?
 *         <request-protocol/>?                                   (an API's path: below its context, or from it)
 *         <payload [file="envelope.xml"]><![CDATA[…]]></payload>?
 *         <properties><property name="N" [scope="default|transport|axis2"] value="V"/>*</properties>?
 *       </input>
 *       <mock endpoint="…" …/>*                                  (moor: mocks for this case only)
 *       <assertions>
 *         <assertEquals><actual>$body|$statusCode|$ctx:N|$trp:N|$axis2:N|xpath</actual>
 *                       <expected [file="…"]>…</expected><message>…</message>?</assertEquals>
 *         <assertNotNull><actual>…</actual><message>…</message>?</assertNotNull>
 *         <assertXPath expression="…" [equals="…"] [exists="true|false"] [message="…"]/>       (moor)
 *         <assertReceived endpoint="name" [count="n"] [index="i"] [expression="…" [equals="…"]]/>  (moor)
 *         <assertSession [key="…"] [endpoint="name"] [outcome="new|bound|rebound"] [exists="false"]/>  (moor)
 *         <assertTrace branch="filter:then" [taken="false"]/>                                  (moor)
 *       </assertions>
 *     </test-case>*
 *   </test-cases>
 *   <mock-services>
 *     <mock-service>path/to/wso2-mock-service.xml</mock-service>*
 *     <mock endpoint="name" [status="200"] [delay="ms"] [fail="unreachable|timeout"] [file="…"]>
 *       <header name="…" value="…"/>* <payload [file="…"]>…</payload>?
 *     </mock>*                                                   (moor; several for one endpoint: successive replies)
 *   </mock-services>
 * </unit-test>
 *
 * Paths are relative to the suite's folder, or to any folder above it (WSO2 writes them from the
 * project root), or to the working directory. Every problem is reported with file:line:col.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { displayPath, readXmlDocument } from '../../config/xml-file.ts';
import { HTTP_METHODS } from '../../config/api-def.ts';
import { suggest } from '../../config/suggest.ts';
import { ConfigNode, Diagnostics } from '../../config/node.ts';
import { ConfigError, type SourceLoc } from '../../errors.ts';
import { Expression } from '../../expr/expression.ts';
import { textOf } from '../../xml/element.ts';
import { type MockReply } from '../mocks.ts';
import { type Actual, type Assertion, type Suite, type SuiteMock, type Target, type TestCase } from './model.ts';
import { asReply, wso2MockService } from './wso2-mock.ts';
import { type RegistryResource, subRegistryOf } from './registry-resources.ts';

/** The result of reading a suite: the suite, or every problem found in it. */
export type ParsedSuite = { readonly ok: true; readonly suite: Suite } | { readonly ok: false; readonly file: string; readonly errors: readonly ConfigError[] };

/** Reads the suite in `file`. Never throws for a malformed suite: problems come back with their place. */
export async function parseSuite(file: string): Promise<ParsedSuite> {
  const abs = path.resolve(file);
  const shown = displayPath(abs);
  const diag = new Diagnostics();
  const root = await readRootNode(abs, diag);
  if (!root) return { ok: false, file: shown, errors: diag.errors };
  const reader = new SuiteReader(abs, diag);
  const suite = await reader.suite(root);
  if (diag.errors.length || !suite) return { ok: false, file: shown, errors: diag.errors.length ? diag.errors : [new ConfigError('MOOR_ERR_TEST_SUITE', root.loc, 'the suite could not be read')] };
  return { ok: true, suite };
}

/** True when `file` holds a test suite (its root is <unit-test>), judged from its first bytes. */
export async function isSuiteFile(file: string): Promise<boolean> {
  const head = (await readFile(file, 'utf8')).slice(0, 4096).replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->/g, '');
  return /^\s*<(?:[\w.-]+:)?unit-test[\s>/]/.test(head);
}

async function readRootNode(abs: string, diag: Diagnostics, expected = 'unit-test'): Promise<ConfigNode | undefined> {
  const doc = await readXmlDocument(abs, diag, { read: 'MOOR_ERR_TEST_SUITE', malformed: 'MOOR_ERR_TEST_SUITE', prefix: 'not well-formed XML: ' });
  if (!doc) return undefined;
  const { el, node } = doc;
  if (el.name.local !== expected) {
    node.report('MOOR_ERR_TEST_SUITE', `the root element is <${el.name.local}>; a ${expected === 'unit-test' ? 'test suite' : 'mock service'} starts with <${expected}>`);
    return undefined;
  }
  return node;
}

const SCOPES = ['default', 'transport', 'axis2'] as const;

class SuiteReader {
  private readonly dir: string;
  constructor(
    private readonly file: string,
    private readonly diag: Diagnostics,
  ) {
    this.dir = path.dirname(file);
  }

  /** One `<registry-resource>`: its file found as an artifact's, its registry path made a key. */
  private registryResource(r: ConfigNode, into: RegistryResource[]): void {
    this.only(r, ['file-name', 'artifact', 'registry-path', 'media-type']);
    const text = (name: string): string | undefined => {
      const c = r.child(name);
      const v = c?.text?.trim();
      if (!v) r.report('MOOR_ERR_TEST_SUITE', `<registry-resource> needs <${name}>`);
      return v || undefined;
    };
    const fileName = text('file-name');
    const artifact = text('artifact');
    const registryPath = text('registry-path');
    if (fileName === undefined || artifact === undefined || registryPath === undefined) return;
    const where = subRegistryOf(registryPath);
    if (!where) {
      r.child('registry-path')!.report('MOOR_ERR_TEST_SUITE', `registry path "${registryPath}": moor's keys name /_system/config/… (conf:/) or /_system/governance/… (gov:/)`);
      return;
    }
    const found = this.findFile(artifact, r.child('artifact')!, 'registry resource');
    if (found) into.push({ file: found, sub: where.sub, key: [where.folder, fileName].filter(Boolean).join('/'), loc: r.loc });
  }

  async suite(root: ConfigNode): Promise<Suite | undefined> {
    this.only(root, ['artifacts', 'test-cases', 'mock-services', 'description']);
    const artifacts = root.child('artifacts');
    let artifact: Suite['artifact'];
    let target: Target | undefined;
    const supportive: string[] = [];
    const registryResources: RegistryResource[] = [];
    let registryLoc: SourceLoc | undefined;
    if (artifacts) {
      this.only(artifacts, ['test-artifact', 'supportive-artifacts', 'registry-resources', 'connector-resources']);
      const ta = artifacts.child('test-artifact');
      if (ta) {
        target = this.target(ta);
        const a = ta.child('artifact');
        if (a && a.text) {
          const found = this.findFile(a.text, a, 'test artifact');
          if (found) artifact = { path: found, loc: a.loc };
        } else if (!target) ta.report('MOOR_ERR_TEST_SUITE', '<test-artifact> needs an <artifact> path (or proxy="…" / sequence="…")');
      }
      for (const a of artifacts.child('supportive-artifacts')?.children() ?? []) {
        if (a.name !== 'artifact' || !a.text) continue;
        const found = this.findFile(a.text, a, 'supportive artifact');
        if (found) supportive.push(found);
      }
      const rr = artifacts.child('registry-resources');
      if (rr) {
        this.only(rr, ['registry-resource']);
        if (rr.children().length) registryLoc = rr.loc;
        for (const r of rr.children()) if (r.name === 'registry-resource') this.registryResource(r, registryResources);
      }
      const cr = artifacts.child('connector-resources');
      if (cr && cr.children().length) cr.report('MOOR_ERR_TEST_SUITE', '<connector-resources> are not supported by moor (it runs no connectors)');
    }
    if (!artifact && !target) root.report('MOOR_ERR_TEST_SUITE', 'the suite names no artifact to test: add <artifacts><test-artifact><artifact>path</artifact></test-artifact></artifacts>');

    const mocks: SuiteMock[] = [];
    const ms = root.child('mock-services');
    for (const m of ms?.children() ?? []) {
      if (m.name === 'mock-service') {
        if (m.children().length) mocks.push(...wso2MockService(m));
        else if (m.text) {
          const found = this.findFile(m.text, m, 'mock service');
          const mroot = found ? await readRootNode(found, this.diag, 'mock-service') : undefined;
          if (mroot) mocks.push(...wso2MockService(mroot));
        }
      } else if (m.name !== 'mock') unknown(m, ['mock-service', 'mock'], '<mock-services>');
    }
    // read together: several <mock>s for one endpoint are its successive replies
    mocks.push(...(await this.moorMocks(ms?.children().filter((m) => m.name === 'mock') ?? [])));

    const cases: TestCase[] = [];
    const tcs = root.child('test-cases');
    if (tcs) this.only(tcs, ['test-case']);
    for (const tc of tcs?.children() ?? []) if (tc.name === 'test-case') cases.push(await this.testCase(tc, cases.length));
    if (this.diag.errors.length) return undefined;
    return { file: displayPath(this.file), path: this.file, artifact, supportive, registryResources, registryLoc, target, mocks, cases };
  }

  private target(node: ConfigNode): Target | undefined {
    const proxy = node.attr('proxy');
    const sequence = node.attr('sequence');
    const api = node.attr('api');
    if ([proxy, sequence, api].filter((v) => v !== undefined).length > 1) node.report('MOOR_ERR_TEST_SUITE', `<${node.name}> names one proxy, sequence or api, not several`);
    if (proxy !== undefined) return { kind: 'proxy', name: proxy, loc: node.loc };
    if (sequence !== undefined) return { kind: 'sequence', name: sequence, loc: node.loc };
    if (api !== undefined) return { kind: 'api', name: api, loc: node.loc };
    return undefined;
  }

  private async testCase(tc: ConfigNode, index: number): Promise<TestCase> {
    this.only(tc, ['input', 'assertions', 'mock', 'description']);
    const name = tc.attr('name') ?? `case ${index + 1}`;
    const input = tc.child('input');
    let payload: string | undefined;
    let requestPath: string | undefined;
    let requestMethod: string | undefined;
    const properties: TestCase['properties'][number][] = [];
    if (input) {
      this.only(input, ['request-path', 'request-method', 'request-protocol', 'payload', 'properties']);
      const p = input.child('payload');
      if (p) payload = await this.content(p);
      requestPath = input.child('request-path')?.text || undefined;
      const method = input.child('request-method');
      if (method && method.text) {
        const upper = method.text.toUpperCase();
        if (!HTTP_METHODS.includes(upper as (typeof HTTP_METHODS)[number])) method.report('MOOR_ERR_TEST_SUITE', `request-method ${method.text} is not one of ${HTTP_METHODS.join(', ')}${suggest(upper, HTTP_METHODS)}`);
        else requestMethod = upper;
      }
      for (const prop of input.child('properties')?.children() ?? []) {
        if (prop.name !== 'property') continue;
        const pname = prop.attr('name');
        if (pname === undefined) {
          prop.report('MOOR_ERR_TEST_SUITE', '<property> needs a name');
          continue;
        }
        const scope = prop.attr('scope') || 'default';
        if (!(SCOPES as readonly string[]).includes(scope)) {
          prop.report('MOOR_ERR_TEST_SUITE', `property scope "${scope}" is not one of ${SCOPES.join(', ')}`);
          continue;
        }
        properties.push({ scope: scope as (typeof SCOPES)[number], name: pname, value: prop.attr('value') ?? prop.text });
      }
    }
    const assertions: Assertion[] = [];
    const as = tc.child('assertions');
    if (!as) tc.report('MOOR_ERR_TEST_SUITE', `test case "${name}" has no <assertions>`);
    for (const a of as?.children() ?? []) {
      const parsed = await this.assertion(a);
      if (parsed) assertions.push(parsed);
    }
    const mocks = await this.moorMocks(tc.children().filter((c) => c.name === 'mock'));
    return { name, loc: tc.loc, target: this.target(tc), payload, properties, path: requestPath, method: requestMethod, mocks, assertions };
  }

  private async assertion(a: ConfigNode): Promise<Assertion | undefined> {
    const message = a.child('message')?.text || a.attr('message') || undefined;
    const base = { loc: a.loc, message };
    switch (a.name) {
      case 'assertEquals':
      case 'assertNotNull': {
        const actualNode = a.child('actual');
        const text = actualNode?.text;
        if (!actualNode || !text) {
          a.report('MOOR_ERR_TEST_SUITE', `<${a.name}> needs an <actual> ($body, $statusCode, $ctx:name, $trp:name, $axis2:name or an XPath)`);
          return undefined;
        }
        const actual = this.actual(text, actualNode);
        if (!actual) return undefined;
        const label = `${a.name} ${text}`;
        if (a.name === 'assertNotNull') return { ...base, kind: 'notNull', label, actual };
        const expectedNode = a.child('expected');
        if (!expectedNode) {
          a.report('MOOR_ERR_TEST_SUITE', '<assertEquals> needs an <expected> value');
          return undefined;
        }
        return { ...base, kind: 'equals', label, actual, expected: (await this.content(expectedNode)) ?? '' };
      }
      case 'assertXPath': {
        const text = a.attr('expression');
        const expression = text === undefined ? undefined : this.expression(text, a);
        if (text === undefined) a.report('MOOR_ERR_TEST_SUITE', '<assertXPath> needs expression="…"');
        if (!expression) return undefined;
        return { ...base, kind: 'xpath', label: `assertXPath ${text}`, expression, equals: a.attr('equals'), exists: a.attr('exists') !== 'false' };
      }
      case 'assertReceived': {
        const endpoint = a.attr('endpoint');
        if (!endpoint) {
          a.report('MOOR_ERR_TEST_SUITE', '<assertReceived> needs endpoint="name"');
          return undefined;
        }
        const text = a.attr('expression');
        const expression = text === undefined ? undefined : this.expression(text, a);
        if (text !== undefined && !expression) return undefined;
        return {
          ...base,
          kind: 'received',
          label: `assertReceived ${endpoint}`,
          endpoint,
          count: this.integer(a, 'count'),
          index: this.integer(a, 'index'),
          expression,
          equals: a.attr('equals'),
        };
      }
      case 'assertSession':
        return { ...base, kind: 'session', label: 'assertSession', exists: a.attr('exists') !== 'false', key: a.attr('key'), endpoint: a.attr('endpoint'), outcome: a.attr('outcome') };
      case 'assertTrace': {
        const branch = a.attr('branch');
        if (!branch) {
          a.report('MOOR_ERR_TEST_SUITE', '<assertTrace> needs branch="…" (e.g. filter:then)');
          return undefined;
        }
        return { ...base, kind: 'trace', label: `assertTrace ${branch}`, branch, taken: a.attr('taken') !== 'false' };
      }
      default:
        unknown(a, ['assertEquals', 'assertNotNull', 'assertXPath', 'assertReceived', 'assertSession', 'assertTrace'], '<assertions>');
        return undefined;
    }
  }

  private actual(text: string, node: ConfigNode): Actual | undefined {
    if (text === '$body') return { kind: 'body' };
    if (text === '$statusCode') return { kind: 'status' };
    if (text === '$httpVersion') return { kind: 'httpVersion' };
    const m = /^\$(ctx|trp|axis2):([\w.:-]+)$/.exec(text);
    if (m) return { kind: 'property', scope: m[1] === 'ctx' ? 'default' : m[1] === 'trp' ? 'transport' : 'axis2', name: m[2]! };
    const expression = this.expression(text, node);
    return expression && { kind: 'xpath', expression };
  }

  private expression(text: string, node: ConfigNode): Expression | undefined {
    try {
      return new Expression(text, node.scope);
    } catch (e) {
      node.report('MOOR_ERR_TEST_SUITE', (e as Error).message);
      return undefined;
    }
  }

  private integer(node: ConfigNode, name: string): number | undefined {
    const v = node.attr(name);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v.trim())) {
      node.report('MOOR_ERR_TEST_SUITE', `${name} must be a whole number, not "${v}"`);
      return undefined;
    }
    return Number(v);
  }

  /** The text of `node`, or of the file its `file=` names. */
  private async content(node: ConfigNode): Promise<string | undefined> {
    const file = node.attr('file');
    if (file === undefined) return textOf(node.el).trim();
    const found = this.findFile(file, node, 'file');
    if (!found) return undefined;
    return readFile(found, 'utf8');
  }

  /** moor's own <mock> elements; several for one endpoint answer its successive calls. */
  private async moorMocks(nodes: readonly ConfigNode[]): Promise<SuiteMock[]> {
    const byKey = new Map<string, { loc: SourceLoc; replies: MockReply[] }>();
    for (const m of nodes) {
      this.only(m, ['header', 'payload']);
      const key = m.attr('endpoint');
      if (!key) {
        m.report('MOOR_ERR_TEST_SUITE', '<mock> needs endpoint="name" (an endpoint name, group name or URL)');
        continue;
      }
      const fail = m.attr('fail');
      if (fail !== undefined && fail !== 'unreachable' && fail !== 'timeout') m.report('MOOR_ERR_TEST_SUITE', `fail must be unreachable or timeout, not "${fail}"`);
      const payloadNode = m.child('payload');
      const file = m.attr('file');
      const envelope = payloadNode ? await this.content(payloadNode) : file !== undefined ? await this.content(m) : undefined;
      const headers: Record<string, string> = {};
      for (const h of m.children()) if (h.name === 'header' && h.attr('name')) headers[h.attr('name')!.toLowerCase()] = h.attr('value') ?? '';
      const status = this.integer(m, 'status');
      const delayMs = this.integer(m, 'delay');
      const reply: MockReply = {
        ...(status !== undefined ? { status } : {}),
        ...(delayMs !== undefined ? { delayMs } : {}),
        ...(fail === 'unreachable' || fail === 'timeout' ? { fail } : {}),
        ...(envelope !== undefined ? { envelope: asReply(envelope) } : {}),
        headers,
      };
      const entry = byKey.get(key) ?? { loc: m.loc, replies: [] };
      entry.replies.push(reply);
      byKey.set(key, entry);
    }
    return [...byKey].map(([key, e]) => ({ key, loc: e.loc, mock: e.replies.length === 1 ? e.replies[0]! : e.replies }));
  }

  /** The file `p` names: relative to the suite's folder or one above it, or to the working directory. */
  private findFile(p: string, node: ConfigNode, what: string): string | undefined {
    const tried: string[] = [];
    const bases: string[] = [];
    for (let d = this.dir; ; d = path.dirname(d)) {
      bases.push(d);
      if (path.dirname(d) === d) break;
    }
    bases.push(process.cwd());
    const forms = [p];
    // WSO2 Integration Studio writes /<Project>/src/main/…: the project folder is one of the bases
    if (p.startsWith('/')) forms.push(p.split('/').slice(2).join('/'));
    if (path.isAbsolute(p) && existsSync(p)) return p;
    for (const f of forms) {
      for (const b of bases) {
        const candidate = path.resolve(b, f.replace(/^\/+/, ''));
        tried.push(candidate);
        if (existsSync(candidate)) return candidate;
      }
    }
    node.report('MOOR_ERR_TEST_SUITE', `the ${what} "${p}" does not exist (looked relative to ${displayPath(this.dir)} and the folders above it)`);
    return undefined;
  }

  /** Reports child elements not in `allowed` (a misspelt element would otherwise be silently skipped). */
  private only(node: ConfigNode, allowed: readonly string[]): void {
    for (const c of node.children()) if (!allowed.includes(c.name)) unknown(c, allowed, `<${node.name}>`);
  }
}

/** Reports `node` as an element a suite does not take where it stands. */
function unknown(node: ConfigNode, known: readonly string[], where: string): void {
  node.report('MOOR_ERR_TEST_SUITE', `<${node.name}> is not allowed in ${where}${suggest(node.name, known)}; expected ${known.map((k) => `<${k}>`).join(', ')}`);
}
