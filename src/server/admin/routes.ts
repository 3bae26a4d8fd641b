/**
 * The gateway's admin routes (the table the admin listener answers from):
 *
 *   GET  /health                      → 200 {"status":"ok"|"degraded", "store", "endpoints":[…]} (503 when no endpoint is up); no token needed
 *   POST /endpoints/<name>/drain      → keeps its sessions, sends it no new ones
 *   POST /endpoints/<name>/undrain    → takes new sessions again
 *
 * A drain call changes this process; `moor start --workers N` relays it to every worker through
 * `onDrain` (docs/sessions.md). docs/operations.md describes every route.
 */
import { type SessionStore } from '../../session/store.ts';
import { type Runtime } from '../runtime.ts';
import { type AdminAnswer, type AdminRoute, adminError } from './router.ts';

/** What the routes act on: a Gateway. */
export interface AdminTarget {
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

/** The routes of a gateway's admin listener. */
export function gatewayRoutes(gw: AdminTarget): AdminRoute[] {
  return [
    { method: 'GET', path: /^\/health$/, public: true, handle: () => health(gw) },
    { method: 'POST', path: /^\/endpoints\/([^/]+)\/(drain|undrain)$/, handle: ({ params }) => drain(gw, params[0]!, params[1] === 'drain') },
  ];
}

/** Each address endpoint's Synapse state (active, timeout, suspended) with why and until when; draining as its own state. */
function health(gw: AdminTarget): AdminAnswer {
  const endpoints = gw.current.endpoints.statuses().map((e) => ({
    id: e.id,
    state: e.draining ? 'draining' : e.state,
    reason: e.reason,
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(e.suspendedUntil !== undefined ? { until: new Date(e.suspendedUntil).toISOString() } : {}),
    inFlight: e.inFlight,
  }));
  return { status: serving(gw.current) ? 200 : 503, body: { ...storeHealth(gw.store), endpoints } };
}

/**
 * The traffic port's `GET /_moor/health`: whether the gateway can serve (503 when no endpoint is up) and
 * the store's health, naming no endpoint and no backend address — anyone who reaches the port reads it.
 */
export function publicHealth(runtime: Runtime, store: SessionStore): AdminAnswer {
  return { status: serving(runtime) ? 200 : 503, body: storeHealth(store) };
}

/** The gateway's status by its store's, and a durable store's confirmation counts (no address in either). */
function storeHealth(store: SessionStore): Record<string, unknown> {
  const durability = store.durability;
  return { status: store.health === 'ok' ? 'ok' : 'degraded', store: store.health, ...(durability ? { durability } : {}) };
}

/** False when there are endpoints and none takes messages (each suspended or draining). */
function serving(runtime: Runtime): boolean {
  const statuses = runtime.endpoints.statuses();
  return statuses.length === 0 || statuses.some((e) => !e.draining && (e.state === 'active' || e.state === 'timeout'));
}

function drain(gw: AdminTarget, name: string, draining: boolean): AdminAnswer {
  const matches = gw.setDraining(name, draining);
  if (!matches.length) return adminError(404, `no endpoint named ${name}`);
  gw.onDrain?.(name, draining);
  return { status: 200, body: { endpoints: matches, draining } };
}
