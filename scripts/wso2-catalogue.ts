/**
 * WSO2 Micro Integrator's catalogue of mediators, artifacts and endpoints (as its reference documentation
 * lists them, plus Synapse's own), and moor's status for each, for docs/compatibility.md.
 *
 * The status is not written here: it is what the code does. Each entry is probed by loading it the way
 * `moor validate` does (one element per line of a configuration written to a temporary folder): refused
 * with MOOR_ERR_UNSUPPORTED is "unsupported"; loaded is "supported", or "partial" when the entry says
 * how moor differs. An entry the code does not know at all (MOOR_ERR_UNKNOWN_*) is an error of this
 * catalogue, and so is a mediator of moor's registry that the catalogue leaves out:
 * test/config/synapse-samples.test.ts fails on either, and on a committed page that differs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SPECIAL_PROPERTIES } from '../src/config/special-properties.ts';
import { loadConfig } from '../src/server/runtime.ts';
import { MEDIATORS } from '../src/mediators/registry.ts';

/** One entry of WSO2's catalogue. */
export interface CatalogueEntry {
  /** The name WSO2's documentation gives it. */
  readonly title: string;
  /** The element moor is probed with, on one line (usually self-closing; attributes allowed, children where it needs them to load). */
  readonly probe: string;
  /** For an entry moor runs: how it differs from WSO2 (makes it "partial"). */
  readonly differs?: string;
}

