/**
 * The `moor` command: start, validate, test. Exit codes: 0 success, 1 invalid configuration or failed
 * tests, 2 usage errors.
 */
import { ConfigErrors, MoorError } from '../errors.ts';
import { startCommand } from './start.ts';
import { testCommand } from './test.ts';
import { validateCommand } from './validate.ts';

const USAGE = `usage:
  moor start    --config <dir> [--port 8280] [--host 127.0.0.1] [--watch] [--log-level info]
                [--store memory|redis://host:port[/db]] [--workers N] [--access-log <file>|-]
  moor validate --config <dir>
  moor test     [--config <dir>] [--reporter text|junit] [--output report.xml] <suite.xml|dir>…
  moor help`;

/** Runs the command line `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await startCommand(rest);
      case 'validate':
        return await validateCommand(rest);
      case 'test':
        return await testCommand(rest);
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return 0;
      default:
        throw new MoorError('MOOR_ERR_CLI_USAGE', command === undefined ? 'no command given' : `unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof ConfigErrors) {
      for (const err of e.errors) process.stderr.write(`${err.toString()}\n`);
      return 1;
    }
    if (e instanceof MoorError && e.code === 'MOOR_ERR_CLI_USAGE') {
      process.stderr.write(`moor: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`moor: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/cli/main.ts')) {
  const code = await main(process.argv.slice(2));
  if (code !== 0 || process.argv[2] !== 'start') process.exit(code);
}
