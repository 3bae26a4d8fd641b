/**
 * Reports of suite runs: text for people (one line per case, the failures with expected, actual and
 * file:line, then `N passed, N failed`) and JUnit XML for CI systems.
 */
import { escapeAttr, escapeText } from '../../xml/serialize.ts';
import { type CaseResult, type Failure, type SuiteResult } from './run.ts';

/** Passed and failed cases (a case that could not run counts as failed), and suites that did not run. */
export function totals(results: readonly SuiteResult[]): { passed: number; failed: number; broken: number } {
  let passed = 0;
  let failed = 0;
  for (const s of results) for (const c of s.cases) c.outcome === 'passed' ? passed++ : failed++;
  return { passed, failed, broken: results.filter((s) => s.errors.length).length };
}

/** The exact summary line. */
export function summaryLine(results: readonly SuiteResult[]): string {
  const t = totals(results);
  return `${t.passed} passed, ${t.failed} failed`;
}

/** The lines of one case: its outcome line, then what went wrong. */
export function caseLines(suite: SuiteResult, c: CaseResult): string[] {
  const word = c.outcome === 'passed' ? 'PASS' : c.outcome === 'failed' ? 'FAIL' : 'ERROR';
  const lines = [`${word} ${suite.file} > ${c.name} (${formatMs(c.ms)})`];
  if (c.error !== undefined) lines.push(`    ${suite.file}:${c.loc.line}:${c.loc.col} ${c.error}`);
  for (const f of c.failures) lines.push(...failureLines(f));
  return lines;
}

function failureLines(f: Failure): string[] {
  const out = [`    ${f.loc.file}:${f.loc.line}:${f.loc.col} ${f.label}${f.message ? `: ${f.message}` : ''}`];
  out.push(...block('expected', f.expected), ...block('actual', f.actual));
  if (f.detail) out.push(`      ${f.detail}`);
  return out;
}

/** `label: value`, a long or multi-line value indented below its label. */
function block(label: string, value: string): string[] {
  const pad = `${label}:`.padEnd(10);
  const lines = value.split(/\r?\n/);
  if (lines.length === 1) return [`      ${pad}${value}`];
  return [`      ${label}:`, ...lines.map((l) => `        ${l}`)];
}

function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** The whole run as JUnit XML (the schema Jenkins, GitLab and GitHub reporters read). */
export function junitXml(results: readonly SuiteResult[]): string {
  const t = totals(results);
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  const all = results.reduce((a, s) => a + s.ms, 0);
  const out = [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites name="moor test" tests="${t.passed + t.failed + t.broken}" failures="${countOf(results, 'failed')}" errors="${countOf(results, 'error') + t.broken}" time="${seconds(all)}">`];
  for (const s of results) {
    const failures = s.cases.filter((c) => c.outcome === 'failed').length;
    const errors = s.cases.filter((c) => c.outcome === 'error').length + (s.errors.length ? 1 : 0);
    out.push(`  <testsuite name="${escapeAttr(s.file)}" file="${escapeAttr(s.file)}" tests="${s.cases.length + (s.errors.length ? 1 : 0)}" failures="${failures}" errors="${errors}" time="${seconds(s.ms)}">`);
    if (s.errors.length) {
      const text = s.errors.map((e) => e.toString()).join('\n');
      out.push(`    <testcase name="(suite)" classname="${escapeAttr(s.file)}" time="0"><error message="${escapeAttr(s.errors[0]!.toString())}" type="MOOR_ERR_TEST_SUITE">${escapeText(text)}</error></testcase>`);
    }
    for (const c of s.cases) {
      const head = `    <testcase name="${escapeAttr(c.name)}" classname="${escapeAttr(s.file)}" file="${escapeAttr(s.file)}" line="${c.loc.line}" time="${seconds(c.ms)}"`;
      if (c.outcome === 'passed') out.push(`${head}/>`);
      else if (c.outcome === 'error') out.push(`${head}><error message="${escapeAttr(c.error ?? '')}" type="error">${escapeText(`${s.file}:${c.loc.line}:${c.loc.col} ${c.error ?? ''}`)}</error></testcase>`);
      else {
        const first = c.failures[0]!;
        const text = c.failures.flatMap(failureLines).map((l) => l.trim()).join('\n');
        out.push(`${head}><failure message="${escapeAttr(`${first.loc.file}:${first.loc.line} ${first.label}${first.message ? `: ${first.message}` : ''}`)}" type="${escapeAttr(first.label.split(' ')[0]!)}">${escapeText(text)}</failure></testcase>`);
      }
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

function countOf(results: readonly SuiteResult[], outcome: CaseResult['outcome']): number {
  return results.reduce((n, s) => n + s.cases.filter((c) => c.outcome === outcome).length, 0);
}
