/**
 * Builds runtime endpoints from their definitions and keeps them: named endpoints once per
 * configuration, inline ones once per definition, so health state and round-robin position persist
 * across messages.
 */
import { type EndpointDef } from '../config/endpoint-def.ts';
import { DEFAULT_FAILURE } from '../config/endpoint-failure-def.ts';
import { type Config } from '../config/load.ts';
import { type SessionDef } from '../config/session-def.ts';
import { createDispatcher } from '../dispatch/create.ts';
import { ConfigError, MoorError } from '../errors.ts';
import { AddressEndpoint, type AddressStatus } from './address.ts';
import { EndpointEvents } from './events.ts';
import { type Endpoint } from './endpoint.ts';
import { type EndpointEnv } from './env.ts';
import { GroupEndpoint } from './group.ts';
import { HealthCheck } from './health-check.ts';
import { Outbound } from './outbound.ts';
import { cookieKeyFor } from './cookie-affinity.ts';
import { CookieSessions } from './cookie-sessions.ts';
import { type AffinityScheme, SessionAffinity, unwrapped } from './affinity.ts';
import { TableSessions } from './sticky.ts';
import { RecipientListEndpoint } from './recipient-list.ts';

export class EndpointRegistry {
  private readonly built = new Map<EndpointDef, Endpoint>();
  private readonly named = new Map<string, Endpoint>();
  private readonly implicit = new Map<string, Endpoint>();
  private readonly shared = new Map<string, AddressEndpoint>();
  readonly outbound = new Outbound();
  /** Every state change of every address endpoint here (subscribe for metrics, `/endpoints`). */
  readonly events = new EndpointEvents();
  private readonly checks: HealthCheck[] = [];
  /** Sends still going on after their client was answered (one-way sends): close waits for them. */
  private readonly background = new Set<Promise<void>>();

  private constructor(
    private readonly config: Config,
    readonly env: EndpointEnv,
    /** The address endpoints of the configuration this one replaces, by id: their state carries over. */
    private readonly previous: ReadonlyMap<string, AddressEndpoint>,
  ) {}

  /**
   * Builds every endpoint of `config` (named ones and those inline in `inline`), loading user
   * dispatcher modules. Throws ConfigError for a module that cannot be loaded. With `previous` (a
   * reload), each backend that is still configured the same way keeps its state: a suspended one stays
   * suspended, with its progression.
   */
  static async create(config: Config, env: EndpointEnv, inline: readonly EndpointDef[], previous?: EndpointRegistry): Promise<EndpointRegistry> {
    const before = new Map<string, AddressEndpoint>();
    if (previous) for (const a of previous.addresses()) before.set(a.id, a);
    const r = new EndpointRegistry(config, env, before);
    for (const [name, n] of config.endpoints) r.named.set(name, await r.build(n.def, [name]));
    for (const def of inline) await r.build(def, []);
    return r;
  }

  /** The endpoint named `key`. */
  byName(key: string): Endpoint | undefined {
    return this.named.get(key);
  }

  /** The endpoint named `key`; throws MOOR_ERR_UNRESOLVED_KEY when it names none (a dynamic key's name, per message). */
  ofKey(key: string): Endpoint {
    const e = this.named.get(key);
    if (!e) throw new MoorError('MOOR_ERR_UNRESOLVED_KEY', `no endpoint named "${key}"`);
    return e;
  }

  /** The endpoint built for `def` (which must have been passed to create). */
  of(def: EndpointDef): Endpoint {
    if (def.kind === 'ref') return this.ofKey(def.key);
    const e = this.built.get(def);
    if (!e) throw new MoorError('MOOR_ERR_MEDIATION', 'endpoint was not built at load time');
    return e;
  }

  /** An address endpoint for a bare URL (a <send/> to the message's To address), kept per URL. */
  forAddress(uri: string): Endpoint {
    let e = this.implicit.get(uri);
    if (!e) {
      const loc = { file: '(To header)', line: 1, col: 1 };
      e = new AddressEndpoint({ kind: 'address', loc, name: undefined, uri, format: undefined, addressing: false, failure: DEFAULT_FAILURE, draining: false, weight: 1 }, this.outbound, this.env, this.events.emit);
      this.implicit.set(uri, e);
    }
    return e;
  }

  /** The status of every address endpoint (health, metrics, `/endpoints`). */
  statuses(): AddressStatus[] {
    return [...this.addresses()].map((a) => a.status());
  }

  /** Every address endpoint, for health and admin. */
  *addresses(): Iterable<AddressEndpoint> {
    const seen = new Set<Endpoint>();
    for (const e of [...this.named.values(), ...this.built.values()]) {
      for (const leaf of e.leaves()) {
        if (leaf instanceof AddressEndpoint && !seen.has(leaf)) {
          seen.add(leaf);
          yield leaf;
        }
      }
    }
  }

  /** The ids of the groups that bind sessions in the session store (metrics, the admin API). */
  sessionGroups(): string[] {
    return [...this.affinities()].filter((a) => a.scheme.kind === 'table').map((a) => a.id);
  }

