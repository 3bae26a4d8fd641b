/**
 * Table affinity, the scheme of every <session> but mode="insert": the session key of each message
 * (from the group's dispatcher) is bound to one member in the session store, and every message of the
 * session goes to that member (SessionAffinity sends it there and applies onFailure).
 *
 * - A client-initiated session is bound on its first message (first writer wins across nodes); if that
 *   member cannot be connected to, the next one is tried and the binding moved.
 * - A server-initiated session is bound when a response creates it (Set-Cookie, ServiceGroupId).
 * - A session moves by compare-and-set, so that concurrent gateway nodes converge on one member.
 * - Draining members keep their sessions and take no new ones.
 * - With a durable store, an answer that shows the client a new or moved binding leaves only once the
 *   store confirmed the binding (Written.confirmed).
 */
import { type SessionDef } from '../config/session-def.ts';
import { type SessionDispatcher } from '../dispatch/dispatcher.ts';
import { MoorError } from '../errors.ts';
import { type MessageContext } from '../message/context.ts';
import { isPromiseLike, type MaybePromise } from '../maybe-promise.ts';
import { type Binding, type SessionStore, storeKeyOf, type Written } from '../session/store.ts';
import { type AffinityScheme, type Route } from './affinity.ts';
import { type Endpoint } from './endpoint.ts';
import { type EndpointObserver } from './env.ts';
import { type Members } from './members.ts';
import { firstToAnswer } from './try-in-order.ts';

/** A table session: its key, or undefined for a message that carries none. */
type Key = string | undefined;

/** The route of a message without a session key: any member may take it. */
const UNKEYED: Route<Key> = { member: undefined, session: undefined };

export class TableSessions implements AffinityScheme<Key> {
  readonly kind = 'table';

  constructor(
    private readonly group: Members,
    private readonly dispatcher: SessionDispatcher,
    private readonly policy: SessionDef,
    private readonly store: SessionStore,
    /** A longer session id is refused, and never reaches the store. */
    private readonly maxKeyBytes: number,
    private readonly observer?: EndpointObserver,
  ) {}

  route(request: MessageContext): MaybePromise<Route<Key>> {
    const k = this.dispatcher.keyOfRequest(request);
    return isPromiseLike(k) ? Promise.resolve(k).then((key) => this.lookUp(request, key)) : this.lookUp(request, k);
  }

  describe(key: Key): string {
    return `session ${key}`;
  }

  sendNew(request: MessageContext, route: Route<Key>): Promise<MessageContext> {
    const key = route.session;
    if (key !== undefined && this.dispatcher.initiator === 'client') return this.bind(request, key, route.stale, new Set(), false);
    return this.sendUnkeyed(request, key);
  }

  answered(request: MessageContext, response: MessageContext, member: Endpoint, key: Key): MessageContext | Promise<MessageContext> {
    note(request, response, { key: key!, endpoint: member.id, outcome: 'bound' });
    return this.dispatcher.keyOfResponse ? this.learn(response, member, key).then(() => response) : response;
  }

  move(request: MessageContext, key: Key, from: Endpoint): Promise<MessageContext> {
    return this.bind(request, key!, from.id, new Set([from]), true);
  }

  /** The member `key` is bound to (throws MOOR_ERR_SESSION_ID_TOO_LONG for a key over the limit). */
  private lookUp(request: MessageContext, k: Key): MaybePromise<Route<Key>> {
    if (k === undefined) return UNKEYED;
    const key = this.bounded(k);
    const b = this.store.get(this.storeKey(key), this.policy.expiry, this.policy.timeoutMs);
    return isPromiseLike(b) ? Promise.resolve(b).then((binding) => this.routeOf(request, key, binding)) : this.routeOf(request, key, b);
  }

  private routeOf(request: MessageContext, key: string, binding: Binding | undefined): Route<Key> {
    if (!binding) return { member: undefined, session: key };
    const member = this.group.member(binding.endpoint);
    if (member) return { member, session: key };
    request.log.warn(`session ${key} is bound to ${binding.endpoint}, which this gateway does not know; routing it as new`, { component: 'session' });
    return { member: undefined, session: key, stale: binding.endpoint };
  }

  /** A message of no session yet (or of one the server creates): any member may take it. */
  private async sendUnkeyed(request: MessageContext, key: Key): Promise<MessageContext> {
    const { response, member } = await this.group.sendFree(request);
    if (this.dispatcher.keyOfResponse) await this.learn(response, member, key);
    return response;
  }

  /**
   * Binds session `key` to the first member that answers, and answers with it. A new session is
   * claimed (`from` undefined: the first writer wins across nodes); a session bound to `from` (a member
   * that failed, or one this gateway does not know) is moved by compare-and-set; if the member that
   * holds the binding then cannot be connected to, the session moves on (`moving`: the first binding
   * was a move already).
   */
  private async bind(request: MessageContext, key: string, from: string | undefined, failed: Set<Endpoint>, moving: boolean): Promise<MessageContext> {
    const storeKey = this.storeKey(key);
    const hash = this.hashKey(key);
    let holder = from;
    let first = !moving;
    let outcome: 'new' | 'bound' | 'rebound' = 'rebound';
    let written: Written | undefined;
    const next = async (): Promise<Endpoint | undefined> => {
      const candidate = this.group.membersForNewSession(failed, hash)[0];
      if (!candidate) return undefined;
      // a claim would return a binding to an unknown member again (and every message would log it):
      // that one is moved, as compare-and-set, so that nodes seeing it at once converge on one member
      written = holder === undefined ? await this.store.claim(storeKey, candidate.id, this.policy.timeoutMs) : await this.store.rebind(storeKey, holder, candidate.id, this.policy.timeoutMs);
      // if another node already bound or moved the session, follow it instead of overwriting it
      const target = this.group.member(written.endpoint) ?? candidate;
      outcome = !first ? 'rebound' : written.endpoint === candidate.id ? 'new' : 'bound';
      // (counted when bound, even if the member then fails and the session moves)
      if (outcome === 'new') this.observer?.session(this.group.id, 'new');
      first = false;
      holder = target.id;
      return target;
    };
    const answered = await firstToAnswer(request, next, failed);
    if (!answered) {
      throw new MoorError('MOOR_ERR_NO_ENDPOINT', !moving && failed.size === 0 ? `no endpoint of ${this.group.label} takes new sessions` : `session ${key}: no endpoint of ${this.group.label} could be reached`);
    }
    const { response, member } = answered;
    note(request, response, { key, endpoint: member.id, outcome });
    if (outcome === 'rebound') {
      this.observer?.session(this.group.id, 'rebound');
      if (this.dispatcher.keyOfResponse) await this.learn(response, member, key);
    }
    // durable store: the answer leaves once a replica holds the binding (the wait ran alongside the backend's)
    await written!.confirmed;
    return response;
  }

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
   * Server-initiated sessions: bind the key that the response creates to the member that served it.
   * (Callers check for keyOfResponse first: a client-initiated session then costs no async call here.)
   */
  private async learn(response: MessageContext, member: Endpoint, requestKey: Key): Promise<void> {
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
