/**
 * `<messageStore>` and `<messageProcessor>`: where `<store>` keeps messages, and what takes them out.
 *
 * <messageStore name="S" [class="org.apache.synapse.message.store.impl.memory.InMemoryStore"]
 *               [moor:maxMessages="10000"] [moor:maxBytes="67108864"]>   (xmlns:moor="urn:moor:config")
 *   <parameter name="…">…</parameter>*                               (none is read by the in-memory store)
 * </messageStore>
 * <messageStore name="S" class="moor.RedisMessageStore" [moor:maxMessages] [moor:maxBytes]>
 *   <parameter name="redis.url">redis://…</parameter>       (a --store URL; without it, the gateway's --store Redis)
 *   <parameter name="redis.prefix">moor:store:</parameter>   (the keys' prefix; the store's keys are <prefix>{S}:…)
 *   <parameter name="redis.leaseMs">30000</parameter>        (how long a dead node's forwarding turn outlives it)
 * </messageStore>
 * <messageProcessor name="P" messageStore="S" [targetEndpoint="E"]
 *     class="org.apache.synapse.message.processor.impl.forwarder.ScheduledMessageForwardingProcessor
 *          | org.apache.synapse.message.processor.impl.sampler.SamplingProcessor">
 *   <parameter name="interval">ms</parameter>                       (both; 1000)
 *   <parameter name="is.active">true|false</parameter>              (both; true)
 *   forwarding: max.delivery.attempts (4), client.retry.interval | retry.interval (ms, 1000),
 *               max.delivery.drop (Disabled|Enabled), target.endpoint (instead of targetEndpoint=;
 *               without either, each message's target.endpoint property names the endpoint, as in
 *               Apache Synapse, whose max.deliver.attempts and max.deliver.drop=true|false are read too),
 *               message.processor.reply.sequence, message.processor.fault.sequence,
 *               non.retry.status.codes (e.g. 400,404)
 *   sampling:   sequence (required), concurrency (messages per interval, 1)
 * </messageProcessor>
 *
 * The in-memory store and moor's own Redis store (WSO2 has no Redis store class, so the class is moor's:
 * several nodes share one queue; server/redis-message-store.ts) are run: JMS, RabbitMQ, JDBC and other
 * store classes are refused, as are the failover forwarding processor, cron schedules and a
 * fail-messages store. Parameters that only
 * tune WSO2's store connections or clustering are accepted without effect. What a store or processor
 * names (a store, an endpoint, a sequence) is checked by the compiler.
 */
import { type SourceLoc } from '../errors.ts';
import { type ConfigNode } from './node.ts';

export const IN_MEMORY_STORE = 'org.apache.synapse.message.store.impl.memory.InMemoryStore';
export const REDIS_STORE = 'moor.RedisMessageStore';
export const FORWARDING_PROCESSOR = 'org.apache.synapse.message.processor.impl.forwarder.ScheduledMessageForwardingProcessor';
export const SAMPLING_PROCESSOR = 'org.apache.synapse.message.processor.impl.sampler.SamplingProcessor';
/** Apache Synapse's names of the same two classes (its samples 701-705). */
const SYNAPSE_FORWARDING = 'org.apache.synapse.message.processors.forward.ScheduledMessageForwardingProcessor';
const SYNAPSE_SAMPLING = 'org.apache.synapse.message.processors.sampler.SamplingProcessor';

/** The defaults of a store's bounds (docs/configuration.md, Message stores). */
export const STORE_DEFAULTS = Object.freeze({ maxMessages: 10_000, maxBytes: 64 * 1024 * 1024 });
/** The defaults of a Redis store's parameters. */
export const REDIS_STORE_DEFAULTS = Object.freeze({ prefix: 'moor:store:', leaseMs: 30_000 });
const REDIS_PARAMS = ['redis.url', 'redis.prefix', 'redis.leaseMs'];

