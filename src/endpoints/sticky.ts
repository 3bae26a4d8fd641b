/**
 * Session affinity for a group: the session key of each message (from the group's dispatcher) is bound
 * to one member in the session store, and every message of the session goes to that member.
 *
 * - A bound session goes to its member even if that member is marked suspended (it may be back), but
 *   not when its active health check holds it out: that counts as "cannot be connected to".
 * - When the bound member cannot be connected to, `onFailure` decides: `rebind` moves the session to a
 *   healthy member (atomically, so concurrent gateway nodes converge on one) and keeps it there; `fault`
 *   answers with a fault and keeps the binding.
 * - A client-initiated session is bound on its first message (first writer wins across nodes); if that
 *   member cannot be connected to, the next one is tried and the binding moved.
 * - A server-initiated session is bound when a response creates it (Set-Cookie, ServiceGroupId).
 * - Draining members keep their sessions and take no new ones.
 * - With a durable store, an answer that shows the client a new or moved binding leaves only once the
 *   store confirmed the binding (Written.confirmed).
 */
import { type SessionDef } from '../config/session-def.ts';
import { type SessionDispatcher } from '../dispatch/dispatcher.ts';
import { MoorError } from '../errors.ts';
import { type MessageContext } from '../message/context.ts';
import { isPromiseLike, type MaybePromise } from '../maybe-promise.ts';
import { type Binding, type SessionStore, storeKeyOf } from '../session/store.ts';
import { type Endpoint } from './endpoint.ts';
import { type EndpointObserver } from './env.ts';
import { canTryNext, type GroupEndpoint } from './group.ts';

/** A bound session goes to its member even when that member is marked suspended (it may be back). */
const FORCE = { force: true } as const;

export class StickyRouter {
  constructor(
    private readonly group: GroupEndpoint,
    private readonly dispatcher: SessionDispatcher,
    private readonly policy: SessionDef,
    private readonly store: SessionStore,
    /** A longer session id is refused, and never reaches the store. */
    private readonly maxKeyBytes: number,
    private readonly observer?: EndpointObserver,
  ) {}

  /**
   * The key to choose a new session's member by (rendezvous hash), or undefined for the balancing
   * order: `choose="hash"` always, and `auto` with a store shared by several nodes, so that a node
   * that cannot reach the store (or never saw the session) still chooses what the others chose;
   * `hashWhenDegraded` only while the store cannot be asked.
   */
  private hashKey(key: string): string | undefined {
    const c = this.policy.choose;
    if (c === 'hash' || (c === 'auto' && this.store.acrossNodes)) return key;
    return c === 'hashWhenDegraded' && this.store.health === 'degraded' ? key : undefined;
  }

  /** `key` when it is within the limit; throws MOOR_ERR_SESSION_ID_TOO_LONG otherwise. */
  private bounded(key: string): string {
    if (!longerThan(key, this.maxKeyBytes)) return key;
    throw new MoorError('MOOR_ERR_SESSION_ID_TOO_LONG', `the session id (${this.dispatcher.description}) is longer than ${this.maxKeyBytes} bytes`);
  }

  /** The store key of a session: sessions are scoped to the group that holds the <session>. */
  private storeKey(key: string): string {
    return storeKeyOf(this.group.id, key);
  }

  /**
   * (Not async: when the key and the binding are there at once, the usual case with an in-memory
   * table, the bound member's send is handed on without an async frame of this router's own.)
   */
  send(request: MessageContext): Promise<MessageContext> {
    let k = this.dispatcher.keyOfRequest(request);
    if (isPromiseLike(k)) return this.sendWithKey(request, k);
    if (k === undefined) return this.sendUnkeyed(request, undefined);
    try {
      k = this.bounded(k);
    } catch (e) {
      return Promise.reject(e);
    }
    const b = this.store.get(this.storeKey(k), this.policy.expiry, this.policy.timeoutMs);
    if (isPromiseLike(b)) return this.sendWithBinding(request, k, b);
    const member = b && this.group.member(b.endpoint);
    return member ? this.sendBound(request, k, member) : this.sendWithBinding(request, k, b);
  }

  // (`return await` below: returning a pending promise from an async function costs more ticks)
  private async sendWithKey(request: MessageContext, pending: PromiseLike<string | undefined>): Promise<MessageContext> {
    const pendingKey = await pending;
    if (pendingKey === undefined) return await this.sendUnkeyed(request, undefined);
    const key = this.bounded(pendingKey);
    const b = this.store.get(this.storeKey(key), this.policy.expiry, this.policy.timeoutMs);
    return await this.sendWithBinding(request, key, b);
  }

  private async sendWithBinding(request: MessageContext, key: string, b: MaybePromise<Binding | undefined>): Promise<MessageContext> {
    const binding = isPromiseLike(b) ? await b : b;
    let unknown: string | undefined;
    if (binding) {
      const member = this.group.member(binding.endpoint);
      if (member) return await this.sendBound(request, key, member);
      request.log.warn(`session ${key} is bound to ${binding.endpoint}, which this gateway does not know; routing it as new`, { component: 'session' });
      unknown = binding.endpoint;
    }
    if (this.dispatcher.initiator === 'client') return await this.sendNewClientSession(request, key, unknown);
    return await this.sendUnkeyed(request, key);
  }

  /** A message of no session yet (or of one the server creates): any member may take it. */
  private async sendUnkeyed(request: MessageContext, key: string | undefined): Promise<MessageContext> {
    const { response, member } = await this.group.sendFree(request);
    if (this.dispatcher.keyOfResponse) await this.learn(response, member, key);
    return response;
  }

