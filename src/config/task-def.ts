/**
 * `<task>`: a scheduled task, as WSO2's MessageInjector runs it (the only task class moor runs), and
 * `<taskManager>`, whose provider boilerplate is accepted and changes nothing.
 *
 * <task name="N" class="org.apache.synapse.startup.tasks.MessageInjector" [group="…"] [pinnedServers="…"]>
 *   <description>…</description>?
 *   <trigger interval="SECONDS" [count="N"]/> | <trigger once="true"/> | <trigger cron="Quartz expression"/>
 *   <property name="message"> one XML element </property>     the payload (or registryKey)
 *   <property name="registryKey" value="key"/>                  the payload from a local entry or registry key
 *   <property name="to" value="http://…"/>                      the WS-Addressing To of the message
 *   <property name="soapAction" value="urn:…"/>
 *   <property name="format" value="soap11|soap12"/>             pox and get refused
 *   <property name="injectTo" value="main|sequence|proxy"/>     main by default
 *   <property name="sequenceName" value="S"/>                   with injectTo="sequence"
 *   <property name="proxyName" value="P"/>                      with injectTo="proxy"
 * </task>
 * <taskManager provider="…"> <parameter name="…">…</parameter>* </taskManager>
 *
 * A trigger fires first when the task starts (as Quartz's simple trigger starts now), then every
 * `interval` seconds; `count` is the number of runs in all (-1: no end), `once="true"` one run. A cron
 * trigger fires at the times its Quartz expression gives (config/quartz-cron.ts: seconds, ?, L, W, #,
 * years; what moor's scheduler cannot read is refused at the <trigger>), not when the task starts, as
 * Quartz's cron trigger; count= has no effect on it. What the properties name (a sequence, a proxy, a
 * key) is checked by the compiler, which knows them all.
 */
import { type SourceLoc } from '../errors.ts';
import { NS } from '../xml/names.ts';
import { serialize } from '../xml/serialize.ts';
import { type ConfigNode } from './node.ts';
import { quartzPattern } from './quartz-cron.ts';

/** Synapse's and WSO2's spelling of the one task class moor runs. */
export const MESSAGE_INJECTOR = 'org.apache.synapse.startup.tasks.MessageInjector';

/** Where a task's message goes. */
export type InjectTarget =
  | { readonly kind: 'main' }
  | { readonly kind: 'sequence'; readonly name: string; readonly loc: SourceLoc }
  | { readonly kind: 'proxy'; readonly name: string; readonly loc: SourceLoc };

/** The payload: XML written in the task, or a key whose value is the XML (checked by the compiler). */
export type TaskPayload = { readonly kind: 'inline'; readonly xml: string } | { readonly kind: 'key'; readonly key: string; readonly loc: SourceLoc };

export interface TaskDef {
  readonly kind: 'task';
  readonly name: string;
  readonly loc: SourceLoc;
  /** Milliseconds between runs (an interval trigger). */
  readonly intervalMs: number;
  /** A cron trigger: croner's pattern for its Quartz expression (quartz-cron.ts); intervalMs is then unused. */
  readonly cron?: string | undefined;
  /** Runs in all; undefined: no end. */
  readonly count: number | undefined;
  readonly payload: TaskPayload;
  readonly to: string | undefined;
  readonly soapAction: string | undefined;
  /** The envelope's SOAP version; undefined: as WSO2 makes it (1.1, or 1.2 for a proxy). */
  readonly format: 'soap11' | 'soap12' | undefined;
  readonly target: InjectTarget;
}

const PROPERTIES = ['message', 'registryKey', 'to', 'soapAction', 'format', 'injectTo', 'sequenceName', 'proxyName'];

