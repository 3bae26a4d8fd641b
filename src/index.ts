/**
 * moor as a library: the gateway to embed in a Node process, and the types that extensions implement
 * (a `<class>` mediator, a `<session type="class">` dispatcher, a session store). The in-process testing
 * API is `moor/testing` (docs/testing.md).
 */
export { Gateway, type GatewayOptions } from './server/gateway.ts';
export { MoorError } from './errors.ts';
export { type MessageContext, type SessionNote, type TransportHeaders } from './message/context.ts';
export { type MediationEnv, type Outcome } from './mediators/mediator.ts';
export { type SessionDispatcher } from './dispatch/dispatcher.ts';
export { type Binding, type Expiry, type SessionStore } from './session/store.ts';
export { MemoryStore } from './session/memory-store.ts';
