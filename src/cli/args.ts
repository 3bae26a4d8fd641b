/** Argument parsing for the moor commands, on node:util's parseArgs; bad flags are usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MoorError } from '../errors.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** What {@link parse} gives for `options` (named, so that the declarations can name it). */
export type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true }>>;

/** Parses `argv` against `options`; throws MoorError(MOOR_ERR_CLI_USAGE) with parseArgs' explanation. */
export function parse<O extends Options>(argv: string[], options: O, allowPositionals = false): Parsed<O> {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    throw new MoorError('MOOR_ERR_CLI_USAGE', (e as Error).message);
  }
}

/** A positive integer flag value. */
export function intFlag(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new MoorError('MOOR_ERR_CLI_USAGE', `${flag} takes a whole number, not "${value}"`);
  return Number(value);
}
