/** `moor validate --config <dir>`: every problem on its own line as file:line:col CODE message. */
import { MoorError } from '../errors.ts';
import { DEFAULT_LIMITS } from '../message/limits.ts';
import { loadRuntime } from '../server/runtime.ts';
import { MemoryStore } from '../session/memory-store.ts';
import { parse } from './args.ts';

export async function validateCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { config: { type: 'string', short: 'c' } });
  if (!values.config) throw new MoorError('MOOR_ERR_CLI_USAGE', 'validate needs --config <dir>');
  const store = new MemoryStore(undefined, 0);
  // building the endpoints too loads user dispatcher modules, so a broken class= is caught here
  const runtime = await loadRuntime(values.config, { limits: DEFAULT_LIMITS, store, defaultTimeoutMs: 1, defaultSuspendMs: 1 });
  await runtime.endpoints.close();
  const c = runtime.compiled;
  process.stdout.write(`${values.config}: valid (${c.proxies.size} proxies, ${c.sequences.size} sequences, ${c.config.endpoints.size} endpoints in ${c.config.files.length} files)\n`);
  return 0;
}