/** Parses `<task>`; undefined (with every problem reported) when it cannot run. */
export function parseTask(node: ConfigNode): TaskDef | undefined {
  node.allowAttributes('name', 'class', 'group', 'pinnedServers', 'description');
  node.allowChildren('trigger', 'property', 'description');
  const name = node.required('name');
  const cls = node.required('class');
  if (cls === undefined) return undefined;
  let ok = name !== undefined;
  if (cls !== undefined && cls !== MESSAGE_INJECTOR) {
    // (the properties are that class's own: not checked against MessageInjector's)
    node.report('MOOR_ERR_UNSUPPORTED', `task class "${cls}": moor runs only ${MESSAGE_INJECTOR} (a Java task class cannot run in moor)`);
    return undefined;
  }
  if (node.attr('pinnedServers') !== undefined) node.warn('MOOR_WARN_NO_EFFECT', 'pinnedServers= has no effect: moor runs a task on every gateway whose configuration holds it (docs/configuration.md, <task>)');
  const trigger = parseTrigger(node);
  const props = new Map<string, ConfigNode>();
  for (const p of node.children().filter((c) => c.name === 'property')) {
    p.allowAttributes('name', 'value');
    const pname = p.required('name');
    if (pname === undefined) continue;
    if (!PROPERTIES.includes(pname)) {
      // (WSO2 sets each property through a setter of the task class: it has none of another name)
      p.oneOf(pname, PROPERTIES, `a MessageInjector <property name>`);
      ok = false;
    } else if (props.has(pname)) {
      p.report('MOOR_ERR_DUPLICATE_NAME', `the task property "${pname}" is already set at line ${props.get(pname)!.loc.line}`);
    } else props.set(pname, p);
  }
  const value = (k: string): string | undefined => {
    const p = props.get(k);
    if (!p) return undefined;
    const v = p.attr('value');
    if (v === undefined) p.report('MOOR_ERR_MISSING_ATTRIBUTE', `<property name="${k}"> needs value=`);
    return v;
  };
  const payload = parsePayload(node, props.get('message'), props.get('registryKey'));
  const format = parseFormat(props.get('format'), value('format'));
  const target = parseTarget(node, props, value);
  const to = value('to');
  const soapAction = value('soapAction');
  if (!ok || !trigger || !payload || format === null || !target) return undefined;
  return { kind: 'task', name: name!, loc: node.loc, ...trigger, payload, to, soapAction, format, target };
}

/** Accepts `<taskManager>`: its provider and parameters configure Quartz in WSO2, and nothing in moor. */
export function parseTaskManager(node: ConfigNode): void {
  node.allowAttributes('provider');
  node.allowChildren('parameter');
  for (const p of node.children()) p.allowAttributes('name');
}

function parseTrigger(task: ConfigNode): { intervalMs: number; count: number | undefined; cron?: string } | undefined {
  const triggers = task.children().filter((c) => c.name === 'trigger');
  const trigger = triggers[0];
  if (!trigger) {
    task.report('MOOR_ERR_MISSING_ATTRIBUTE', `<task name="${task.attr('name') ?? ''}"> needs a <trigger interval="seconds"/>`);
    return undefined;
  }
  for (const extra of triggers.slice(1)) extra.report('MOOR_ERR_BAD_VALUE', 'a task has one <trigger>');
  trigger.allowAttributes('interval', 'count', 'once', 'cron');
  const cron = trigger.attr('cron');
  if (cron !== undefined) {
    for (const other of ['interval', 'once']) {
      if (trigger.attr(other) !== undefined) trigger.report('MOOR_ERR_BAD_VALUE', `a trigger has cron= or ${other}=, not both`);
    }
    // (Quartz's cron trigger has no repeat count, and WSO2 passes none to it)
    if (trigger.attr('count') !== undefined) trigger.warn('MOOR_WARN_NO_EFFECT', 'count= has no effect with cron=: the task runs at every time the expression gives');
    const read = quartzPattern(cron);
    if ('error' in read) {
      trigger.report(read.unsupported ? 'MOOR_ERR_UNSUPPORTED' : 'MOOR_ERR_BAD_VALUE', `cron="${cron}": ${read.error}`);
      return undefined;
    }
    return { intervalMs: 0, count: undefined, cron: read.pattern };
  }
  const once = trigger.oneOf(trigger.attr('once'), ['true', 'false'], 'once=');
  const intervalText = trigger.attr('interval');
  const interval = trigger.integer(intervalText, 'interval= (seconds)');
  if (once === 'true') {
    if (trigger.attr('count') !== undefined) trigger.report('MOOR_ERR_BAD_VALUE', 'once="true" runs the task once: count= cannot be given too');
    // (a single run needs no interval; one given is not used)
    return { intervalMs: (interval ?? 1) * 1000, count: 1 };
  }
  if (intervalText === undefined) {
    trigger.report('MOOR_ERR_MISSING_ATTRIBUTE', '<trigger> needs interval="seconds" (or once="true")');
    return undefined;
  }
  if (interval === undefined) return undefined;
  if (interval < 1) {
    trigger.report('MOOR_ERR_BAD_VALUE', 'interval= must be 1 second or more');
    return undefined;
  }
  const countText = trigger.attr('count');
  if (countText === undefined || countText.trim() === '-1') return { intervalMs: interval * 1000, count: undefined };
  const count = trigger.integer(countText, 'count= (runs, or -1 for no end)');
  if (count === undefined) return undefined;
  if (count < 1) {
    trigger.report('MOOR_ERR_BAD_VALUE', 'count= must be 1 or more (or -1 for no end)');
    return undefined;
  }
  return { intervalMs: interval * 1000, count };
}

