/**
 * The session-store variants of `npm run bench`: moor with the Redis store (a redis-server started for
 * the run on a free loopback port, without persistence) and moor with `--workers 2` (the memory store's
 * table in the primary, reached over IPC), and moor with a replicated Redis (a primary and a replica)
 * in plain and in durable mode (`?durable=1`: each new binding confirmed by WAIT 1). Each is reported
 * as a ratio of plain moor — in-memory store, one process — measured in the same interleaved rounds.
 * Target: the Redis store at ≥ 0.7× of memory. The durable pair is also what the new-sessions part of
 * run.ts measures, where every request makes a binding.
 */
import { type RedisServer, startRedis } from '../test/helpers/redis.ts';
import { type ReplicaPair, startReplicaPair } from '../test/helpers/redis-replica.ts';
import { median } from './stats.ts';

/** The shape of run.ts's variants, kept structural so this file stands on its own. */
interface VariantLike<S> {
  readonly name: string;
  /** Measured for throughput only (the big-envelope memory runs are about the proxy, not the store). */
  readonly throughputOnly?: true;
  start(backends: readonly S[], configDir: string): Promise<S>;
}

/** The name of the reference variant in run.ts (in-memory store, one process). */
export const REFERENCE = 'moor';
/** The Redis store should keep at least this fraction of the memory store's throughput. */
export const REDIS_TARGET = 0.7;

let redis: Promise<RedisServer> | undefined;
let pair: Promise<ReplicaPair & { close(): Promise<void> }> | undefined;

/** The replicated variants: plain and durable, on one primary+replica pair (each with its own key prefix). */
export const REPLICATED = 'moor + redis replicated';
export const DURABLE = 'moor + redis durable';

/**
 * The variants, built with run.ts's `moor(name, args)`. The Redis server starts when the Redis variant
 * starts; `stopSessionVariants` stops it.
 */
export function sessionVariants<S>(moor: (name: string, args?: string[]) => VariantLike<S>): VariantLike<S>[] {
  const workers = moor('moor --workers 2', ['--workers', '2']);
  return [
    {
      name: 'moor + redis',
      throughputOnly: true,
      async start(backends, configDir) {
        redis ??= startRedis();
        const r = await redis;
        return moor('moor + redis', ['--store', `${r.url}/0`]).start(backends, configDir);
      },
    },
    { name: workers.name, throughputOnly: true, start: (backends, configDir) => workers.start(backends, configDir) },
    ...[REPLICATED, DURABLE].map((name): VariantLike<S> => ({
      name,
      throughputOnly: true,
      async start(backends, configDir) {
        pair ??= startReplicaPair();
        const p = await pair;
        const query = name === DURABLE ? '?prefix=durable:&durable=1' : '?prefix=plain:';
        return moor(name, ['--store', `${p.primary.url}/0${query}`]).start(backends, configDir);
      },
    })),
  ];
}

/** Stops the Redis server of the run, if one was started. */
export async function stopSessionVariants(): Promise<void> {
  if (redis) await (await redis).stop();
  if (pair) await (await pair).close();
}

/**
 * Markdown lines: each session variant's throughput as a ratio of the reference's in the same rounds
 * (median of the per-round ratios, and each round's).
 */
export function sessionRatios(results: ReadonlyMap<string, readonly { rps: number }[]>): string[] {
  const ref = results.get(REFERENCE);
  if (!ref) return [];
  const lines = ['', `| session variant | req/s (median) | × ${REFERENCE} in-memory, one process (median of per-round ratios) | target |`, '| --- | ---: | ---: | --- |'];
  for (const [name, rs] of results) {
    if (name === REFERENCE || !name.startsWith(`${REFERENCE} `)) continue;
    const ratios = rs.map((x, i) => x.rps / ref[i]!.rps);
    const m = median(ratios);
    const target = name.includes('redis') ? `≥ ${REDIS_TARGET} ${m >= REDIS_TARGET ? 'met' : 'NOT met'}` : '—';
    lines.push(`| ${name} | ${median(rs.map((x) => x.rps)).toFixed(0)} | ${m.toFixed(3)} (${ratios.map((x) => x.toFixed(2)).join(', ')}) | ${target} |`);
  }
  return lines;
}
