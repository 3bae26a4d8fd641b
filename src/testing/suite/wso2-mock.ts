/**
 * WSO2 mock services, run in-process. WSO2 starts an HTTP server per mock service and points the
 * endpoint named by <service-name> at it; moor answers the messages of that endpoint directly (and of
 * any endpoint whose URI is http://localhost:<port><context>…).
 *
 * <mock-service>
 *   <service-name>EndpointName</service-name> <port>9090</port> <context>/path</context>
 *   <resources>
 *     <resource>
 *       <sub-context>/</sub-context> <method>POST</method>
 *       <request> <headers><header name value/>*</headers>? <payload>…</payload>? </request>?
 *       <response> <status-code>200</status-code> <headers><header name value/>*</headers>? <payload>…</payload>? </response>
 *     </resource>+
 *   </resources>
 * </mock-service>
 *
 * The first resource whose method is the message's (or absent), whose sub-context is the path the
 * message was sent to below the context (when it was sent to localhost:<port><context>), and whose
 * request headers and payload (when given) match, answers; a message no resource matches fails its case.
 */
import { type ConfigNode } from '../../config/node.ts';
import { MoorError } from '../../errors.ts';
import { textOf } from '../../xml/element.ts';
import { isXmlText } from '../input.ts';
import { type Mock, type MockReply } from '../mocks.ts';
import { soapBody, xmlEqual } from '../xml-assert.ts';
import { type SuiteMock } from './model.ts';

/** The mock a WSO2 <mock-service> declares: by its service-name, and at localhost:<port><context>. */
export function wso2MockService(node: ConfigNode): SuiteMock[] {
  const name = node.child('service-name')?.text;
  if (!name) {
    node.report('MOOR_ERR_TEST_SUITE', '<mock-service> needs a <service-name> (the name of the endpoint it stands for)');
    return [];
  }
  const port = node.child('port')?.text;
  const context = node.child('context')?.text ?? '/';
  const resources = (node.child('resources')?.children() ?? []).filter((r) => r.name === 'resource');
  if (resources.length === 0) node.report('MOOR_ERR_TEST_SUITE', `mock service ${name} has no <resources><resource>`);
  const specs = resources.map((r) => {
    const method = r.child('method')?.text.toUpperCase();
    const subContext = r.child('sub-context')?.text;
    const req = r.child('request');
    const res = r.child('response');
    const reqHeaders = headersOf(req?.child('headers'));
    const reqPayload = req?.child('payload') ? textOf(req.child('payload')!.el).trim() : '';
    const statusNode = res?.child('status-code');
    const status = statusNode ? Number(statusNode.text) : 200;
    if (statusNode && !/^\d{3}$/.test(statusNode.text)) statusNode.report('MOOR_ERR_TEST_SUITE', `status-code must be an HTTP status, not "${statusNode.text}"`);
    if (!res) r.report('MOOR_ERR_TEST_SUITE', `a resource of mock service ${name} has no <response>`);
    return {
      loc: r.loc,
      matches: (call: { headers: Record<string, string | string[]>; envelope: string; method: string; url: string }): boolean => {
        if (method && method !== call.method) return false;
        if (subContext !== undefined && !atSubContext(call.url, context, subContext)) return false;
        for (const [k, v] of Object.entries(reqHeaders)) if (String(call.headers[k] ?? '') !== v) return false;
        return !reqPayload || samePayload(call.envelope, reqPayload);
      },
      reply: { status: Number.isFinite(status) ? status : 200, headers: headersOf(res?.child('headers')), envelope: asReply(res?.child('payload') ? textOf(res.child('payload')!.el).trim() : '') } satisfies MockReply,
    };
  });
  const file = node.file;
  const mock: Mock = (call) => {
    const hit = specs.find((s) => s.matches(call));
    if (!hit) throw new MoorError('MOOR_ERR_TEST_SUITE', `mock service ${name} (${file}:${node.loc.line}) has no resource that matches the message sent to ${call.url}`);
    return hit.reply;
  };
  const url = port
    ? (u: string): boolean => {
        try {
          const parsed = new URL(u);
          return parsed.port === port && (parsed.hostname === 'localhost' || parsed.hostname === '127.0.0.1') && parsed.pathname.startsWith(context);
        } catch {
          return false;
        }
      }
    : undefined;
  return [{ key: name, loc: node.loc, mock, ...(url ? { url } : {}) }];
}

/**
 * True when `url` is `context` + `subContext` (a trailing slash aside; its query only when the
 * sub-context names one), or does not lie below `context` at all (an endpoint mocked by its name,
 * whose own address the message went to).
 */
function atSubContext(url: string, context: string, subContext: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return true;
  }
  const base = context.replace(/\/+$/, '');
  if (u.pathname !== base && !u.pathname.startsWith(`${base}/`)) return true;
  const below = u.pathname.slice(base.length) + (subContext.includes('?') ? u.search : '');
  const trim = (p: string): string => p.replace(/\/+(?=$|\?)/, '') || '/';
  return trim(below || '/') === trim(subContext.startsWith('/') ? subContext : `/${subContext}`);
}

/** A reply payload from a suite: text, never a file path; what is not XML (JSON) goes as it is. */
export function asReply(text: string): string | Buffer {
  return isXmlText(text) ? text : Buffer.from(text);
}

function headersOf(node: ConfigNode | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of node?.children() ?? []) if (h.name === 'header' && h.attr('name')) out[h.attr('name')!.toLowerCase()] = h.attr('value') ?? '';
  return out;
}

/** True when `expected` is the envelope sent, or its Body's content (both compared as XML). */
function samePayload(envelope: string, expected: string): boolean {
  try {
    if (xmlEqual(envelope, expected)) return true;
    const body = soapBody(envelope);
    return body !== undefined && xmlEqual(`<x>${body}</x>`, `<x>${expected}</x>`);
  } catch {
    return envelope.trim() === expected.trim();
  }
}