/** Mediators, in the order of WSO2's reference (core, filter, extension, transformation, advanced), then Synapse's own. */
export const MEDIATOR_CATALOGUE: readonly CatalogueEntry[] = [
  { title: 'Call', probe: '<call/>', differs: 'always waits for the response (`blocking` changes nothing); `<source>` custom/inline/property and `<target type="property">` (type="body" refused)' },
  { title: 'Send', probe: '<send/>', differs: 'SOAP and REST over HTTP(S) only' },
  { title: 'Loopback', probe: '<loopback/>' },
  { title: 'Sequence', probe: '<sequence key="s"/>' },
  { title: 'Respond', probe: '<respond/>' },
  { title: 'Drop', probe: '<drop/>' },
  { title: 'Call Template', probe: '<call-template target="t"/>', differs: '`target` is a name (not a `{…}` key); sequence templates only; a `{{…}}` value reads `$ctx:`, `$trp:`, `$func:`… where WSO2 reads none (a warning)' },
  { title: 'Enqueue', probe: '<enqueue/>' },
  { title: 'Log', probe: '<log/>' },
  { title: 'Property', probe: '<property name="p" value="v"/>', differs: 'WSO2 special properties moor does not read are warnings (table below)' },
  { title: 'Property Group', probe: '<propertyGroup/>' },
  { title: 'Variable (MI 4.4)', probe: '<variable name="v" value="x"/>', differs: 'read by `${vars.x}`; Synapse expressions: accesses, literals, operators, conditionals, filters and the string, numeric, encoding, type and exists/not/now functions; registry(), secret(), formatDateTime(), config. refused; a typed XPath value is converted from its text' },
  { title: 'Filter', probe: '<filter xpath="true()"/>' },
  { title: 'Switch', probe: '<switch source="."/>' },
  { title: 'Validate', probe: '<validate/>', differs: "XML Schema by libxml2 (WSO2: Xerces); one `<schema>` (its includes through `<resource>`); JSON schemas, dynamic schema keys refused; `<feature>` ignored" },
  { title: 'Conditional Router', probe: '<conditionalRouter/>' },
  { title: 'Router', probe: '<router/>' },
  { title: 'Class', probe: '<class name="./m.js"/>', differs: 'a JavaScript module by path, not a Java class' },
  { title: 'POJO Command', probe: '<pojoCommand/>' },
  { title: 'Script', probe: '<script language="js"/>', differs: 'JavaScript only, on QuickJS (no E4X, no Java objects): the payload is XML text or a JSON value; bounded by `scriptTimeoutMs` and `scriptMemoryBytes`; at most `scriptQueueMax` runs wait for a thread (then 503)' },
  { title: 'Spring', probe: '<spring/>' },
  { title: 'Bean', probe: '<bean/>' },
  { title: 'EJB', probe: '<ejb/>' },
  { title: 'Enrich', probe: '<enrich/>' },
  { title: 'Fault (makefault)', probe: '<makefault/>', differs: 'POX faults (`version="pox"`) are refused' },
  { title: 'Header', probe: '<header name="h" value="v"/>' },
  { title: 'PayloadFactory', probe: '<payloadFactory/>', differs: 'media-type xml and json (`text` is refused)' },
  { title: 'Smooks', probe: '<smooks/>' },
  { title: 'URLRewrite', probe: '<rewrite/>', differs: 'a rewritten To address goes into a WS-Addressing To header (which `<send/>` follows); conditions `<equal>`, `<match>`, `<and>`, `<or>`, `<not>` (others refused)' },
  { title: 'XQuery', probe: '<xquery/>' },
  { title: 'XSLT', probe: '<xslt/>', differs: "XSLT 1.0 (moor's own processor; WSO2 runs Saxon, XSLT 2.0/3.0): a 2.0 stylesheet runs as 1.0 with a few XPath 2.0 string functions, what it uses beyond that refused at load; `<feature>`/`<attribute>` ignored; `xsl:number`, `xsl:key`, `document()`, extension functions not run" },
  { title: 'FastXSLT', probe: '<fastXSLT/>' },
  { title: 'JSON Transform', probe: '<jsontransform/>' },
  { title: 'Data Mapper', probe: '<datamapper/>' },
  { title: 'Cache', probe: '<cache/>', differs: 'in memory, per process (scope="per-mediator" warns); Java hash generators other than WSO2\'s three and `type="disk"` are refused; named `<headersToIncludeInHash>` refused' },
  { title: 'DBLookup', probe: '<dblookup/>' },
  { title: 'DBReport', probe: '<dbreport/>' },
  { title: 'Throttle', probe: '<throttle/>', differs: 'counters shared through the session store (every node sharing it enforces one limit)' },
  { title: 'Transaction', probe: '<transaction/>' },
  { title: 'Aggregate', probe: '<aggregate/>', differs: 'aggregates the replies to the parts of an `<iterate>` or the copies of a `<clone>` (`<correlateOn>` refused)' },
  { title: 'Callout', probe: '<callout/>', differs: '`<enableSec>` (WS-Security) is refused; Axis2 client options (`initAxis2ClientOptions`, `<configuration>`) have no effect' },
  { title: 'Clone', probe: '<clone/>', differs: 'copies are gathered by `<aggregate>` as an `<iterate>`\'s parts are' },
  { title: 'Iterate', probe: '<iterate expression="."/>' },
  { title: 'ForEach', probe: '<foreach expression="//a"><sequence/></foreach>', differs: 'XPath only (a JSON payload\'s json-eval is refused); MI 4.4\'s `collection=` form is refused' },
  { title: 'Scatter Gather (MI 4.4)', probe: '<scatter-gather/>' },
  { title: 'Data Service Call', probe: '<dataServiceCall/>' },
  { title: 'Entitlement', probe: '<entitlementService/>' },
  { title: 'OAuth', probe: '<oauthService/>' },
  { title: 'NTLM', probe: '<ntlm/>' },
  { title: 'Publish Event', probe: '<publishEvent/>' },
  { title: 'Builder', probe: '<builder/>' },
  { title: 'Event', probe: '<event/>' },
  { title: 'Store', probe: '<store messageStore="M"/>', differs: 'the store is named (a `{…}` expression is refused); a full store answers MOOR_ERR_STORE_FULL' },
  { title: 'Rule', probe: '<rule/>' },
  { title: 'BAM', probe: '<bam/>' },
  { title: 'Throw Error (MI 4.4)', probe: '<throwError type="T" errorMessage="m"/>', differs: 'a `{…}` message is an XPath, json-eval() or a Synapse expression `{${…}}` (registry(), secret(), formatDateTime(), config. refused)' },
  { title: 'In (Synapse)', probe: '<in/>' },
  { title: 'Out (Synapse)', probe: '<out/>' },
  { title: 'Event Publisher (Synapse)', probe: '<eventPublisher/>' },
  { title: 'Connector operations (`<kafkaTransport.init>`, `<salesforce.query>`…)', probe: '<kafkaTransport.init/>' },
];

