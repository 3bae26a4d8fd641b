/**
 * `<session>` inside an endpoint: which session dispatcher keys the messages, and how bindings age and
 * fail over.
 *
 * <session type="http|soap|simpleClientSession|header|xpath|class"
 *          [cookie="JSESSIONID"] [mode="learn|insert"] [class="./dispatcher.js"]
 *          [expression="xpath" xmlns:p="…"] [expiry="sliding|absolute"] [onFailure="rebind|fault"]
 *          [secure="true|false"] [sameSite="Lax|Strict|None"] [path="/"]
 *          [choose="auto|balance|hash|hashWhenDegraded"]>
 *   <sessionTimeout>ms</sessionTimeout>?
 *   <header name="p:Local" xmlns:p="…"/>?                 (type="header")
 *   <referenceParameter name="p:Local" xmlns:p="…"/>?     (type="soap")
 * </session>
 */
import { type SourceLoc } from '../errors.ts';
import { type QName, splitPrefixed } from '../xml/names.ts';
import { type ConfigNode } from './node.ts';
import { suggest } from './suggest.ts';

export const SESSION_TYPES = ['http', 'soap', 'simpleClientSession', 'header', 'xpath', 'class'] as const;
export type SessionType = (typeof SESSION_TYPES)[number];

/** Synapse's default session timeout. */
export const DEFAULT_SESSION_TIMEOUT_MS = 120_000;

/**
 * How the member of a new (or moved) session is chosen: by the group's balancing algorithm, by
 * rendezvous hash of the session key (every node picks the same member without the store), by hash
 * only while the session store is degraded, or `auto` (the default): hash when the bindings live in a
 * store shared by several nodes (Redis), balance with the one table of the memory store. The failover
 * report (bench/failover.ts) is the evidence; docs/sessions.md gives it.
 */
export const CHOICES = ['auto', 'balance', 'hash', 'hashWhenDegraded'] as const;
export type Choice = (typeof CHOICES)[number];
export const DEFAULT_CHOICE: Choice = 'auto';

export interface SessionDef {
  readonly type: SessionType;
  readonly loc: SourceLoc;
  readonly timeoutMs: number;
  readonly expiry: 'sliding' | 'absolute';
  readonly onFailure: 'rebind' | 'fault';
  /** How a new session's member is chosen (`choose=`); `chosen`: whether the attribute was written. */
  readonly choose: Choice;
  readonly chosen: boolean;
  /** http: the cookie's name. */
  readonly cookie: string;
  /** http: 'learn' the backend's cookie (default) or 'insert' a signed cookie of the gateway's own. */
  readonly mode: 'learn' | 'insert';
  /** header: the header block; soap: the reference parameter (default axis2:ServiceGroupId). */
  readonly name?: QName;
  /** class: the module path, resolved against the config file's folder. */
  readonly classPath?: string;
  /** xpath: the expression and the prefixes in scope for it. */
  readonly expression?: string;
  readonly namespaces: ReadonlyMap<string, string>;
  /** insert mode: cookie attributes. */
  readonly cookieSecure: boolean;
  readonly cookieSameSite: 'Lax' | 'Strict' | 'None';
  readonly cookiePath: string;
}

/** Parses a `<session>` element; undefined when its type is not known (reported). */
export function parseSession(node: ConfigNode): SessionDef | undefined {
  node.allowAttributes('type', 'cookie', 'mode', 'class', 'expression', 'expiry', 'onFailure', 'secure', 'sameSite', 'path', 'choose');
  node.allowChildren('sessionTimeout', 'header', 'referenceParameter');
  const rawType = node.required('type');
  if (rawType === undefined) return undefined;
  if (!(SESSION_TYPES as readonly string[]).includes(rawType)) {
    const hint = suggest(rawType, SESSION_TYPES);
    node.report('MOOR_ERR_UNKNOWN_SESSION_TYPE', `session type "${rawType}" does not exist; use one of ${SESSION_TYPES.join(', ')}${hint}`);
    return undefined;
  }
  const type = rawType as SessionType;
  const timeout = node.child('sessionTimeout');
  const name = qnameChild(node, type === 'header' ? 'header' : type === 'soap' ? 'referenceParameter' : undefined);
  // a <header> whose name did not resolve was reported at the <header> already
  if (type === 'header' && !node.child('header')) node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<session type="header"> needs a <header name="p:Local" xmlns:p="…"/> child');
  const classPath = node.attr('class');
  if (type === 'class' && !classPath) node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<session type="class"> needs the attribute class');
  const expression = node.attr('expression');
  if (type === 'xpath' && !expression) node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<session type="xpath"> needs the attribute expression');
  const mode = node.oneOf(node.attr('mode'), ['learn', 'insert'] as const, 'mode') ?? 'learn';
  if (mode === 'insert' && type !== 'http') node.report('MOOR_ERR_BAD_VALUE', 'mode="insert" applies to type="http" only');
  return {
    type,
    loc: node.loc,
    timeoutMs: (timeout && timeout.integer(timeout.text, '<sessionTimeout>')) ?? DEFAULT_SESSION_TIMEOUT_MS,
    expiry: node.oneOf(node.attr('expiry'), ['sliding', 'absolute'] as const, 'expiry') ?? 'sliding',
    onFailure: node.oneOf(node.attr('onFailure'), ['rebind', 'fault'] as const, 'onFailure') ?? 'rebind',
    choose: node.oneOf(node.attr('choose'), CHOICES, 'choose') ?? DEFAULT_CHOICE,
    chosen: node.attr('choose') !== undefined,
    cookie: node.attr('cookie') ?? (mode === 'insert' ? 'MOORROUTE' : 'JSESSIONID'),
    mode,
    ...(name ? { name } : {}),
    ...(classPath ? { classPath } : {}),
    ...(expression ? { expression } : {}),
    namespaces: node.scope,
    cookieSecure: (node.oneOf(node.attr('secure'), ['true', 'false'] as const, 'secure') ?? 'false') === 'true',
    cookieSameSite: node.oneOf(node.attr('sameSite'), ['Lax', 'Strict', 'None'] as const, 'sameSite') ?? 'Lax',
    cookiePath: node.attr('path') ?? '/',
  };
}

/** Resolves `<child name="p:Local" xmlns:p="…"/>` to a QName. */
function qnameChild(node: ConfigNode, childName: string | undefined): QName | undefined {
  if (!childName) return undefined;
  const c = node.child(childName);
  if (!c) return undefined;
  c.allowAttributes('name');
  return resolveQName(c, c.required('name'));
}

/** Resolves a prefixed name written in an attribute against the element's namespace scope. */
export function resolveQName(node: ConfigNode, raw: string | undefined): QName | undefined {
  if (raw === undefined) return undefined;
  const { prefix, local } = splitPrefixed(raw.trim());
  if (!prefix) return { uri: '', local };
  const uri = node.scope.get(prefix);
  if (uri === undefined) {
    node.report('MOOR_ERR_BAD_VALUE', `the prefix "${prefix}" in "${raw}" is not declared (add xmlns:${prefix}="…")`);
    return undefined;
  }
  return { uri, local };
}