/** Where a `moor.RedisMessageStore` keeps its messages. */
export interface RedisStoreDef {
  /** The `redis.url` parameter (a `--store` URL, checked when the runtime is built); undefined: the gateway's `--store`. */
  readonly url: { readonly text: string; readonly loc: SourceLoc } | undefined;
  readonly prefix: string;
  /** How long a forwarding turn lasts without being renewed (a node that died holding it is waited for that long). */
  readonly leaseMs: number;
}

export interface MessageStoreDef {
  readonly kind: 'messageStore';
  readonly name: string;
  readonly loc: SourceLoc;
  readonly maxMessages: number;
  readonly maxBytes: number;
  /** Set for `moor.RedisMessageStore`; undefined for the in-memory store. */
  readonly redis?: RedisStoreDef | undefined;
}

interface ProcessorBase {
  readonly kind: 'messageProcessor';
  readonly name: string;
  readonly loc: SourceLoc;
  readonly store: { readonly name: string; readonly loc: SourceLoc };
  readonly intervalMs: number;
  readonly active: boolean;
}

export interface ForwardingProcessorDef extends ProcessorBase {
  readonly type: 'forward';
  /** The named endpoint; undefined: each message's `target.endpoint` property names it (Apache Synapse's way). */
  readonly endpoint: { readonly name: string; readonly loc: SourceLoc } | undefined;
  readonly maxAttempts: number;
  readonly retryMs: number;
  /** After the last attempt: drop the message and go on (Enabled), or deactivate the processor (Disabled, WSO2's default). */
  readonly dropAfterMax: boolean;
  readonly replySequence: { readonly name: string; readonly loc: SourceLoc } | undefined;
  readonly faultSequence: { readonly name: string; readonly loc: SourceLoc } | undefined;
  /** HTTP statuses that end the delivery without a retry (the message goes to the fault sequence and is removed). */
  readonly nonRetryStatuses: ReadonlySet<number>;
}

export interface SamplingProcessorDef extends ProcessorBase {
  readonly type: 'sample';
  readonly sequence: { readonly name: string; readonly loc: SourceLoc };
  readonly concurrency: number;
}

export type MessageProcessorDef = ForwardingProcessorDef | SamplingProcessorDef;

/** Parses `<messageStore>`. */
export function parseMessageStore(node: ConfigNode): MessageStoreDef | undefined {
  node.allowAttributes('name', 'class', 'description');
  node.allowChildren('parameter', 'description');
  const name = node.required('name');
  const cls = node.attr('class');
  if (cls !== undefined && cls !== IN_MEMORY_STORE && cls !== REDIS_STORE) {
    node.report('MOOR_ERR_UNSUPPORTED', `message store class "${cls}": moor keeps messages in memory (${IN_MEMORY_STORE}, the default) or in Redis (${REDIS_STORE}); JMS, RabbitMQ and JDBC stores are not supported`);
    return undefined;
  }
  const redis = cls === REDIS_STORE ? redisParameters(node) : undefined;
  if (redis === null) return undefined;
  const bound = (attr: string, fallback: number): number | undefined => {
    const text = node.moorAttr(attr);
    const n = node.integer(text, `moor:${attr}`);
    if (text === undefined) return fallback;
    if (n !== undefined && n < 1) node.report('MOOR_ERR_BAD_VALUE', `moor:${attr} must be 1 or more`);
    return n !== undefined && n >= 1 ? n : undefined;
  };
  const maxMessages = bound('maxMessages', STORE_DEFAULTS.maxMessages);
  const maxBytes = bound('maxBytes', STORE_DEFAULTS.maxBytes);
  if (name === undefined || maxMessages === undefined || maxBytes === undefined) return undefined;
  return { kind: 'messageStore', name, loc: node.loc, maxMessages, maxBytes, ...(redis ? { redis } : {}) };
}

