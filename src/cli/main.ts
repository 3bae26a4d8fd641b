/**
 * The `moor` command: start, validate, test, and the commands against a running gateway. Exit codes:
 * 0 success, 1 invalid configuration, failed tests, a start error or a refused admin call (printed on
 * one line), 2 usage errors.
 */
import { ConfigErrors, MoorError } from '../errors.ts';

/**
 * Each command is imported only when it runs: `moor --help` loads nothing else, `moor validate` not the
 * HTTP server, the session stores nor the test runner (docs/benchmarks.md has the start-up times).
 */
const COMMANDS: Record<string, () => Promise<(argv: string[]) => Promise<number>>> = {
  start: async () => (await import('./start.ts')).startCommand,
  validate: async () => (await import('./validate.ts')).validateCommand,
  test: async () => (await import('./test.ts')).testCommand,
  // against a running gateway's admin listener
  endpoints: async () => (await import('./remote.ts')).endpointsCommand,
  sessions: async () => (await import('./remote.ts')).sessionsCommand,
  drain: async () => (await import('./remote.ts')).drainCommand,
  undrain: async () => (await import('./remote.ts')).undrainCommand,
  reload: async () => (await import('./remote.ts')).reloadCommand,
};

const USAGE = `usage:
  moor start    --config <dir> [--port 8280] [--host 127.0.0.1] [--watch] [--log-level info]
                [--https-port 8243 --tls-cert <cert.pem> --tls-key <key.pem>]
                [--store memory|redis://host:port[/db]] [--workers N] [--access-log <file>|-]
                [--access-log-buffer-bytes 16777216] [--access-log-flush-ms 1000] [--timeout-ms 60000]
                [--admin 127.0.0.1:9164] [--limit NAME=N]… [--session-count-limit 100000]
                [--registry <dir>]
  moor validate --config <dir> [--registry <dir>]
  moor test     [--config <dir>] [--registry <dir>] [--reporter text|junit] [--output report.xml]
                <suite.xml|dir>…
  moor endpoints | sessions [--group G] [--endpoint E] [--limit N] | drain NAME | undrain NAME | reload
                [--admin http://127.0.0.1:9164] [--json]   (token from MOOR_ADMIN_TOKEN)
  moor help`;

/** Runs the command line `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'help' || command === '--help' || command === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const load = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!load) throw new MoorError('MOOR_ERR_CLI_USAGE', command === undefined ? 'no command given' : `unknown command "${command}"`);
    return await (await load())(rest);
  } catch (e) {
    if (e instanceof ConfigErrors) {
      for (const err of e.errors) process.stderr.write(`${err.toString()}\n`);
      return 1;
    }
    if (e instanceof MoorError && e.code === 'MOOR_ERR_CLI_USAGE') {
      process.stderr.write(`moor: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    // moor's own errors are what a user did or met (a port in use): one line; anything else is a bug
    if (e instanceof MoorError) {
      process.stderr.write(`moor: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`moor: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
