/**
 * The throttle policy of a <throttle> mediator: WSO2's WS-Policy grammar, in both forms WSO2 writes it.
 *
 *   <wsp:Policy xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"
 *               xmlns:throttle="http://www.wso2.org/products/wso2commons/throttle">
 *     <throttle:ThrottleAssertion>                     (or throttle:MediatorThrottleAssertion)
 *       <throttle:MaximumConcurrentAccess>n</throttle:MaximumConcurrentAccess>?
 *       <wsp:All>                                      (or wsp:Policy)  one per caller entry:
 *         <throttle:ID throttle:type="IP|DOMAIN">192.168.8.1 | 10.0.0.1-10.0.0.9 | 10.0.*.* | other</throttle:ID>
 *         <wsp:ExactlyOne>                             (or wsp:Policy/throttle:Control/wsp:Policy)
 *           <wsp:All>
 *             <throttle:MaximumCount>n</throttle:MaximumCount>
 *             <throttle:UnitTime>ms</throttle:UnitTime>
 *             <throttle:ProhibitTimePeriod wsp:Optional="true">ms</throttle:ProhibitTimePeriod>?
 *           </wsp:All>
 *           | <throttle:Allow/> | <throttle:Deny/>
 *         </wsp:ExactlyOne>
 *       </wsp:All>*
 *     </throttle:ThrottleAssertion>
 *   </wsp:Policy>
 *
 * The nesting between the assertion and the values is read loosely (wsp:All, wsp:ExactlyOne, wsp:Policy
 * and throttle:Control all just contain), as WSO2's own reader does. DOMAIN entries are read but match
 * no caller: moor does not resolve clients' host names (a warning says so).
 */
import { type ConfigNode } from '../config/node.ts';
import { type CounterRule } from '../session/store.ts';
import { type IpMatch, parseIpMatch } from './throttle-caller.ts';

/** What a caller entry allows: so many requests per window, everything, or nothing. */
export type CallerLimit = { readonly kind: 'count'; readonly rule: CounterRule } | { readonly kind: 'allow' } | { readonly kind: 'deny' };

/** One `throttle:ID` entry. */
export interface CallerEntry {
  readonly match: IpMatch;
  readonly limit: CallerLimit;
}

export interface ThrottlePolicy {
  /** Requests of this throttle id in flight at once in this process (MaximumConcurrentAccess). */
  readonly maxConcurrent: number | undefined;
  /** The IP entries in document order. */
  readonly callers: readonly CallerEntry[];
}

const ASSERTIONS = ['ThrottleAssertion', 'MediatorThrottleAssertion'];
/** Elements that only contain others, at any depth between the assertion and the values. */
const CONTAINERS = ['All', 'ExactlyOne', 'Policy', 'Control'];
const VALUES = ['MaximumCount', 'UnitTime', 'ProhibitTimePeriod', 'Allow', 'Deny'];

/** Reads the `<wsp:Policy>` inside `<policy>`; problems are reported at their element. */
export function parsePolicy(policy: ConfigNode): ThrottlePolicy | undefined {
  const [wsp, ...extra] = policy.children();
  if (!wsp || wsp.name !== 'Policy') {
    policy.report('MOOR_ERR_MISSING_ATTRIBUTE', '<policy> needs key="…" or a <wsp:Policy> inside');
    return undefined;
  }
  for (const e of extra) e.unknownElement(['Policy'], '<policy> (one <wsp:Policy>)');
  return parseWsPolicy(wsp);
}