/** Artifacts (a file's root element in an MI project, or a child of `<definitions>`). */
export const ARTIFACT_CATALOGUE: readonly CatalogueEntry[] = [
  { title: 'Proxy service', probe: '<proxy name="P"><target/></proxy>', differs: 'transports honoured with an HTTPS listener (moor start --https-port), else every proxy on the HTTP one; WS-Security, WS-RM, WS-Policy refused' },
  { title: 'REST API', probe: '<api name="A" context="/a"/>' },
  { title: 'Sequence', probe: '<sequence name="S"/>' },
  { title: 'Endpoint', probe: '<endpoint name="E"><address uri="http://127.0.0.1:1/"/></endpoint>' },
  { title: 'Local entry', probe: '<localEntry key="k">v</localEntry>', differs: '`src` from files only, not URLs' },
  { title: 'Registry (`<registry>`)', probe: '<registry provider="org.wso2.micro.integrator.registry.MicroIntegratorRegistry"/>', differs: 'a folder (`conf:`, `gov:`); the provider class is not loaded' },
  { title: 'Sequence template', probe: '<template name="T"><parameter name="p"/><sequence/></template>', differs: 'parameter values are strings (a `<with-param>` value of XML is not read as XML)' },
  {
    title: 'Endpoint template (and `<endpoint template>`)',
    probe: '<template name="TE"><parameter name="uri"/><endpoint name="$name"><address uri="$uri"/></endpoint></template>',
    differs: 'each use is filled in when the configuration loads (a value that is exactly `$p`, as in WSO2) and becomes an endpoint of its own name; a missing template or parameter is an error at load (WSO2 finds it at the first message), an undeclared parameter a warning; `{system.prop.…}` in values and templates kept in the registry are not read',
  },
  {
    title: 'Scheduled task',
    probe: '<task name="T" class="org.apache.synapse.startup.tasks.MessageInjector"><trigger interval="5"/><property name="message"><m/></property></task>',
    differs: 'MessageInjector only (into main, a sequence or a proxy; soap11/soap12); interval/count/once and Quartz cron triggers (`L-n` refused); with `--workers N` worker 1 runs it, and every node whose configuration holds it runs it (WSO2 runs it on one node of a cluster)',
  },
  { title: 'Task manager (`<taskManager>`)', probe: '<taskManager provider="org.apache.synapse.startup.quartz.QuartzTaskManager"/>', differs: 'accepted; its provider and parameters change nothing (moor schedules tasks itself)' },
  { title: 'Message store', probe: '<messageStore name="M"/>', differs: 'in memory (one per process) or in Redis, shared by several nodes (moor\'s own class `moor.RedisMessageStore`: WSO2 has none), bounded (`moor:maxMessages`, `moor:maxBytes`); JMS, RabbitMQ and JDBC stores are refused' },
  {
    title: 'Message processor',
    probe: `<messageProcessor name="MP" class="org.apache.synapse.message.processor.impl.forwarder.ScheduledMessageForwardingProcessor" messageStore="M" targetEndpoint="E"/>`,
    differs: 'scheduled forwarding and sampling processors (interval in ms); cron, failover forwarding and fail-messages stores refused; a 2xx answer is a delivery; over a Redis store one node forwards at a time (a lease), at least once when a node dies mid-delivery',
  },
  { title: 'Inbound endpoint (JMS, Kafka, RabbitMQ, file…)', probe: '<inboundEndpoint name="I" protocol="jms"/>' },
  { title: 'Data source', probe: '<datasource/>' },
  { title: 'Connector import', probe: '<import name="c"/>' },
  { title: 'Event source', probe: '<eventSource name="E"/>' },
  { title: 'Priority executor', probe: '<priorityExecutor name="P"/>' },
];

/** Endpoint kinds (the child of an `<endpoint>`). */
export const ENDPOINT_CATALOGUE: readonly CatalogueEntry[] = [
  { title: 'Address', probe: '<address uri="http://127.0.0.1:1/"/>', differs: 'http:// and https:// only (JMS, VFS, RabbitMQ, Kafka… URIs refused)' },
  { title: 'HTTP', probe: '<http uri-template="http://127.0.0.1:1/{x}" method="get"/>' },
  { title: 'Load-balance', probe: '<loadbalance><endpoint><address uri="http://127.0.0.1:1/"/></endpoint></loadbalance>' },
  { title: 'Failover', probe: '<failover><endpoint><address uri="http://127.0.0.1:1/"/></endpoint></failover>' },
  {
    title: 'WSDL',
    probe: '<wsdl service="S" port="P"><wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"><wsdl:service name="S"><wsdl:port name="P"><soap:address location="http://127.0.0.1:1/"/></wsdl:port></wsdl:service></wsdl:definitions></wsdl>',
    differs: 'the WSDL (inline, `file:`, `http(s):`, or moor\'s `key=`) is read when the configuration loads: one that cannot be read or fetched refuses the configuration (WSO2 logs it and fails each message); WSDL 2.0 is read (WSO2 refuses it); HTTP-binding ports (REST/GET) are refused; imports are not followed',
  },
  { title: 'Default', probe: '<default/>' },
  {
    title: 'Recipient list',
    probe: '<recipientlist><endpoint><address uri="http://127.0.0.1:1/"/></endpoint></recipientlist>',
    differs: 'at most 64 recipients; two-way, a failed recipient runs the fault sequence only if the `<aggregate>` did not complete with the other replies (WSO2: for each failed copy); only `<send>` and a proxy\'s target send to it (`<call>` faults, a group member is refused)',
  },
  { title: 'Dynamic load-balance', probe: '<dynamicLoadbalance/>' },
];

/** moor's status for one entry. */
export interface Status {
  readonly entry: CatalogueEntry;
  readonly status: 'supported' | 'partial' | 'unsupported';
  /** What differs (partial), or moor's message (unsupported). */
  readonly note: string;
}

/** A catalogue entry the code does not know: a mistake of the catalogue, or a construct moor calls unknown. */
export class CatalogueError extends Error {}

