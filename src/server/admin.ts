/**
 * Operator endpoints under /_moor/: health (with each address endpoint's state and the session store's
 * health) and draining an endpoint at run time.
 *
 *   GET  /_moor/health                      → 200 {"status":"ok"|"degraded", …} (503 when no endpoint is up)
 *   POST /_moor/endpoints/<name>/drain      → keeps its sessions, sends it no new ones
 *   POST /_moor/endpoints/<name>/undrain    → takes new sessions again
 *
 * A drain call changes this process only; `moor start --workers N` relays it to every worker through
 * `onDrain` (docs/sessions.md).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type SessionStore } from '../session/store.ts';
import { type Runtime } from './runtime.ts';

interface AdminTarget {
  readonly current: Runtime;
  readonly store: SessionStore;
  /** Told of every drain change made here (the worker processes of one gateway follow it). */
  readonly onDrain?: ((name: string, draining: boolean) => void) | undefined;
  /** Marks endpoints draining or not, remembering it across reloads; the ids it changed. */
  setDraining(name: string, draining: boolean): string[];
}

/** Marks the endpoints named `name` (an endpoint id, or the name before `@`) draining or not; their ids. */
export function applyDraining(runtime: Runtime, name: string, draining: boolean): string[] {
  const matches = runtime.endpoints.all().filter((e) => e.id === name || e.id.startsWith(`${name}@`));
  for (const e of matches) e.draining = draining;
  return matches.map((e) => e.id);
}

/** Answers a request whose path is under /_moor/ (the gateway routes only those here). */
export async function handleAdmin(url: URL, req: IncomingMessage, res: ServerResponse, gw: AdminTarget): Promise<void> {
  req.resume();
  if (url.pathname === '/_moor/health' && req.method === 'GET') {
    // Synapse's state (active, timeout, suspended) with why and until when; draining shows as its own state
    const endpoints = gw.current.endpoints.statuses().map((e) => ({
      id: e.id,
      state: e.draining ? 'draining' : e.state,
      reason: e.reason,
      ...(e.code !== undefined ? { code: e.code } : {}),
      ...(e.suspendedUntil !== undefined ? { until: new Date(e.suspendedUntil).toISOString() } : {}),
      inFlight: e.inFlight,
    }));
    const up = endpoints.some((e) => e.state === 'active' || e.state === 'timeout');
    const status = gw.store.health === 'ok' ? 'ok' : 'degraded';
    const durability = gw.store.durability;
    json(res, endpoints.length && !up ? 503 : 200, { status, store: gw.store.health, ...(durability ? { durability } : {}), endpoints });
    return;
  }
  const m = /^\/_moor\/endpoints\/([^/]+)\/(drain|undrain)$/.exec(url.pathname);
  if (m && req.method === 'POST') {
    let name: string;
    try {
      name = decodeURIComponent(m[1]!);
    } catch {
      json(res, 400, { error: `the endpoint name ${m[1]!} has a malformed %-escape` });
      return;
    }
    const draining = m[2] === 'drain';
    const matches = gw.setDraining(name, draining);
    if (matches.length) gw.onDrain?.(name, draining);
    json(res, matches.length ? 200 : 404, matches.length ? { endpoints: matches, draining } : { error: `no endpoint named ${name}` });
    return;
  }
  json(res, 404, { error: 'unknown admin path' });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
