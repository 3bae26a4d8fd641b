/** Test helpers: real gateways on free loopback ports, configured from XML written to a temp folder. */
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { request } from 'undici';
import { Gateway, type GatewayOptions } from '../../src/server/gateway.ts';
import { silentLogger } from '../../src/logging.ts';
import { tempDir } from './temp-dir.ts';

/** Writes `files` (name → XML) into a fresh temp folder and returns its path. */
export async function configDir(files: Record<string, string>): Promise<string> {
  const dir = tempDir('moor-test-');
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

/** Starts a gateway on a free port with the given config files (or folder). */
export async function startGateway(config: Record<string, string> | string, options: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const dir = typeof config === 'string' ? config : await configDir(config);
  return Gateway.start({ config: dir, port: 0, host: '127.0.0.1', logger: silentLogger(), defaultSuspendMs: 1000, ...options });
}

/** Options for startGateway that open the admin listener on a free loopback port (`gw.adminUrl`). */
export const ADMIN: Partial<GatewayOptions> = { admin: { host: '127.0.0.1', port: 0 } };

/** Wraps `inner` in a <definitions> root in the Synapse namespace. */
export function definitions(inner: string): string {
  return `<definitions xmlns="http://ws.apache.org/ns/synapse">${inner}</definitions>`;
}

/** A SOAP 1.1 envelope with optional header blocks (XML) and a body (XML). */
export function soap11(body: string, header = '', ns = ''): string {
  return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"${ns}>${header ? `<soapenv:Header>${header}</soapenv:Header>` : ''}<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
}

/** A SOAP 1.2 envelope. */
export function soap12(body: string, header = '', ns = ''): string {
  return `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"${ns}>${header ? `<env:Header>${header}</env:Header>` : ''}<env:Body>${body}</env:Body></env:Envelope>`;
}

/** Waits until `cond` holds, letting the event loop run in between (no clock: the test's own timeout bounds it). */
export async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}

/** About `n` bytes of well-formed body content (64-byte items), to make a message stream in many chunks. */
export function filler(n: number): string {
  return '<i>0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab</i>'.repeat(Math.ceil(n / 67));
}

/** The demo cart's AddItem body. */
export function addItem(item: string): string {
  return `<c:AddItem xmlns:c="urn:moor:demo:cart"><c:item>${item}</c:item></c:AddItem>`;
}

/** Request headers of a SOAP 1.1 message (text/xml) and of a SOAP 1.2 one (application/soap+xml). */
export const XML11 = { 'content-type': 'text/xml; charset=utf-8' } as const;
export const XML12 = { 'content-type': 'application/soap+xml; charset=utf-8' } as const;

/** POSTs `body` and returns status, headers and text. */
export async function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8' },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const res = await request(url, { method: 'POST', body, headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** The text of the first element named `local` in `xml` (a quick look, for assertions). */
export function elementText(xml: string, local: string): string | undefined {
  return new RegExp(`<(?:[\\w.-]+:)?${local}(?:\\s[^>]*)?>([^<]*)</`).exec(xml)?.[1];
}
