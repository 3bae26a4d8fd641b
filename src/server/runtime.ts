/**
 * The one load path of a configuration, for `moor start` (and its reloads), `moor validate`, `moor test`
 * and moor/testing alike: read → compile → check → freeze → link.
 *
 *   read     every file into definitions (config/load.ts; several files into one, config/merge.ts),
 *            each use of an endpoint template filled in first (config/endpoint-template.ts)
 *   compile  the definitions into runnable sequences (mediators/compile.ts), which only reads them and
 *            reports into its own output; sequences named by static keys are linked as it ends
 *   check    every problem of both, or ConfigErrors listing them all, sorted by file:line:col
 *   freeze   the definitions deep-frozen (config/freeze.ts; not under NODE_ENV=production)
 *   link     the endpoints built once (endpoints/registry.ts; a reload's backends keep their state),
 *            every mediator's endpoint linked to the one built for it (mediators/links.ts); then the
 *            compiled tables and records, the runtime and its limits frozen
 *
 * Any problem makes the whole load fail, so a running gateway only ever swaps one valid runtime for
 * another; the checks live here once, whoever loads.
 */
import path from 'node:path';
import { deepFreeze, freezesDefinitions, freezeTable } from '../config/freeze.ts';
import { type Config, type ReadOptions, readConfig } from '../config/load.ts';
import { mergeConfigs } from '../config/merge.ts';
import { ConfigError, ConfigErrors } from '../errors.ts';
import { type EndpointEnv } from '../endpoints/env.ts';
import { EndpointRegistry } from '../endpoints/registry.ts';
import { DEFAULT_LIMITS, type MessageLimits } from '../message/limits.ts';
import { compile, type CompiledConfig, finishChecks } from '../mediators/compile.ts';
import { scriptPool } from '../mediators/script-pool.ts';
import { type Sequence } from '../mediators/mediator.ts';
import { type MessageStore, MessageStores, type RedisStoreFactory } from '../mediators/message-store.ts';
import { type Logger, silentLogger } from '../logging.ts';
import { type MessageStoreDef } from '../config/store-def.ts';
import { parseStoreUrl, type RedisTarget } from '../session/store-url.ts';
import { type SessionStore } from '../session/store.ts';

export interface Runtime {
  readonly compiled: CompiledConfig;
  /** The limits in force: the defaults, then `<moor:limits>`, then what the gateway was given. */
  readonly limits: MessageLimits;
  readonly endpoints: EndpointRegistry;
  /** The message stores `<store>` keeps messages in (a reload's keep theirs: mediators/message-store.ts). */
  readonly stores: MessageStores;
  /** What loads but does not behave as in Synapse (`moor validate` prints these, start logs them). */
  readonly warnings: readonly ConfigError[];
}

/** The defaults of what a runtime is built with, where neither the configuration nor its caller says. */
export const RUNTIME_DEFAULTS = Object.freeze({
  /** The backend timeout of an address without <timeout>. */
  defaultTimeoutMs: 60_000,
  /** How long a failed address without <suspendOnFailure> stays out of rotation. */
  defaultSuspendMs: 30_000,
});

/** A configuration read and compiled, with every problem found (sorted by file:line:col). */
export interface LoadedConfig {
  /** The definitions as read; deep-frozen unless NODE_ENV=production (config/freeze.ts). */
  readonly config: Config;
  readonly compiled: CompiledConfig;
  readonly errors: readonly ConfigError[];
  /** What loads but does not behave as in Synapse (never fatal). */
  readonly warnings: readonly ConfigError[];
}

/** A loaded configuration without errors: ready to be linked into runtimes. */
export type CheckedConfig = LoadedConfig & { readonly errors: readonly [] };

/**
 * Reads and compiles `location` (a folder or file, or a list of files merged into one configuration)
 * and gives every problem found. Throws only for what is not a problem of the configuration.
 */
