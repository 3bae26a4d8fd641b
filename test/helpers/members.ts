/**
 * Endpoints for unit tests of groups and affinity, without sockets: members that answer, refuse the
 * connection (nothing sent: another member may be tried) or time out (the backend may have acted),
 * and record what they were sent. Their answers are real MessageContexts.
 */
import { type GroupDef } from '../../src/config/endpoint-def.ts';
import { DEFAULT_SESSION_TIMEOUT_MS, type SessionDef } from '../../src/config/session-def.ts';
import { type Endpoint, type SendOptions } from '../../src/endpoints/endpoint.ts';
import { type EndpointObserver } from '../../src/endpoints/env.ts';
import { GroupEndpoint } from '../../src/endpoints/group.ts';
import { EndpointError } from '../../src/endpoints/send-failure.ts';
import { headerValue, type MessageContext } from '../../src/message/context.ts';
import { type Clock, ManualClock } from '../../src/session/clock.ts';
import { contextOf } from '../fixtures/messages.ts';

export type Behaviour = 'answer' | 'refused' | 'timeout';

export const ENVELOPE = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>';

export interface FakeMember extends Endpoint {
  behaviour: Behaviour;
  /** False: marked suspended (a balancing order puts it last; a bound session still tries it). */
  up: boolean;
  draining: boolean;
  /** The Cookie header of every request it was sent, in order (undefined: none). */
  readonly cookies: (string | undefined)[];
  /** Headers its answers carry (a Set-Cookie that creates a session). */
  answerHeaders: Record<string, string>;
  readonly sent: number;
}

/** A member `id` that behaves as told (changeable later: `m.behaviour = 'refused'`). */
export function member(id: string, behaviour: Behaviour = 'answer', state: { draining?: boolean; up?: boolean } = {}): FakeMember {
  const m: FakeMember = {
    id,
    label: id,
    behaviour,
    up: state.up ?? true,
    draining: state.draining ?? false,
    inFlight: 0,
    cookies: [],
    answerHeaders: {},
    get sent() {
      return this.cookies.length;
    },
    available(): boolean {
      return this.up && !this.draining;
    },
    send(request: MessageContext, options?: SendOptions): Promise<MessageContext> {
      // a suspended member is sent only what is forced onto it, as an AddressEndpoint refuses the rest
      if (!this.up && !options?.force) return Promise.reject(new EndpointError('unreachable', id, 'suspended', { summary: 'suspended' }));
      m.cookies.push(headerValue(request.transport, 'cookie'));
      if (this.behaviour === 'refused') return Promise.reject(new EndpointError('unreachable', id, 'ECONNREFUSED'));
      if (this.behaviour === 'timeout') return Promise.reject(new EndpointError('timeout', id, 'no response within 10 ms'));
      const response = contextOf(ENVELOPE, { ...this.answerHeaders, 'x-answered-by': id }, 'response');
      return Promise.resolve(response);
    },
    *leaves() {
      yield this;
    },
  };
  return m;
}

/** Which member answered `response`. */
export function answeredBy(response: MessageContext): string | undefined {
  return headerValue(response.transport, 'x-answered-by');
}

/** Of two members, the one that answered `response` (a session's home) first, then the other. */
export function homeFirst(response: MessageContext, a: FakeMember, b: FakeMember): [home: FakeMember, other: FakeMember] {
  return answeredBy(response) === a.id ? [a, b] : [b, a];
}

export const LOC = { file: 't.xml', line: 1, col: 1 };

/** A group `G` of `members`, as the registry would build it. */
export function groupOf(members: Endpoint[], extra: Partial<GroupDef> = {}, weights = members.map(() => 1), clock: Clock = new ManualClock()): GroupEndpoint {
  const def: GroupDef = { kind: 'loadbalance', loc: LOC, name: 'G', algorithm: 'roundRobin', failover: true, dynamic: true, members: [], session: undefined, draining: false, ...extra };
  return new GroupEndpoint(def, members, weights, clock);
}

/** A <session> as parsed, with Synapse's defaults. */
export function sessionDef(extra: Partial<SessionDef> = {}): SessionDef {
  return {
    type: 'http',
    loc: LOC,
    timeoutMs: DEFAULT_SESSION_TIMEOUT_MS,
    expiry: 'sliding',
    onFailure: 'rebind',
    choose: 'balance',
    chosen: false,
    cookie: 'JSESSIONID',
    mode: 'learn',
    namespaces: new Map(),
    cookieSecure: false,
    cookieSameSite: 'Lax',
    cookiePath: '/',
    ...extra,
  };
}

/** Counts what the metrics would be told of sessions. */
export function sessionCounter(): EndpointObserver & { readonly counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  return {
    counts,
    backend: () => undefined,
    session: (group, outcome) => {
      counts[`${group} ${outcome}`] = (counts[`${group} ${outcome}`] ?? 0) + 1;
    },
  };
}

/** A request, with a Cookie header when given. */
export function request(cookie?: string, body = ENVELOPE): MessageContext {
  return contextOf(body, cookie === undefined ? {} : { cookie });
}
