/**
 * The demo's stateful SOAP service, built with the `soap` package from wsdl/Cart.wsdl: a shopping cart
 * whose contents live in this instance's memory only. A message that reaches the wrong instance finds
 * an empty cart, which is exactly what sticky sessions prevent.
 *
 * It recognises a session in every way moor routes on: the JSESSIONID cookie, the syn:ClientID header,
 * the axis2:ServiceGroupId header, or an acme:Ctx/acme:Sid header. A request with none of them opens a
 * new session: the answer carries Set-Cookie and a wsa:ReplyTo with the ServiceGroupId reference
 * parameter, as an Axis2 soapsession service does.
 *
 * It answers each request in the request's SOAP version: a SOAP 1.1 envelope as text/xml, a SOAP 1.2 one
 * (application/soap+xml, the WSDL's soap12 binding) as application/soap+xml. The `soap` package answers
 * one version per server, so there are two, one per version, behind one listener.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as soap from 'soap';

const WSDL = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'wsdl', 'Cart.wsdl'), 'utf8');

export interface CartBackend {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  /** Requests this instance served. */
  readonly served: number;
  close(): Promise<void>;
}

type SessionRequest = IncomingMessage & { cartSession?: string; rawBody?: string };

/** Starts one instance on `port` (0 for any free port) at /services/Cart. */
export async function startCartBackend(options: { name: string; port?: number; host?: string }): Promise<CartBackend> {
  const carts = new Map<string, string[]>();
  let served = 0;
  // one `soap` server per SOAP version, each on a listener of its own that never listens: `server`
  // hands it the requests of its version (by content type; GET ?wsdl to the SOAP 1.1 one)
  const byVersion = { '1.1': createServer(), '1.2': createServer() };
  const server: Server = createServer((req, res) => {
    const soap12 = (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/soap+xml');
    byVersion[soap12 ? '1.2' : '1.1'].emit('request', req, res);
  });
  const respond = (req: SessionRequest): { instance: string; session: string; count: number; items: string } => {
    served++;
    const session = req.cartSession ?? 'none';
    const items = carts.get(session) ?? [];
    return { instance: options.name, session, count: items.length, items: items.join(',') };
  };
  const service = {
    CartService: {
      CartPort: {
        AddItem(args: { item?: string }, _cb: unknown, _h: unknown, req: SessionRequest) {
          const session = req.cartSession ?? 'none';
          carts.set(session, [...(carts.get(session) ?? []), String(args.item ?? '')]);
          return respond(req);
        },
        GetCart(_args: unknown, _cb: unknown, _h: unknown, req: SessionRequest) {
          return respond(req);
        },
      },
    },
  };
  for (const [version, listener] of Object.entries(byVersion)) {
    const soapServer = soap.listen(listener, { path: '/services/Cart', services: service, xml: WSDL, forceSoap12Headers: version === '1.2' } as unknown as soap.IServerOptions);
    // runs before each operation: find or open the session, and say so in the response headers
    soapServer.addSoapHeader(openSession);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    name: options.name,
    port,
    url: `http://127.0.0.1:${port}/services/Cart`,
    get served() {
      return served;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  function openSession(_method: string, _args: unknown, headers: Record<string, unknown>, req: SessionRequest, res: ServerResponse): string {
    const existing = sessionOf(req, headers);
    // server-created ids (cookie, ServiceGroupId) count only if this instance issued them, as in a
    // servlet container: an unknown one opens a new session; client-created ids are taken as given
    if (existing && (existing.createdBy === 'client' || carts.has(existing.id))) {
      req.cartSession = existing.id;
      return '';
    }
    const id = randomUUID();
    carts.set(id, []);
    req.cartSession = id;
    res.setHeader('set-cookie', `JSESSIONID=${id}; Path=/; HttpOnly`);
    return (
      `<wsa:ReplyTo xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address>` +
      `<wsa:ReferenceParameters><axis2:ServiceGroupId xmlns:axis2="http://ws.apache.org/namespaces/axis2">${id}</axis2:ServiceGroupId></wsa:ReferenceParameters></wsa:ReplyTo>`
    );
  }
}

/** The session a request names, in any of the ways the demo accepts. */
function sessionOf(req: IncomingMessage, headers: Record<string, unknown>): { id: string; createdBy: 'client' | 'server' } | undefined {
  const server = (id: string | undefined) => (id ? { id, createdBy: 'server' as const } : undefined);
  const client = (id: string | undefined) => (id ? { id, createdBy: 'client' as const } : undefined);
  const cookie = /(?:^|;\s*)JSESSIONID=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  if (cookie) return server(cookie);
  for (const [k, v] of Object.entries(headers ?? {})) {
    const local = k.includes(':') ? k.slice(k.indexOf(':') + 1) : k;
    if (local === 'ServiceGroupId') return server(textValue(v));
    if (local === 'ClientID') return client(textValue(v));
    if (local === 'Ctx' && v && typeof v === 'object') {
      const sid = Object.entries(v as Record<string, unknown>).find(([n]) => n.endsWith('Sid'))?.[1];
      if (sid !== undefined) return client(textValue(sid));
    }
  }
  return undefined;
}

function textValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  if (v && typeof v === 'object' && '$value' in v) return String((v as { $value: unknown }).$value).trim() || undefined;
  return undefined;
}