  /** How the sessions of `e` (a group) are bound: in the store's table, in a cookie, or not at all. */
  affinityOf(e: Endpoint): 'table' | 'cookie' | undefined {
    for (const a of this.affinities()) if (a.inner === e) return a.scheme.kind;
    return undefined;
  }

  /** Every endpoint (groups and addresses, not the affinity around a group), for the admin drain call. */
  all(): Endpoint[] {
    const out = new Set<Endpoint>([...this.named.values(), ...this.built.values()].map(unwrapped));
    for (const e of [...out]) for (const l of e.leaves()) out.add(l);
    return [...out];
  }

  private *affinities(): Iterable<SessionAffinity<unknown>> {
    const seen = new Set<Endpoint>();
    for (const e of [...this.named.values(), ...this.built.values()]) {
      if (e instanceof SessionAffinity && !seen.has(e)) {
        seen.add(e);
        yield e as SessionAffinity<unknown>;
      }
    }
  }

  /** Starts the active health checks (`<moor:healthCheck>`) of the gateway's endpoints. */
  startHealthChecks(): void {
    if (this.checks.length) return;
    for (const a of this.addresses()) {
      if (!a.def.healthCheck) continue;
      const check = new HealthCheck(a, a.def.healthCheck, this.outbound, this.env.log);
      this.checks.push(check);
      check.start();
    }
  }

  /** Stops them (the configuration is replaced, or the gateway stops). */
  stopHealthChecks(): void {
    for (const c of this.checks.splice(0)) c.stop();
  }

  /**
   * Work on these endpoints that goes on after its client was answered (a one-way send, one-way.ts):
   * kept until it ends, so that close does not cut it short. `work` must not reject.
   */
  track(work: Promise<void>): void {
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
  }

  /** Resolves once every tracked piece of work has ended (moor/testing waits for a run's). */
  async settled(): Promise<void> {
    while (this.background.size) await Promise.allSettled([...this.background]);
  }

  async close(): Promise<void> {
    this.stopHealthChecks();
    // (a one-way send in flight is a message the client was told was accepted)
    await this.settled();
    await this.outbound.close();
  }

  private async build(def: EndpointDef, path: readonly string[]): Promise<Endpoint> {
    const done = this.built.get(def);
    if (done) return done;
    let e: Endpoint;
    switch (def.kind) {
      case 'ref': {
        const target = this.config.endpoints.get(def.key);
        if (!target) throw new ConfigError('MOOR_ERR_UNRESOLVED_KEY', def.loc, `no endpoint named "${def.key}"`);
        if (path.includes(def.key)) throw new ConfigError('MOOR_ERR_UNRESOLVED_KEY', def.loc, `endpoint "${def.key}" refers to itself`);
        e = this.named.get(def.key) ?? (await this.build(target.def, [...path, def.key]));
        this.named.set(def.key, e);
        break;
      }
      case 'address': {
        // one backend named the same way in several groups is one endpoint: its health is shared
        const shareKey = JSON.stringify([def.name, def.uri, def.http, def.failure, def.addressing, def.keepRequestPath, def.draining, def.healthCheck && { ...def.healthCheck, loc: undefined }, def.toHeader && def.loc]);
        let a = this.shared.get(shareKey);
        if (!a) {
          a = new AddressEndpoint(def, this.outbound, this.env, this.events.emit);
          const before = this.previous.get(a.id);
          // a changed failure policy starts afresh: the old state was reached under other rules
          if (before && JSON.stringify(before.def.failure) === JSON.stringify(def.failure)) a.health.adopt(before.health);
          this.shared.set(shareKey, a);
        }
        e = a;
        break;
      }
      case 'loadbalance':
      case 'failover': {
        const members: Endpoint[] = [];
        for (const m of def.members) members.push(await this.build(m, path));
        const weights = def.members.map((m) => (m.kind === 'address' ? m.weight : 1));
        const g = new GroupEndpoint(def, members, weights, this.env.clock);
        e = def.session ? new SessionAffinity(g, await this.schemeFor(g, def.session), def.session.onFailure) : g;
        break;
      }
      case 'recipientlist': {
        const members: Endpoint[] = [];
        for (const m of def.members) members.push(await this.build(m, path));
        // a dynamic recipient is an address of its own (as a <send/> to a To address is), not shared with a named one
        e = new RecipientListEndpoint(def, members, (a) => new AddressEndpoint(a, this.outbound, this.env, this.events.emit), this.env.clock);
        break;
      }
    }
    this.built.set(def, e);
    return e;
  }

  /** How a group's <session> binds: a signed cookie for mode="insert" (no store), else the store's table. */
  private async schemeFor(g: GroupEndpoint, session: SessionDef): Promise<AffinityScheme<string | number | undefined>> {
    if (session.mode === 'insert') return new CookieSessions(g, session, cookieKeyFor(session, this.config.settings?.cookieKey?.value), this.env.clock, this.env.observer);
    const dispatcher = await createDispatcher(session, this.env.baseDir);
    return new TableSessions(g, dispatcher, session, this.env.store, this.env.limits.maxSessionIdBytes, this.env.observer);
  }
}
