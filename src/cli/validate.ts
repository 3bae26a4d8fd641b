/**
 * `moor validate --config <dir>`: loads the configuration exactly as `moor start` would (parse, check,
 * compile, build endpoints and user modules) without listening. Valid: its warnings (constructs that
 * have no effect or differ from Synapse, `file:line:col MOOR_WARN_… message`) and a one-line summary on
 * stdout, exit 0. Invalid: every problem on stdout, one per line as `file:line:col CODE message`, a count on
 * stderr, exit 1 — so the lines can be piped to an editor or grep while a person still sees the total.
 */
import { ConfigErrors, MoorError } from '../errors.ts';
import { loadRuntime } from '../server/runtime.ts';
import { MemoryStore } from '../session/memory-store.ts';
import { parse } from './args.ts';

/** Runs `moor validate` with `argv` (after the command name); resolves to the exit code. */
export async function validateCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { config: { type: 'string', short: 'c' }, registry: { type: 'string' } });
  if (!values.config) throw new MoorError('MOOR_ERR_CLI_USAGE', 'validate needs --config <dir>');
  const store = new MemoryStore(undefined, 0);
  try {
    // building the endpoints too loads user dispatcher modules, so a broken class= is caught here
    const runtime = await loadRuntime(values.config, { store, defaultTimeoutMs: 1, defaultSuspendMs: 1, registry: values.registry });
    await runtime.endpoints.close();
    const c = runtime.compiled;
    // warnings do not make a configuration invalid: listed, exit 0
    process.stdout.write(runtime.warnings.map((w) => `${w.toString()}\n`).join(''));
    // (the artifacts a Synapse configuration always has, then the WSO2 ones only when there are any,
    // so that a plain Synapse folder's line stays as it was)
    const more = [[c.config.apis.size, 'API', 'APIs'], [c.config.templates.size + c.config.endpointTemplates.size, 'template', 'templates'], [c.config.localEntries.size, 'local entry', 'local entries'], [c.config.tasks.size, 'task', 'tasks']] as const;
    const extra = more.filter(([n]) => n > 0).map(([n, one, many]) => `, ${counted(n, one, many)}`).join('');
    process.stdout.write(
      `${values.config}: valid (${counted(c.proxies.size, 'proxy', 'proxies')}, ${counted(c.sequences.size, 'sequence', 'sequences')}, ${counted(c.config.endpoints.size, 'endpoint', 'endpoints')}${extra} in ${counted(c.config.files.length, 'file', 'files')})\n`,
    );
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigErrors)) throw e;
    process.stdout.write(e.errors.map((x) => `${x.toString()}\n`).join(''));
    const n = e.errors.length;
    process.stderr.write(`moor: ${values.config}: ${n} ${n === 1 ? 'problem' : 'problems'}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

/** `1 proxy`, `2 proxies`, `0 proxies`. */
function counted(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
