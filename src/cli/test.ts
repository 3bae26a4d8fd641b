/**
 * `moor test [--config <dir>] [--registry <dir>] [--reporter text|junit] [--output <file>] <suite.xml|dir>…`: runs XML test
 * suites in-process (no sockets, a virtual clock). A folder is searched for files whose root is
 * <unit-test>. Prints one line per case and `N passed, N failed`; exits 0 only when every case passed
 * and every suite could be read. `--registry` is the registry root for `conf:/…` and `gov:/…` keys, as
 * for `moor start` and `moor validate`, for the configuration and for each suite's own artifacts.
 */
import { stat, writeFile } from 'node:fs/promises';
import { xmlFilesUnder } from '../config/xml-file.ts';
import { ConfigErrors, MoorError } from '../errors.ts';
import { type CheckedConfig, checkConfig } from '../server/runtime.ts';
import { isSuiteFile, parseSuite } from '../testing/suite/parse.ts';
import { caseLines, junitXml, summaryLine, totals } from '../testing/suite/report.ts';
import { runSuite, type SuiteResult } from '../testing/suite/run.ts';
import { parse } from './args.ts';

/** Where the command writes; the CLI passes the process's streams, tests may pass their own. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

const STDIO: Output = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

export async function testCommand(argv: string[], io: Output = STDIO): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      config: { type: 'string', short: 'c' },
      registry: { type: 'string' },
      reporter: { type: 'string' },
      output: { type: 'string', short: 'o' },
    },
    true,
  );
  const reporter = values.reporter ?? 'text';
  if (reporter !== 'text' && reporter !== 'junit') throw new MoorError('MOOR_ERR_CLI_USAGE', `--reporter ${reporter}: use text or junit`);
  if (values.output !== undefined && reporter !== 'junit') throw new MoorError('MOOR_ERR_CLI_USAGE', '--output names the JUnit report: use it with --reporter junit');
  if (positionals.length === 0) throw new MoorError('MOOR_ERR_CLI_USAGE', 'test needs at least one suite file or folder');
  // JUnit without --output goes to stdout, so the text report must not mix in
  const text = reporter === 'text' || values.output !== undefined;

  let config: CheckedConfig | undefined;
  if (values.config !== undefined) {
    try {
      config = await checkConfig(values.config, { registry: values.registry });
    } catch (e) {
      if (!(e instanceof ConfigErrors)) throw e;
      for (const err of e.errors) io.err(err.toString());
      io.err(`moor: the configuration ${values.config} is not valid; no test ran`);
      return 1;
    }
  }

  const files: string[] = [];
  for (const p of positionals) {
    const found = await suitesIn(p);
    if (found === undefined) {
      io.err(`${p}:1:1 MOOR_ERR_TEST_SUITE no such file or folder`);
      return 1;
    }
    if (found.length === 0) io.err(`moor: no test suite (a file whose root is <unit-test>) in ${p}`);
    files.push(...found);
  }
  if (files.length === 0) return 1;

  const results: SuiteResult[] = [];
  for (const file of [...new Set(files)]) {
    const parsed = await parseSuite(file);
    const result: SuiteResult = parsed.ok ? await runSuite(parsed.suite, config ? { config } : { registry: values.registry }) : { file: parsed.file, cases: [], errors: parsed.errors, ms: 0 };
    results.push(result);
    if (!text) continue;
    for (const e of result.errors) io.err(e.toString());
    for (const c of result.cases) for (const line of caseLines(result, c)) io.out(line);
  }

  const t = totals(results);
  let unwritten: string | undefined;
  if (reporter === 'junit') {
    const xml = junitXml(results);
    if (values.output === undefined) io.out(xml.trimEnd());
    else {
      // (said on one line after the run's own report, not as a stack trace)
      await writeFile(values.output, xml).catch((e: NodeJS.ErrnoException) => {
        unwritten = `moor: --output ${values.output}: cannot write the JUnit report there (${e.code ?? e.message})`;
      });
    }
  }
  if (text) {
    io.out(summaryLine(results));
    if (t.broken) io.err(`${t.broken} suite${t.broken === 1 ? '' : 's'} could not be run (see above)`);
  }
  if (unwritten !== undefined) {
    io.err(unwritten);
    return 1;
  }
  return t.failed === 0 && t.broken === 0 ? 0 : 1;
}

/** The suite files `p` names: itself, or every <unit-test> file below a folder (sorted); undefined if missing. */
async function suitesIn(p: string): Promise<string[] | undefined> {
  let s;
  try {
    s = await stat(p);
  } catch {
    return undefined;
  }
  if (s.isFile()) return [p];
  const xml = await xmlFilesUnder(p);
  const out: string[] = [];
  for (const f of xml) if (await isSuiteFile(f)) out.push(f);
  return out;
}