/** A Redis store's parameters; null when one is wrong (reported). */
function redisParameters(node: ConfigNode): RedisStoreDef | null {
  let ok = true;
  const params = new Map<string, ConfigNode>();
  for (const p of node.children().filter((c) => c.name === 'parameter')) {
    p.allowAttributes('name');
    const pname = p.required('name');
    if (pname === undefined) ok = false;
    else if (!REDIS_PARAMS.includes(pname)) {
      p.oneOf(pname, REDIS_PARAMS, `a ${REDIS_STORE}'s <parameter name>`);
      ok = false;
    } else params.set(pname, p);
  }
  const url = params.get('redis.url');
  const prefix = params.get('redis.prefix')?.text.trim() ?? REDIS_STORE_DEFAULTS.prefix;
  const leaseParam = params.get('redis.leaseMs');
  const leaseMs = leaseParam ? leaseParam.integer(leaseParam.text.trim(), '<parameter name="redis.leaseMs">') : REDIS_STORE_DEFAULTS.leaseMs;
  if (leaseParam && leaseMs !== undefined && leaseMs < 100) leaseParam.report('MOOR_ERR_BAD_VALUE', '<parameter name="redis.leaseMs"> must be 100 or more');
  if (url && url.text.trim() === '') {
    url.report('MOOR_ERR_BAD_VALUE', '<parameter name="redis.url"> is empty: give a Redis URL, or leave the parameter out to use the gateway\'s --store');
    ok = false;
  }
  if (!ok || leaseMs === undefined || leaseMs < 100) return null;
  return { url: url ? { text: url.text.trim(), loc: url.loc } : undefined, prefix, leaseMs };
}

/** Parameters read by each processor; others WSO2 knows are accepted without effect. */
const FORWARDING = ['interval', 'is.active', 'max.delivery.attempts', 'max.deliver.attempts', 'max.deliver.drop', 'client.retry.interval', 'retry.interval', 'max.delivery.drop', 'target.endpoint', 'message.processor.reply.sequence', 'message.processor.fault.sequence', 'non.retry.status.codes'];
const SAMPLING = ['interval', 'is.active', 'sequence', 'concurrency'];
const NO_EFFECT = ['member.count', 'store.connection.retry.interval', 'max.store.connection.attempts', 'quartz.conf', 'throttle', 'throttle.interval', 'bind.connection.factory', 'message.processor.deactivate.sequence'];
const REFUSED: Record<string, string> = {
  cronExpression: 'cron schedules are not supported: use interval (ms)',
  'message.processor.failMessagesStore': 'a store for the messages that failed is not supported: use max.delivery.drop or message.processor.fault.sequence',
  'store.failover.message.store.name': 'failover stores are not supported',
};