export async function loadConfig(location: string | readonly string[], options: ReadOptions = {}): Promise<LoadedConfig> {
  const locations = typeof location === 'string' ? [location] : [...new Set(location.map((l) => path.resolve(l)))];
  const parts = await Promise.all(locations.map((l) => readConfig(l, options)));
  const config = parts.length === 1 ? parts[0]! : mergeConfigs(parts);
  const compilation = compile(config);
  // (before the definitions are frozen: a <script>'s code is compiled by its engine, loaded here)
  await finishChecks(compilation);
  const { compiled, diag } = compilation;
  const reads = [...new Set([config.diag, ...parts.map((p) => p.diag)])];
  const errors = sortErrors([...reads.flatMap((d) => d.errors), ...diag.errors]);
  const warnings = sortErrors([...reads.flatMap((d) => d.warnings), ...diag.warnings]);
  if (freezesDefinitions()) deepFreeze([config, ...parts]);
  return Object.freeze({ config, compiled, errors, warnings });
}

/** Reads, compiles and checks `location`. Throws ConfigErrors listing every problem. */
export async function checkConfig(location: string | readonly string[], options: ReadOptions = {}): Promise<CheckedConfig> {
  const loaded = await loadConfig(location, options);
  if (loaded.errors.length) throw new ConfigErrors([...loaded.errors]);
  return loaded as CheckedConfig;
}

/**
 * What a runtime is built with: the endpoints' environment (its timeouts default to RUNTIME_DEFAULTS),
 * and limits that win over `<moor:limits>`.
 */
export type RuntimeEnv = Omit<EndpointEnv, 'baseDir' | 'limits' | 'defaultTimeoutMs' | 'defaultSuspendMs'> & {
  readonly limits?: Partial<MessageLimits> | undefined;
  readonly registry?: string | undefined;
  /**
   * Whether `moor.RedisMessageStore`s connect to their Redis (the gateway); otherwise (moor validate,
   * moor/testing's harness) their URL is checked and they are kept in memory, never connected.
   */
  readonly redisStores?: boolean | undefined;
  readonly defaultTimeoutMs?: number | undefined;
  readonly defaultSuspendMs?: number | undefined;
};

/**
 * Builds a runtime over a checked configuration: its limits, its endpoints (and user dispatcher
 * modules). `replacing` is the runtime a reload replaces: its backends' state carries over.
 */
export async function buildRuntime(checked: CheckedConfig, env: RuntimeEnv, replacing?: Runtime): Promise<Runtime> {
  const compiled = unlinkedCompilation(checked);
  const limits: MessageLimits = Object.freeze({ ...DEFAULT_LIMITS, ...compiled.config.settings?.limits?.values, ...env.limits });
  const endpointEnv: EndpointEnv = {
    ...env,
    limits,
    baseDir: compiled.config.dir,
    defaultTimeoutMs: env.defaultTimeoutMs ?? RUNTIME_DEFAULTS.defaultTimeoutMs,
    defaultSuspendMs: env.defaultSuspendMs ?? RUNTIME_DEFAULTS.defaultSuspendMs,
  };
  try {
    const endpoints = await EndpointRegistry.create(compiled.config, endpointEnv, compiled.inlineEndpoints, replacing?.endpoints);
    for (const l of compiled.endpointLinks) l.link(endpoints);
    // (a configuration that will run scripts: their threads start now, not at its first message;
    // `moor validate`, which builds no runtime, starts none)
    if (scriptPool.expected) scriptPool.warm();
    const log = env.log ?? silentLogger();
    const redis = await redisStoreFactory(compiled.config.messageStores, env.store, log, env.redisStores === true);
    const stores = MessageStores.create(compiled.config.messageStores, log, replacing?.stores, env.redisStores ? redis : undefined);
    for (const l of compiled.storeLinks) l.link(stores);
    freezeCompiled(compiled);
    return Object.freeze({ compiled, limits, endpoints, stores, warnings: checked.warnings });
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigErrors([e]);
    throw e;
  }
}

/**
 * What makes the Redis message stores of `defs`, once each one's Redis is known: its `redis.url`
 * (checked here, so `moor validate` reports a bad one at its file:line:col), else the gateway's
 * `--store` Redis. Throws ConfigErrors for every store without a valid one.
 */
