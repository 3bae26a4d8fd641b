/**
 * Quartz cron expressions as WSO2 projects write them, read into croner's patterns: the next times
 * they give (UTC), what is translated (a/s), and what is refused and why.
 */
import test from 'ava';
import { Cron } from 'croner';
import { QUARTZ_OPTIONS, quartzPattern } from '../../src/config/quartz-cron.ts';

const FROM = new Date('2026-12-03T12:00:02Z'); // a Thursday

function next(cron: string, n = 2): string[] {
  const read = quartzPattern(cron);
  if (!('pattern' in read)) throw new Error(read.error);
  return new Cron(read.pattern, { ...QUARTZ_OPTIONS, timezone: 'UTC' }).nextRuns(n, FROM).map((d) => d.toISOString().replace('.000Z', 'Z'));
}

test('the Quartz forms WSO2 projects use give the times Quartz gives', (t) => {
  t.deepEqual(next('0/5 * * * * ?'), ['2026-12-03T12:00:05Z', '2026-12-03T12:00:10Z']);
  t.deepEqual(next('0 0/15 * * * ?'), ['2026-12-03T12:15:00Z', '2026-12-03T12:30:00Z']);
  t.deepEqual(next('10/20 * * * * ?', 3), ['2026-12-03T12:00:10Z', '2026-12-03T12:00:30Z', '2026-12-03T12:00:50Z']);
  t.deepEqual(next('0 0 2 * * ?'), ['2026-12-04T02:00:00Z', '2026-12-05T02:00:00Z']);
  t.deepEqual(next('0 15 10 ? * MON-FRI'), ['2026-12-04T10:15:00Z', '2026-12-07T10:15:00Z']);
  t.deepEqual(next('0 0/30 9-17 * * ?'), ['2026-12-03T12:30:00Z', '2026-12-03T13:00:00Z']);
  t.deepEqual(next('0 0 12 1/5 * ?', 3), ['2026-12-06T12:00:00Z', '2026-12-11T12:00:00Z', '2026-12-16T12:00:00Z']);
  t.deepEqual(next('0 15 10 L * ?'), ['2026-12-31T10:15:00Z', '2027-01-31T10:15:00Z']);
  t.deepEqual(next('0 0 0 LW * ?'), ['2026-12-31T00:00:00Z', '2027-01-29T00:00:00Z']);
  t.deepEqual(next('0 15 10 15W * ?'), ['2026-12-15T10:15:00Z', '2027-01-15T10:15:00Z']);
  // day-of-week 1-7 from Sunday, as Quartz counts: 6 is Friday, 1 Sunday
  t.deepEqual(next('0 15 10 ? * 6L'), ['2026-12-25T10:15:00Z', '2027-01-29T10:15:00Z']);
  t.deepEqual(next('0 15 10 ? * 6#3'), ['2026-12-18T10:15:00Z', '2027-01-15T10:15:00Z']);
  t.deepEqual(next('0 0 0 ? * 1'), ['2026-12-06T00:00:00Z', '2026-12-13T00:00:00Z']);
  t.deepEqual(next('0 0 0 ? * SUN,SAT'), ['2026-12-05T00:00:00Z', '2026-12-06T00:00:00Z']);
  t.deepEqual(next('0 0 12 ? JAN,JUL MON'), ['2027-01-04T12:00:00Z', '2027-01-11T12:00:00Z']);
  t.deepEqual(next('0 15 10 * * ? 2027'), ['2027-01-01T10:15:00Z', '2027-01-02T10:15:00Z']);
  t.deepEqual(next('0 15 10 * * ? *'), ['2026-12-04T10:15:00Z', '2026-12-05T10:15:00Z']);
});

test('refused: not 6 or 7 fields, "?" in neither or both day fields or elsewhere, L-n, what the scheduler cannot read', (t) => {
  const error = (cron: string) => {
    const r = quartzPattern(cron);
    return 'error' in r ? `${r.unsupported ? 'unsupported' : 'bad'}: ${r.error}` : 'ok';
  };
  t.regex(error('* * * * *'), /^bad: a Quartz cron expression has 6 or 7 fields .* not 5/);
  t.regex(error('0 0 12 * * *'), /^bad: Quartz needs exactly one of day-of-month and day-of-week to be "\?"/);
  t.regex(error('0 0 12 ? * ?'), /^bad: Quartz needs exactly one/);
  t.regex(error('? 0 12 * * ?'), /^bad: "\?" is for day-of-month or day-of-week only, not seconds/);
  t.regex(error('0 0 12 L-3 * ?'), /^unsupported: day-of-month "L-3": "L-n" \(n days before the month's end\) is not supported/);
  t.regex(error('0 0 61 * * ?'), /^unsupported: not a cron expression moor's scheduler can read: /);
  t.regex(error('0 0 12 * FOO ?'), /^unsupported: not a cron expression moor's scheduler can read: /);
});
