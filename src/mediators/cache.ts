/**
 * <cache [collector="true|false"] [timeout="seconds"] [maxMessageSize="bytes"]
 *        [id="name"] [scope="per-host|per-mediator"] [hashGenerator="class"]>   (Synapse's attributes)
 *   <onCacheHit [sequence="key"]> mediators… </onCacheHit>?
 *   <protocol type="HTTP">?
 *     <methods>GET,POST | *</methods>
 *     <headersToExcludeInHash>name,name | *</headersToExcludeInHash>
 *     <headersToIncludeInHash/>                 (accepted empty, as Integration Studio writes it)
 *     <responseCodes>regex</responseCodes>
 *     <enableCacheControl>true|false</enableCacheControl>
 *     <includeAgeHeader>true|false</includeAgeHeader>
 *     <hashGenerator>class</hashGenerator>
 *   </protocol>
 *   <implementation [type="memory"] [maxSize="n"]/>?
 * </cache>
 *
 * WSO2's response cache. A finder (collector="false", the default) hashes the request
 * (cache-digest.ts: MI's HttpRequestHashGenerator by default, DOMHASHGenerator or REQUESTHASHGenerator
 * when named). On a hit it answers with the kept response: the onCacheHit sequence runs with it as the
 * message (its <respond/> sends it), or without one the client gets it at once; the message goes no
 * further. On a miss the message goes on, marked with its hash, and a collector (collector="true") that
 * the response then passes keeps it, if its status matches `responseCodes` (whole match, default any)
 * and it is at most `maxMessageSize` bytes. A collector acts on a response only: in the in sequence,
 * after <call>, mark the message with RESPONSE=true first, as WSO2 requires. The methods a finder
 * caches default to all (`*`); the timeout to 5000 s; the table to 1000 entries (`maxSize`), as in WSO2.
 *
 * Bounds: cache-store.ts (entries, bytes per response, the process's `cacheMaxBytes`). The cache lives
 * in one process, as WSO2's is local to a node: with `--workers` or several nodes each keeps its own;
 * scope="per-mediator" (WSO2's cluster-wide cache) is therefore a warning. type="disk" is refused.
 */
import { type ConfigNode } from '../config/node.ts';
import { MessageBody } from '../message/message-body.ts';
import { type MessageContext } from '../message/context.ts';
import { type DefaultScope } from '../message/property-scopes.ts';
import { type DigestKind, type HeaderExclusion, requestDigest } from './cache-digest.ts';
import { ResponseTable } from './cache-store.ts';
import { type Branch, parseBranch } from './branch.ts';
import { type MediatorDefinition, type Outcome } from './mediator.ts';

/** WSO2's hash generator classes, by the digest moor computes for each. */
const GENERATORS: Readonly<Record<string, DigestKind>> = {
  'org.wso2.carbon.mediator.cache.digest.HttpRequestHashGenerator': 'http',
  'org.wso2.carbon.mediator.cache.digest.DOMHASHGenerator': 'body',
  'org.wso2.caching.digest.DOMHASHGenerator': 'body',
  'org.wso2.carbon.mediator.cache.digest.REQUESTHASHGenerator': 'request',
  'org.wso2.caching.digest.REQUESTHASHGenerator': 'request',
};

/** What a finder leaves on a message it did not answer, for the collector its response passes. */
interface Pending {
  readonly table: ResponseTable;
  readonly key: string;
  readonly timeoutMs: number;
  readonly maxMessageSize: number | undefined;
  readonly responseCodes: RegExp | undefined;
  readonly cacheControl: boolean;
}

/** The finder's mark, by the properties the request and its response share. */
const pending = new WeakMap<DefaultScope, Pending>();

export const cache: MediatorDefinition = {
  name: 'cache',
  parse(node, ctx) {
    node.allowAttributes('collector', 'timeout', 'maxMessageSize', 'id', 'scope', 'hashGenerator', 'description');
    node.allowChildren('onCacheHit', 'protocol', 'implementation', 'description');
    const collector = node.oneOf(node.attr('collector'), ['true', 'false'] as const, 'collector') === 'true';
    if (collector) {
      for (const c of node.children()) if (c.name !== 'description') c.warn('MOOR_WARN_NO_EFFECT', `<${c.name}> on a collector has no effect: the finder's settings apply`);
      for (const a of ['timeout', 'maxMessageSize', 'scope', 'hashGenerator']) if (node.attr(a) !== undefined) node.warn('MOOR_WARN_NO_EFFECT', `${a} on a collector has no effect: the finder's settings apply`);
      return { kind: 'cache', loc: node.loc, mediate: async (msg) => collect(msg) };
    }
    const timeoutS = node.integer(node.attr('timeout'), 'timeout') ?? 5000;
    const maxMessageSize = node.integer(node.attr('maxMessageSize'), 'maxMessageSize');
    if (node.attr('scope') === 'per-mediator') node.warn('MOOR_WARN_DIFFERENT', 'scope="per-mediator" (a cache shared by a WSO2 cluster) is per process in moor: each node and each --workers worker keeps its own');
    else node.oneOf(node.attr('scope'), ['per-host', 'per-mediator'] as const, 'scope');
    const impl = node.child('implementation');
    impl?.allowAttributes('type', 'maxSize');
    if (impl?.attr('type') === 'disk') impl.report('MOOR_ERR_UNSUPPORTED', 'a disk cache (type="disk") is not supported; moor keeps responses in memory');
    else impl?.oneOf(impl.attr('type'), ['memory'] as const, 'type');
    const maxSize = impl?.integer(impl.attr('maxSize'), 'maxSize') ?? 1000;
    const protocol = parseProtocol(node.child('protocol'));
    const generator = protocol.hashGenerator ?? node.attr('hashGenerator');
    const digest = generator === undefined ? 'http' : GENERATORS[generator];
    if (digest === undefined) node.report('MOOR_ERR_UNSUPPORTED', `the hash generator "${generator}" is a Java class moor does not have; it computes ${Object.keys(GENERATORS).join(', ')}`);
    const hitNode = node.child('onCacheHit');
    hitNode?.allowAttributes('sequence');
    const onHit: Branch | undefined = hitNode && parseBranch(hitNode, ctx);
    if (!digest) return undefined;
    // one table per finder, kept for the life of the configuration
    const table = new ResponseTable(Math.max(1, maxSize));
    const settings = { timeoutMs: timeoutS * 1000, maxMessageSize, responseCodes: protocol.responseCodes, cacheControl: protocol.cacheControl };
    return {
      kind: 'cache',
      loc: node.loc,
      async mediate(msg, env): Promise<Outcome> {
        const method = String(msg.axis2.get('HTTP_METHOD') ?? 'POST').toUpperCase();
        if (protocol.methods !== '*' && !protocol.methods.has(method)) return 'continue';
        const key = await requestDigest(msg, digest, protocol.excluded);
        const hit = table.get(key);
        if (!hit) {
          pending.set(msg.properties, { table, key, ...settings });
          return 'continue';
        }
        env.trace('cache:hit');
        const headers = new Map<string, string>();
        if (hit.contentType !== undefined) headers.set('content-type', hit.contentType);
        if (protocol.includeAge) headers.set('age', String(Math.floor((Date.now() - hit.storedAt) / 1000)));
        const answer = msg.derive('response', headers, new MessageBody(hit.body, msg.body.limits, hit.body.length, 'trusted'));
        answer.status = hit.status;
        if (onHit) await onHit(answer, env);
        else await answer.respondToClient();
        return 'stop';
      },
    };
  },
};