  /**
   * A bound session's message goes to its member. (Not async: the answer is taken in a continuation,
   * so no frame of the router stays suspended while the backend works.)
   */
  private sendBound(request: MessageContext, key: string, member: Endpoint): Promise<MessageContext> {
    return member.send(request, FORCE).then(
      (response) => this.boundAnswered(request, response, key, member),
      (e: unknown) => this.boundFailed(request, key, member, e),
    );
  }

  private boundAnswered(request: MessageContext, response: MessageContext, key: string, member: Endpoint): MessageContext | Promise<MessageContext> {
    note(request, response, { key, endpoint: member.id, outcome: 'bound' });
    return this.dispatcher.keyOfResponse ? this.learn(response, member, key).then(() => response) : response;
  }

  /** The bound member could not be reached: the session's onFailure policy decides. */
  private boundFailed(request: MessageContext, key: string, member: Endpoint, e: unknown): Promise<MessageContext> {
    if (!canTryNext(e, request)) throw e;
    if (this.policy.onFailure === 'fault') {
      throw new MoorError('MOOR_ERR_SESSION_ENDPOINT_DOWN', `session ${key} is bound to ${member.label}, which is down (onFailure="fault"): ${(e as Error).message}`, { cause: e });
    }
    request.log.warn(`session ${key}: ${member.id} is down, rebinding`, { component: 'session' });
    return this.rebind(request, key, member, new Set([member]));
  }

  /** Moves the session away from `from` to the next member that answers. */
  private async rebind(request: MessageContext, key: string, from: Endpoint, failed: Set<Endpoint>): Promise<MessageContext> {
    let current = from;
    for (;;) {
      const candidate = this.group.membersForNewSession(failed, this.hashKey(key))[0];
      if (!candidate) throw new MoorError('MOOR_ERR_NO_ENDPOINT', `session ${key}: no endpoint of ${this.group.label} could be reached`);
      // atomic: if another node already moved the session, follow it instead of overwriting it
      const winner = await this.store.rebind(this.storeKey(key), current.id, candidate.id, this.policy.timeoutMs);
      const target = this.group.member(winner.endpoint) ?? candidate;
      try {
        const response = await target.send(request, FORCE);
        note(request, response, { key, endpoint: target.id, outcome: 'rebound' });
        this.observer?.session(this.group.id, 'rebound');
        if (this.dispatcher.keyOfResponse) await this.learn(response, target, key);
        await winner.confirmed;
        return response;
      } catch (e) {
        if (!canTryNext(e, request)) throw e;
        failed.add(target);
        current = target;
      }
    }
  }

  /** `unknown`: the session is bound to an endpoint this gateway does not know, and is bound anew. */
  private async sendNewClientSession(request: MessageContext, key: string, unknown?: string): Promise<MessageContext> {
    const choice = this.group.membersForNewSession(undefined, this.hashKey(key))[0];
    if (!choice) throw new MoorError('MOOR_ERR_NO_ENDPOINT', `no endpoint of ${this.group.label} takes new sessions`);
    // a claim would return the unknown binding again (and every message would log it): move it, as
    // compare-and-set, so that nodes seeing it at once converge on one endpoint
    const binding =
      unknown === undefined
        ? await this.store.claim(this.storeKey(key), choice.id, this.policy.timeoutMs)
        : await this.store.rebind(this.storeKey(key), unknown, choice.id, this.policy.timeoutMs);
    const target = this.group.member(binding.endpoint) ?? choice;
    // (counted when bound, even if the first member fails and the session then moves)
    if (binding.endpoint === choice.id) this.observer?.session(this.group.id, 'new');
    try {
      const response = await target.send(request, FORCE);
      note(request, response, { key, endpoint: target.id, outcome: binding.endpoint === choice.id ? 'new' : 'bound' });
      // durable store: the first answer leaves once a replica holds the binding (the wait ran alongside the backend's)
      await binding.confirmed;
      return response;
    } catch (e) {
      // the first message of a session always tries the next endpoint when it cannot connect
      if (!canTryNext(e, request)) throw e;
      return await this.rebind(request, key, target, new Set([target]));
    }
  }

  /**
   * Server-initiated sessions: bind the key that the response creates to the member that served it.
   * (Callers check for keyOfResponse first: a client-initiated session then costs no async call here.)
   */
  private async learn(response: MessageContext, member: Endpoint, requestKey: string | undefined): Promise<void> {
    if (!this.dispatcher.keyOfResponse) return;
    let created: string | undefined;
    try {
      created = await this.dispatcher.keyOfResponse(response);
    } catch (e) {
      // a response that is not SOAP (an HTML error page) creates no session; it still reaches the client
      response.log.debug(`no session key in the response: ${(e as Error).message}`, { component: 'session' });
      return;
    }
    if (created === undefined || created === requestKey) return;
    if (longerThan(created, this.maxKeyBytes)) {
      // the backend's own answer still reaches the client; the session is just not sticky
      response.log.warn(`${member.id} created a session id longer than ${this.maxKeyBytes} bytes (${this.dispatcher.description}); not bound`, { component: 'session' });
      return;
    }
    const b = await this.store.claim(this.storeKey(created), member.id, this.policy.timeoutMs);
    response.session = { key: created, endpoint: b.endpoint, outcome: 'new' };
    if (b.endpoint === member.id) this.observer?.session(this.group.id, 'new');
    // durable store: the answer that hands the client its session leaves once a replica holds the binding
    await b.confirmed;
  }
}

/** True when `key` takes more than `max` bytes in UTF-8 (at most 3 per UTF-16 unit: a short id is not counted). */
function longerThan(key: string, max: number): boolean {
  return key.length * 3 > max && Buffer.byteLength(key) > max;
}

/** Records the session outcome on both messages (logs, the testing API). */
function note(request: MessageContext, response: MessageContext, session: NonNullable<MessageContext['session']>): void {
  request.session = session;
  response.session = session;
}
