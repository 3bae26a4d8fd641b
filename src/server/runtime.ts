/**
 * A loaded configuration ready to serve: compiled sequences plus built endpoints. Load → validate →
 * freeze: any problem makes the whole load fail with every problem listed, so a running gateway only
 * ever swaps one valid runtime for another.
 */
import { type ReadOptions, readConfig } from '../config/load.ts';
import { ConfigError, ConfigErrors } from '../errors.ts';
import { type EndpointEnv } from '../endpoints/env.ts';
import { EndpointRegistry } from '../endpoints/registry.ts';
import { DEFAULT_LIMITS, type MessageLimits } from '../message/limits.ts';
import { compile, type CompiledConfig } from '../mediators/compile.ts';

export interface Runtime {
  readonly compiled: CompiledConfig;
  /** The limits in force: the defaults, then `<moor:limits>`, then what the gateway was given. */
  readonly limits: MessageLimits;
  readonly endpoints: EndpointRegistry;
  /** What loads but does not behave as in Synapse (`moor validate` prints these, start logs them). */
  readonly warnings: readonly ConfigError[];
}

/** Reads, checks and compiles the configuration at `location`. Throws ConfigErrors listing every problem. */
export async function checkConfig(location: string, options: ReadOptions = {}): Promise<CompiledConfig> {
  const config = await readConfig(location, options);
  const compiled = compile(config);
  if (config.diag.errors.length) throw new ConfigErrors(sortErrors(config.diag.errors));
  return compiled;
}

/** What a runtime is built with: the endpoints' environment, and limits that win over `<moor:limits>`. */
export type RuntimeEnv = Omit<EndpointEnv, 'baseDir' | 'limits'> & { readonly limits?: Partial<MessageLimits> | undefined; readonly registry?: string | undefined };

/**
 * Loads a runtime: checks the configuration, then builds its endpoints (and user dispatcher modules).
 * `replacing` is the runtime a reload replaces: its backends' state carries over.
 */
export async function loadRuntime(location: string, env: RuntimeEnv, replacing?: Runtime): Promise<Runtime> {
  const compiled = await checkConfig(location, { registry: env.registry });
  const limits: MessageLimits = Object.freeze({ ...DEFAULT_LIMITS, ...compiled.config.settings?.limits?.values, ...env.limits });
  try {
    const endpoints = await EndpointRegistry.create(compiled.config, { ...env, limits, baseDir: compiled.config.dir }, compiled.inlineEndpoints, replacing?.endpoints);
    return { compiled, limits, endpoints, warnings: sortErrors(compiled.config.diag.warnings) };
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigErrors([e]);
    throw e;
  }
}

function sortErrors(errors: readonly ConfigError[]): ConfigError[] {
  return [...errors].sort((a, b) => a.loc.file.localeCompare(b.loc.file) || a.loc.line - b.loc.line || a.loc.col - b.loc.col);
}