/** Parses `<messageProcessor>`. */
export function parseMessageProcessor(node: ConfigNode): MessageProcessorDef | undefined {
  node.allowAttributes('name', 'class', 'messageStore', 'targetEndpoint', 'description');
  node.allowChildren('parameter', 'description');
  const name = node.required('name');
  const cls = node.required('class');
  const storeName = node.required('messageStore');
  if (cls === undefined) return undefined;
  const type = cls === FORWARDING_PROCESSOR || cls === SYNAPSE_FORWARDING ? 'forward' : cls === SAMPLING_PROCESSOR || cls === SYNAPSE_SAMPLING ? 'sample' : undefined;
  if (!type) {
    node.report('MOOR_ERR_UNSUPPORTED', `message processor class "${cls}": moor runs ${FORWARDING_PROCESSOR} and ${SAMPLING_PROCESSOR}`);
    return undefined;
  }
  let ok = name !== undefined && storeName !== undefined;
  const params = new Map<string, ConfigNode>();
  for (const p of node.children().filter((c) => c.name === 'parameter')) {
    p.allowAttributes('name');
    const pname = p.required('name');
    if (pname === undefined) continue;
    const known = type === 'forward' ? FORWARDING : SAMPLING;
    if (REFUSED[pname]) {
      p.report('MOOR_ERR_UNSUPPORTED', `<parameter name="${pname}">: ${REFUSED[pname]}`);
      ok = false;
    } else if (NO_EFFECT.includes(pname)) p.warn('MOOR_WARN_NO_EFFECT', `<parameter name="${pname}"> has no effect in moor`);
    else if (!known.includes(pname)) {
      p.oneOf(pname, known, `a ${type === 'forward' ? 'forwarding' : 'sampling'} processor's <parameter name>`);
      ok = false;
    } else params.set(pname, p);
  }
  const text = (k: string): string | undefined => params.get(k)?.text;
  const int = (k: string, fallback: number, min: number): number | undefined => {
    const p = params.get(k);
    if (!p) return fallback;
    const v = p.text.trim() === '-1' && k.startsWith('max.deliver') ? Number.POSITIVE_INFINITY : p.integer(p.text, `<parameter name="${k}">`);
    if (v !== undefined && v < min) p.report('MOOR_ERR_BAD_VALUE', `<parameter name="${k}"> must be ${min} or more`);
    if (v === undefined || v < min) ok = false;
    return v;
  };
  const named = (k: string): { name: string; loc: SourceLoc } | undefined => {
    const p = params.get(k);
    return p && p.text !== '' ? { name: p.text, loc: p.loc } : undefined;
  };
  const intervalMs = int('interval', 1000, 1);
  const active = params.get('is.active')?.oneOf(text('is.active')?.toLowerCase(), ['true', 'false'], 'is.active') !== 'false';
  const base = { kind: 'messageProcessor' as const, name: name!, loc: node.loc, store: { name: storeName!, loc: node.loc }, intervalMs: intervalMs!, active };
  if (type === 'sample') {
    if (node.attr('targetEndpoint') !== undefined) node.warn('MOOR_WARN_NO_EFFECT', 'targetEndpoint= has no effect on a sampling processor: it hands messages to its sequence');
    const sequence = named('sequence');
    if (!sequence) {
      node.report('MOOR_ERR_MISSING_ATTRIBUTE', 'a sampling processor needs <parameter name="sequence">');
      ok = false;
    }
    const concurrency = int('concurrency', 1, 1);
    return ok ? { ...base, type, sequence: sequence!, concurrency: concurrency! } : undefined;
  }
  const endpointAttr = node.attr('targetEndpoint');
  const endpoint = endpointAttr !== undefined ? { name: endpointAttr, loc: node.loc } : named('target.endpoint');
  const maxAttempts = params.has('max.deliver.attempts') ? int('max.deliver.attempts', 4, 1) : int('max.delivery.attempts', 4, 1);
  const retryMs = params.has('client.retry.interval') ? int('client.retry.interval', 1000, 0) : int('retry.interval', 1000, 0);
  const drop = params.has('max.deliver.drop')
    ? params.get('max.deliver.drop')!.oneOf(text('max.deliver.drop'), ['true', 'false'], 'max.deliver.drop') === 'true' ? 'Enabled' : 'Disabled'
    : params.get('max.delivery.drop')?.oneOf(text('max.delivery.drop'), ['Disabled', 'Enabled'], 'max.delivery.drop');
  const statuses = new Set<number>();
  for (const s of (text('non.retry.status.codes') ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    if (/^[1-5]\d\d$/.test(s)) statuses.add(Number(s));
    else {
      params.get('non.retry.status.codes')!.report('MOOR_ERR_BAD_VALUE', `non.retry.status.codes: "${s}" is not an HTTP status`);
      ok = false;
    }
  }
  if (!ok) return undefined;
  return {
    ...base,
    type,
    endpoint,
    maxAttempts: maxAttempts!,
    retryMs: retryMs!,
    dropAfterMax: drop === 'Enabled',
    replySequence: named('message.processor.reply.sequence'),
    faultSequence: named('message.processor.fault.sequence'),
    nonRetryStatuses: statuses,
  };
}