/** Reads a `<wsp:Policy>` element (inline, or the root of a local entry or registry resource). */
export function parseWsPolicy(wsp: ConfigNode): ThrottlePolicy | undefined {
  if (wsp.name !== 'Policy') {
    wsp.report('MOOR_ERR_BAD_VALUE', `a throttle policy is a <wsp:Policy>, not <${wsp.name}>`);
    return undefined;
  }
  const assertions = wsp.children().filter((c) => ASSERTIONS.includes(c.name));
  for (const c of wsp.children()) if (!ASSERTIONS.includes(c.name)) c.unknownElement(ASSERTIONS, '<wsp:Policy> of a throttle');
  const assertion = assertions[0];
  if (!assertion) {
    wsp.report('MOOR_ERR_MISSING_ATTRIBUTE', 'a throttle policy needs a <throttle:MediatorThrottleAssertion> (or <throttle:ThrottleAssertion>)');
    return undefined;
  }
  let maxConcurrent: number | undefined;
  const callers: CallerEntry[] = [];
  let ok = true;
  let entries = 0;
  const walk = (node: ConfigNode): void => {
    for (const c of node.children()) {
      if (c.name === 'MaximumConcurrentAccess') maxConcurrent = c.integer(c.text, 'MaximumConcurrentAccess');
      else if (c.children().some((g) => g.name === 'ID')) {
        const entry = parseEntry(c);
        entries++;
        if (entry === undefined) ok = false;
        else if (entry !== 'ignored') callers.push(entry);
      } else if (CONTAINERS.includes(c.name)) walk(c);
      else c.unknownElement(['MaximumConcurrentAccess', 'ID', ...CONTAINERS], `<throttle:${assertion.name}>`);
    }
  };
  walk(assertion);
  if (!ok) return undefined;
  if (maxConcurrent === undefined && entries === 0) {
    assertion.report('MOOR_ERR_BAD_VALUE', 'this throttle policy limits nothing: give MaximumConcurrentAccess or a throttle:ID entry');
    return undefined;
  }
  return { maxConcurrent, callers };
}

/** One caller entry (the element that holds a throttle:ID); 'ignored' for a DOMAIN entry. */
function parseEntry(group: ConfigNode): CallerEntry | 'ignored' | undefined {
  const id = group.children().find((c) => c.name === 'ID')!;
  const values = new Map<string, ConfigNode>();
  const collect = (node: ConfigNode): void => {
    for (const c of node.children()) {
      if (c === id || c.name === 'ID') continue;
      if (VALUES.includes(c.name)) values.set(c.name, c);
      else if (CONTAINERS.includes(c.name)) collect(c);
      else c.unknownElement([...VALUES, ...CONTAINERS], 'a throttle:ID entry');
    }
  };
  collect(group);
  const type = id.el.attributes.find((a) => a.name.local === 'type')?.value.trim();
  if (type === undefined) {
    id.report('MOOR_ERR_MISSING_ATTRIBUTE', '<throttle:ID> needs throttle:type="IP" or "DOMAIN"');
    return undefined;
  }
  const kind = id.oneOf(type.toUpperCase(), ['IP', 'DOMAIN'], 'throttle:type');
  if (kind === undefined) return undefined;
  const limit = parseLimit(id, values);
  if (!limit) return undefined;
  if (kind === 'DOMAIN') {
    id.warn('MOOR_WARN_NO_EFFECT', `throttle:type="DOMAIN" entries match no caller: moor does not resolve clients' host names (give their addresses with type="IP")`);
    return 'ignored';
  }
  const match = parseIpMatch(id.text);
  if (!match) {
    id.report('MOOR_ERR_BAD_VALUE', `throttle:ID "${id.text}" is not an IP address, a range a-b, a pattern with * parts, or "other"`);
    return undefined;
  }
  return { match, limit };
}

function parseLimit(id: ConfigNode, values: ReadonlyMap<string, ConfigNode>): CallerLimit | undefined {
  if (values.has('Deny')) return { kind: 'deny' };
  if (values.has('Allow')) return { kind: 'allow' };
  const number = (name: string): number | undefined => {
    const n = values.get(name);
    return n && (n.text === '' ? 0 : n.integer(n.text, `throttle:${name}`));
  };
  const max = number('MaximumCount');
  const windowMs = number('UnitTime');
  if (max === undefined || !windowMs) {
    id.report('MOOR_ERR_MISSING_ATTRIBUTE', `the throttle:ID "${id.text}" entry needs MaximumCount and a UnitTime above 0 (ms), or Allow or Deny`);
    return undefined;
  }
  return { kind: 'count', rule: { max, windowMs, prohibitMs: number('ProhibitTimePeriod') ?? 0 } };
}