/** A collector: keeps the response its finder is waiting for, when it may be kept. */
async function collect(msg: MessageContext): Promise<Outcome> {
  const mark = pending.get(msg.properties);
  // (WSO2's own examples mark it with the STRING "true", as well as the BOOLEAN)
  const marked = msg.properties.response || String(msg.properties.get('RESPONSE') ?? '').toLowerCase() === 'true';
  if (!mark || !(msg.direction === 'response' || marked)) return 'continue';
  pending.delete(msg.properties);
  if (mark.responseCodes && !mark.responseCodes.test(String(msg.status))) return 'continue';
  let timeoutMs = mark.timeoutMs;
  if (mark.cacheControl) {
    const control = String(msg.transport.get('cache-control') ?? '').toLowerCase();
    if (/\bno-store\b|\bno-cache\b/.test(control)) return 'continue';
    const maxAge = /\bmax-age=(\d+)/.exec(control)?.[1];
    if (maxAge !== undefined) timeoutMs = Number(maxAge) * 1000;
  }
  const declared = msg.body.length;
  if (mark.maxMessageSize !== undefined && declared !== undefined && declared > mark.maxMessageSize) return 'continue';
  // the response is read into memory (bounded by maxMessageBytes) and still forwarded from that copy
  const bytes = Buffer.from(await msg.body.readAll());
  if (mark.maxMessageSize !== undefined && bytes.length > mark.maxMessageSize) return 'continue';
  const contentType = msg.transport.get('content-type');
  mark.table.put(mark.key, { status: msg.status, contentType: typeof contentType === 'string' ? contentType : undefined, body: bytes, expiresAt: Date.now() + timeoutMs }, msg.body.limits.cacheMaxBytes);
  return 'continue';
}

interface Protocol {
  readonly methods: '*' | ReadonlySet<string>;
  readonly excluded: HeaderExclusion;
  readonly responseCodes: RegExp | undefined;
  readonly cacheControl: boolean;
  readonly includeAge: boolean;
  readonly hashGenerator: string | undefined;
}

function parseProtocol(node: ConfigNode | undefined): Protocol {
  if (!node) return { methods: '*', excluded: 'none', responseCodes: undefined, cacheControl: false, includeAge: false, hashGenerator: undefined };
  node.allowAttributes('type');
  node.allowChildren('methods', 'headersToExcludeInHash', 'headersToIncludeInHash', 'responseCodes', 'enableCacheControl', 'includeAgeHeader', 'hashGenerator');
  const type = node.attr('type');
  if (type !== undefined && type.toUpperCase() !== 'HTTP') node.report('MOOR_ERR_UNSUPPORTED', `<protocol type="${type}">: moor caches HTTP only`);
  const list = (name: string): string[] =>
    (node.child(name)?.text ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const include = node.child('headersToIncludeInHash');
  if (include && include.text.trim() !== '') include.report('MOOR_ERR_UNSUPPORTED', '<headersToIncludeInHash> with names is not supported; list the headers to leave out in <headersToExcludeInHash>');
  const methods = list('methods').map((m) => m.toUpperCase());
  const excluded = list('headersToExcludeInHash').map((h) => h.toLowerCase());
  const codes = node.child('responseCodes');
  const flag = (name: string): boolean => {
    const c = node.child(name);
    return c ? c.oneOf(c.text.trim(), ['true', 'false'] as const, `<${name}>`) === 'true' : false;
  };
  return {
    methods: methods.length === 0 || methods.includes('*') ? '*' : new Set(methods),
    excluded: excluded.includes('*') ? 'all' : excluded.length ? new Set(excluded) : 'none',
    responseCodes: codes && codes.text.trim() !== '' ? codes.regex(codes.text.trim(), '<responseCodes>', '', true) : undefined,
    cacheControl: flag('enableCacheControl'),
    includeAge: flag('includeAgeHeader'),
    hashGenerator: node.child('hashGenerator')?.text.trim() || undefined,
  };
}