function parsePayload(task: ConfigNode, message: ConfigNode | undefined, registryKey: ConfigNode | undefined): TaskPayload | undefined {
  if (message && registryKey) {
    registryKey.report('MOOR_ERR_BAD_VALUE', 'a task takes its message from message or from registryKey, not both');
    return undefined;
  }
  if (registryKey) {
    const key = registryKey.attr('value');
    if (key === undefined) registryKey.report('MOOR_ERR_MISSING_ATTRIBUTE', '<property name="registryKey"> needs value=');
    return key === undefined ? undefined : { kind: 'key', key, loc: registryKey.loc };
  }
  if (!message) {
    task.report('MOOR_ERR_MISSING_ATTRIBUTE', `<task name="${task.attr('name') ?? ''}"> needs its message: <property name="message"> with one XML element (or name="registryKey")`);
    return undefined;
  }
  const elements = message.children();
  if (message.attr('value') !== undefined || elements.length !== 1) {
    message.report('MOOR_ERR_BAD_VALUE', `<property name="message"> holds the message as one XML element written inside it${elements.length > 1 ? `, not ${elements.length}` : ''}`);
    return undefined;
  }
  return { kind: 'inline', xml: serialize(elements[0]!.el, new Map([['xml', NS.xml]])) };
}

/** The format; null when it was refused. */
function parseFormat(node: ConfigNode | undefined, value: string | undefined): TaskDef['format'] | null {
  if (!node || value === undefined) return undefined;
  const v = value.toLowerCase();
  if (v === 'soap11' || v === 'soap12') return v;
  if (v === 'pox' || v === 'get') {
    node.report('MOOR_ERR_UNSUPPORTED', `format "${value}": moor's tasks inject SOAP messages (soap11 or soap12)`);
    return null;
  }
  node.oneOf(value, ['soap11', 'soap12'], 'format');
  return null;
}

function parseTarget(task: ConfigNode, props: ReadonlyMap<string, ConfigNode>, value: (k: string) => string | undefined): InjectTarget | undefined {
  const injectTo = props.get('injectTo');
  const raw = value('injectTo');
  const kind = raw === undefined ? 'main' : injectTo!.oneOf(raw.toLowerCase(), ['main', 'sequence', 'proxy'] as const, 'injectTo');
  if (kind === undefined) return undefined;
  const sequence = props.get('sequenceName');
  const proxy = props.get('proxyName');
  const unused = (p: ConfigNode | undefined, what: string): void => {
    p?.warn('MOOR_WARN_NO_EFFECT', `${what} has no effect without <property name="injectTo" value="${what === 'sequenceName' ? 'sequence' : 'proxy'}"/>`);
  };
  if (kind === 'main') {
    unused(sequence, 'sequenceName');
    unused(proxy, 'proxyName');
    return { kind };
  }
  const named = kind === 'sequence' ? sequence : proxy;
  unused(kind === 'sequence' ? proxy : sequence, kind === 'sequence' ? 'proxyName' : 'sequenceName');
  const name = value(kind === 'sequence' ? 'sequenceName' : 'proxyName');
  if (!named) task.report('MOOR_ERR_MISSING_ATTRIBUTE', `injectTo="${kind}" needs <property name="${kind === 'sequence' ? 'sequenceName' : 'proxyName'}" value="…"/>`);
  if (!named || name === undefined) return undefined;
  return { kind, name, loc: named.loc };
}
