/**
 * A tiny SOAP backend for mediator tests: a node:http server on a free loopback port that records every
 * request it receives and answers with what the test's handler returns (by default, the request's own
 * envelope echoed back).
 */
import { createServer, type Server } from 'node:http';
import { listenOnFreePort } from '../helpers/listen.ts';
import { ConfigErrors } from '../../src/errors.ts';
import { definitions, post, startGateway } from '../helpers/gateway.ts';

/** A request as the backend received it. */
export interface Received {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** What the backend answers. */
export interface Answer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body: string;
}

export interface SoapBackend {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

/** Starts a backend; `handler` decides each answer (default: echo with the request's content type). */
export async function startSoapBackend(handler: (r: Received) => Answer | Promise<Answer> = echo): Promise<SoapBackend> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      void Promise.resolve(handler(r)).then((a) => {
        const body = Buffer.from(a.body);
        res.writeHead(a.status ?? 200, { 'content-type': String(r.headers['content-type'] ?? 'text/xml; charset=utf-8'), ...a.headers, 'content-length': String(body.length) });
        res.end(body);
      });
    });
  });
  const { port, close } = await listenOnFreePort(server);
  return { url: `http://127.0.0.1:${port}/services/Echo`, received, close };

}

/** Answers with the request's envelope. */
export function echo(r: Received): Answer {
  return { body: r.body };
}

/** A URL where nothing listens (a dead backend). */
export async function deadUrl(): Promise<string> {
  const { port, close } = await listenOnFreePort(createServer());
  await close();
  return `http://127.0.0.1:${port}/services/Dead`;
}

/** A proxy named `name` whose target runs `inSeq`/`outSeq` (mediator XML) in front of `uri` (if given). */
export function proxy(name: string, parts: { in?: string; out?: string; fault?: string; uri?: string }): string {
  return (
    `<proxy name="${name}"><target>` +
    (parts.in !== undefined ? `<inSequence>${parts.in}</inSequence>` : '') +
    (parts.out !== undefined ? `<outSequence>${parts.out}</outSequence>` : '') +
    (parts.fault !== undefined ? `<faultSequence>${parts.fault}</faultSequence>` : '') +
    (parts.uri !== undefined ? `<endpoint><address uri="${parts.uri}"/></endpoint>` : '') +
    `</target></proxy>`
  );
}

/**
 * Runs `envelope` through a proxy `P` made of `parts` in front of a fresh echo backend (or `handler`);
 * `beside` is more of the configuration (local entries, sequences).
 */
export async function throughProxy(
  parts: { in?: string; out?: string; fault?: string },
  envelope: string,
  headers?: Record<string, string>,
  handler?: (r: Received) => Answer | Promise<Answer>,
  beside = '',
): Promise<{ res: Awaited<ReturnType<typeof post>>; received: Received[] }> {
  const backend = await startSoapBackend(handler);
  const gw = await startGateway({ 'p.xml': definitions(beside + proxy('P', { ...parts, uri: backend.url })) });
  try {
    return { res: await post(`${gw.url}/services/P`, envelope, headers), received: backend.received };
  } finally {
    await gw.close();
    await backend.close();
  }
}

/** The configuration problems of a proxy whose in sequence is `inSequence`, one `file:line:col CODE message` per line. */
export async function configErrorsOf(inSequence: string): Promise<string> {
  let gw;
  try {
    gw = await startGateway({ 'p.xml': definitions(proxy('P', { in: inSequence })) });
  } catch (e) {
    if (e instanceof ConfigErrors) return e.errors.map((x) => x.toString()).join('\n');
    throw e;
  }
  await gw.close();
  throw new Error('the configuration loaded without a problem');
}
