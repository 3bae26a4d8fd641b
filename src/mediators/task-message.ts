/**
 * A `<task>` compiled: what it names checked against the whole configuration (the sequence, the proxy,
 * the main sequence, the registry key of its message), and the message it injects written once, as
 * WSO2's MessageInjector makes it: the payload in the Body of a SOAP 1.1 envelope (1.2 when injected
 * into a proxy without format=, as WSO2 does), its `to` as a WS-Addressing To header (which `<send/>`
 * follows), its soapAction as SOAPAction (1.1) or the action of the content type (1.2). Scheduling is
 * the gateway's (server/tasks.ts).
 */
import { type TaskDef } from '../config/task-def.ts';
import { type Config } from '../config/load.ts';
import { entryText } from '../config/local-entry.ts';
import { type Diagnostics } from '../config/node.ts';
import { suggest } from '../config/suggest.ts';
import { parseDom } from '../xml/dom.ts';
import { NS } from '../xml/names.ts';
import { escapeText } from '../xml/serialize.ts';
import { type SoapVersion } from '../xml/soap.ts';
import { childNodes } from './dom.ts';

/** A task ready to run: its definition and the message each run injects. */
export interface CompiledTask {
  readonly def: TaskDef;
  readonly version: SoapVersion;
  /** The envelope each run sends, as bytes are made from it. */
  readonly envelope: string;
  /** Transport headers of the injected request (lower-case names). */
  readonly headers: ReadonlyMap<string, string>;
}

/** Compiles every task of `config`; what they name that does not exist is reported at the property naming it. */
export function compileTasks(config: Config, diag: Diagnostics): CompiledTask[] {
  const out: CompiledTask[] = [];
  for (const def of config.tasks.values()) {
    const t = def.target;
    if (t.kind === 'sequence' && !config.sequences.has(t.name) && !config.refused.has(t.name)) {
      diag.report('MOOR_ERR_UNRESOLVED_KEY', t.loc, `task "${def.name}": no sequence named "${t.name}"${suggest(t.name, [...config.sequences.keys()])}`);
    } else if (t.kind === 'proxy' && !config.proxies.has(t.name) && !config.refused.has(t.name)) {
      diag.report('MOOR_ERR_UNRESOLVED_KEY', t.loc, `task "${def.name}": no proxy named "${t.name}"${suggest(t.name, [...config.proxies.keys()])}`);
    } else if (t.kind === 'main' && !config.sequences.has('main')) {
      diag.report('MOOR_ERR_UNRESOLVED_KEY', def.loc, `task "${def.name}" injects into the main sequence, and there is none (or inject elsewhere: <property name="injectTo" value="sequence|proxy"/>)`);
    }
    const payload = payloadOf(config, def, diag);
    if (payload === undefined) continue;
    const version: SoapVersion = def.format === 'soap12' || (def.format === undefined && t.kind === 'proxy') ? '1.2' : '1.1';
    out.push({ def, version, envelope: envelopeOf(version, payload, def.to), headers: headersOf(version, def.soapAction) });
  }
  return out;
}

/** The payload's XML: written in the task, or the value of its registryKey (which must be one XML element). */
function payloadOf(config: Config, def: TaskDef, diag: Diagnostics): string | undefined {
  const p = def.payload;
  if (p.kind === 'inline') return p.xml;
  const value = config.localEntries.get(p.key)?.value ?? config.resources.get(p.key)?.value;
  if (!value) {
    if (!config.refused.has(p.key)) diag.report('MOOR_ERR_UNRESOLVED_KEY', p.loc, `task "${def.name}": registryKey "${p.key}" names no local entry${suggest(p.key, [...config.localEntries.keys()])} nor registry resource`);
    return undefined;
  }
  const text = entryText(value).trim();
  // (WSO2 reads a text entry as XML too)
  const { failure, doc } = parseDom(text, { fragment: true });
  const elements = doc ? [...childNodes(doc.documentElement)].filter((n) => n.nodeType === 1).length : 0;
  if (failure || !text.startsWith('<') || elements !== 1) {
    diag.report('MOOR_ERR_BAD_VALUE', p.loc, `task "${def.name}": registryKey "${p.key}" must hold one XML element, the message`);
    return undefined;
  }
  return text;
}

function envelopeOf(version: SoapVersion, payload: string, to: string | undefined): string {
  const ns = version === '1.2' ? NS.soap12 : NS.soap11;
  const header = to === undefined ? '' : `<soapenv:Header><wsa:To xmlns:wsa="${NS.wsa}">${escapeText(to)}</wsa:To></soapenv:Header>`;
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${ns}">${header}<soapenv:Body>${payload}</soapenv:Body></soapenv:Envelope>`;
}

function headersOf(version: SoapVersion, soapAction: string | undefined): Map<string, string> {
  if (version === '1.2') {
    return new Map([['content-type', `application/soap+xml; charset=UTF-8${soapAction !== undefined ? `; action="${soapAction}"` : ''}`]]);
  }
  const headers = new Map([['content-type', 'text/xml; charset=UTF-8']]);
  if (soapAction !== undefined) headers.set('soapaction', `"${soapAction}"`);
  return headers;
}