async function redisStoreFactory(defs: ReadonlyMap<string, MessageStoreDef>, session: SessionStore | undefined, log: Logger, connects: boolean): Promise<RedisStoreFactory> {
  const targets = new Map<string, RedisTarget | ConfigError>();
  const sessionTarget = session && 'target' in session ? (session.target as RedisTarget) : undefined;
  for (const def of defs.values()) {
    if (!def.redis) continue;
    const url = def.redis.url;
    if (!url) {
      targets.set(def.name, sessionTarget ?? new ConfigError('MOOR_ERR_BAD_VALUE', def.loc, `message store "${def.name}" (moor.RedisMessageStore) has no <parameter name="redis.url">, and the gateway's --store is not a Redis: give it one or the other`));
      continue;
    }
    try {
      if (/[?&]prefix=/.test(url.text)) throw new Error('the keys\' prefix is <parameter name="redis.prefix">, not the URL\'s prefix=');
      const t = parseStoreUrl(url.text);
      if (t.kind === 'memory') throw new Error('"memory" is not a Redis');
      targets.set(def.name, t);
    } catch (e) {
      targets.set(def.name, new ConfigError('MOOR_ERR_BAD_VALUE', url.loc, `<parameter name="redis.url">: ${(e as Error).message}`));
    }
  }
  // (a missing Redis is the gateway's problem only: moor validate does not know the --store it will get)
  const bad = [...targets.values()].filter((t): t is ConfigError => t instanceof ConfigError && !t.message.includes('--store is not'));
  if (bad.length) throw new ConfigErrors(bad);
  // (imported here: ioredis is not loaded by a gateway, or a moor validate, that does not use it)
  const { RedisMessageStore } = targets.size && connects ? await import('./redis-message-store.ts') : { RedisMessageStore: undefined };
  return (def): MessageStore => {
    const t = targets.get(def.name);
    if (t instanceof ConfigError) throw new ConfigErrors([t]);
    if (!RedisMessageStore) throw new Error('a Redis message store is made only by a runtime that connects them');
    return new RedisMessageStore(def as ConstructorParameters<typeof RedisMessageStore>[0], t!, log);
  };
}

/** Loads a runtime from `location`: checkConfig, then buildRuntime. Throws ConfigErrors listing every problem. */
export async function loadRuntime(location: string, env: RuntimeEnv, replacing?: Runtime): Promise<Runtime> {
  return buildRuntime(await checkConfig(location, { registry: env.registry }), env, replacing);
}

/**
 * The compiled configuration's tables and records frozen, once linked: its proxies, APIs and sequences
 * as served. Not the mediators, whose run-time state (an aggregate's groups, a throttle's slots) is theirs.
 */
function freezeCompiled(c: CompiledConfig): void {
  const sequences = new Set<Sequence>(c.sequences.values());
  for (const p of [...c.proxies.values(), ...c.apis.flatMap((a) => a.resources)]) {
    for (const s of [p.inSequence, p.outSequence, p.faultSequence, p.target]) if (s) sequences.add(s);
    Object.freeze(p);
  }
  for (const s of sequences) {
    Object.freeze(s.mediators);
    Object.freeze(s);
  }
  for (const a of c.apis) {
    Object.freeze(a.resources);
    Object.freeze(a);
  }
  for (const list of [c.apis, c.endpointLinks, c.storeLinks, c.inlineEndpoints]) Object.freeze(list);
  freezeTable(c.proxies);
  freezeTable(c.sequences);
  Object.freeze(c);
}

/** Compilations whose mediators are linked to a runtime's endpoints already. */
const linked = new WeakSet<CompiledConfig>();

/**
 * The compilation a new runtime links: the check's own, the first time; a fresh one for each further
 * runtime over the same checked configuration (one harness per `moor test` suite), since mediators
 * hold the endpoints they are linked to. Compiling it again finds no problem the check did not.
 */
function unlinkedCompilation(checked: CheckedConfig): CompiledConfig {
  const compiled = linked.has(checked.compiled) ? compile(checked.config).compiled : checked.compiled;
  linked.add(compiled);
  return compiled;
}

function sortErrors(errors: readonly ConfigError[]): ConfigError[] {
  return [...errors].sort((a, b) => a.loc.file.localeCompare(b.loc.file) || a.loc.line - b.loc.line || a.loc.col - b.loc.col);
}
