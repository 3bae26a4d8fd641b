/**
 * A `<trigger cron="…"/>` expression as WSO2 reads it (Quartz's CronExpression), made into a pattern for
 * croner, which schedules it (server/tasks.ts).
 *
 *   seconds minutes hours day-of-month month day-of-week [year]
 *
 * Quartz's forms: `*`, `?`, lists `a,b`, ranges `a-b`, steps after an asterisk or a range (`a-b/s`) and
 * `a/s` (from a, every s),
 * month names JAN-DEC, day names SUN-SAT, day-of-week 1-7 with 1 = Sunday, `L` and `LW` in day-of-month,
 * `nW` (nearest weekday), `nL` (last weekday n of the month) and `n#k` (k-th weekday n) in day-of-week,
 * and a year field. Quartz needs exactly one of day-of-month and day-of-week to be `?`, and six or
 * seven fields; croner takes both checks from us.
 *
 * What croner reads differently is translated: `a/s` becomes `a-MAX/s` (croner takes a step only after
 * `*` or a range; Quartz's `a/s` runs from a to the field's end). What it cannot read at all (Quartz's
 * `L-n`, the n-th day before the month's end) is refused, so nothing runs on another schedule than
 * WSO2's. Times are the process's time zone, as Quartz's are the JVM's.
 */
import { Cron } from 'croner';

/** The highest value of each field, for `a/s` (day-of-week: Quartz's 1-7). */
const FIELD_MAX = [59, 59, 23, 31, 12, 7, 2099];
const FIELD_NAMES = ['seconds', 'minutes', 'hours', 'day-of-month', 'month', 'day-of-week', 'year'];

/** croner's options for a Quartz pattern: day-of-week 1-7 from Sunday; never started by itself. */
export const QUARTZ_OPTIONS = { alternativeWeekdays: true, paused: true } as const;

/** The croner pattern for Quartz expression `cron`, or why it cannot be read. */
export function quartzPattern(cron: string): { pattern: string } | { error: string; unsupported?: true } {
  const fields = cron.trim().split(/\s+/);
  if (fields.length < 6 || fields.length > 7) {
    return { error: `a Quartz cron expression has 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), not ${fields.length}` };
  }
  const dom = fields[3]!;
  const dow = fields[5]!;
  if ((dom === '?') === (dow === '?')) {
    return { error: 'Quartz needs exactly one of day-of-month and day-of-week to be "?" (the 4th or the 6th field)' };
  }
  const out: string[] = [];
  for (const [i, field] of fields.entries()) {
    if (field.includes('?') && field !== '?') return { error: `"?" stands alone in its field (${FIELD_NAMES[i]}: "${field}")` };
    if (field === '?' && i !== 3 && i !== 5) return { error: `"?" is for day-of-month or day-of-week only, not ${FIELD_NAMES[i]}` };
    if (/L-\d/.test(field)) return { error: `${FIELD_NAMES[i]} "${field}": "L-n" (n days before the month's end) is not supported by moor's scheduler`, unsupported: true };
    // Quartz's a/s: from a to the end of the field, every s
    out.push(field.split(',').map((part) => part.replace(/^(\w+)\/(\d+)$/, (_m, from: string, step: string) => `${from}-${FIELD_MAX[i]}/${step}`)).join(','));
  }
  const pattern = out.join(' ');
  try {
    new Cron(pattern, QUARTZ_OPTIONS).stop();
  } catch (e) {
    // (Quartz may read what croner does not: not called wrong, called unsupported)
    return { error: `not a cron expression moor's scheduler can read: ${(e as Error).message.replace(/^CronPattern: /, '')}`, unsupported: true };
  }
  return { pattern };
}