/** The element name a probe starts with. */
export function probedName(probe: string): string {
  return /^<([\w.:-]+)/.exec(probe)?.[1] ?? '';
}

/** Probes `entries`, each placed by `wrap` on a line of its own, and reads moor's status for each. */
async function probe(entries: readonly CatalogueEntry[], wrap: (probe: string, i: number) => string, prelude: number): Promise<Status[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'moor-catalogue-'));
  try {
    const body = entries.map((e, i) => wrap(e.probe, i)).join('\n');
    await writeFile(path.join(dir, 'probe.xml'), `<definitions xmlns="http://ws.apache.org/ns/synapse">\n${body}\n</definitions>\n`);
    const { errors } = await loadConfig(dir);
    return entries.map((entry, i) => {
      const line = i + 2 + prelude;
      const here = errors.filter((e) => e.loc.line === line);
      const unknown = here.find((e) => e.code === 'MOOR_ERR_UNKNOWN_MEDIATOR' || e.code === 'MOOR_ERR_UNKNOWN_ELEMENT');
      if (unknown) throw new CatalogueError(`${entry.title} (${entry.probe}): moor does not know it: ${unknown.message}`);
      const refused = here.find((e) => e.code === 'MOOR_ERR_UNSUPPORTED');
      if (refused) return { entry, status: 'unsupported', note: refused.message };
      return { entry, status: entry.differs ? 'partial' : 'supported', note: entry.differs ?? '' };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** moor's status for every entry of the catalogue, probed from the code. */
export async function catalogueStatus(): Promise<{ mediators: Status[]; artifacts: Status[]; endpoints: Status[] }> {
  return {
    mediators: await probe(MEDIATOR_CATALOGUE, (p, i) => (i === 0 ? `<sequence name="catalogue">${p}` : p) + (i === MEDIATOR_CATALOGUE.length - 1 ? '</sequence>' : ''), 0),
    artifacts: await probe(ARTIFACT_CATALOGUE, (p) => p, 0),
    endpoints: await probe(ENDPOINT_CATALOGUE, (p, i) => `<endpoint name="probe${i}">${p}</endpoint>`, 0),
  };
}

/** moor's mediators that the catalogue does not list (each must have a row). */
export function mediatorsNotCatalogued(): string[] {
  const listed = new Set(MEDIATOR_CATALOGUE.map((e) => probedName(e.probe)));
  return [...MEDIATORS.keys()].filter((m) => !listed.has(m));
}

/** Text for a table cell of docs/compatibility.md: elements as code (Markdown would take `<filter>` for HTML), no pipes. */
export function cell(s: string): string {
  return s
    .replace(/\s+/g, ' ')
    .replace(/\|/g, '\\|')
    .replace(/(?<!`)<[A-Za-z][^<>`]*>(?!`)/g, (tag) => `\`${tag}\``);
}

/** The catalogue section of docs/compatibility.md. */
export function renderCatalogue(status: { mediators: Status[]; artifacts: Status[]; endpoints: Status[] }): string {
  const table = (title: string, rows: Status[]): string[] => {
    const count = (s: Status['status']): number => rows.filter((r) => r.status === s).length;
    return [
      `### ${title}`,
      '',
      `${count('supported')} supported, ${count('partial')} partial, ${count('unsupported')} unsupported.`,
      '',
      '| WSO2 | element | moor | what differs, or why refused |',
      '| --- | --- | --- | --- |',
      ...rows.map((r) => `| ${cell(r.entry.title)} | \`${probedName(r.entry.probe)}\` | ${r.status} | ${cell(r.note)} |`),
      '',
    ];
  };
  const props = Object.entries(SPECIAL_PROPERTIES).map(([name, p]) => `| \`${name}\` | ${p.scope} | ${p.status === 'supported' ? 'supported' : 'warning'} | ${cell(p.note)} |`);
  return [
    '## WSO2 Micro Integrator catalogue',
    '',
    "WSO2 MI's mediators, artifacts and endpoints, each with moor's status, probed from the code by",
    '`npm run compat` (scripts/wso2-catalogue.ts): **unsupported** is what `moor validate` refuses with',
    '`MOOR_ERR_UNSUPPORTED` (its message quoted), **partial** runs with the difference said.',
    '',
    ...table('Mediators', status.mediators),
    ...table('Artifacts', status.artifacts),
    ...table('Endpoints', status.endpoints),
    '### Special properties',
    '',
    'What moor does with the properties WSO2 reads (src/config/special-properties.ts); each "warning" is',
    'a `MOOR_WARN_DIFFERENT` at the `<property>` that sets it.',
    '',
    '| property | scope | moor | what it does |',
    '| --- | --- | --- | --- |',
    ...props,
    '',
  ].join('\n');
}
