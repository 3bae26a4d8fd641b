/**
 * moor as a library: the gateway to embed in a Node process, and the types that extensions implement
 * (a `<class>` mediator and a `<session type="class">` dispatcher against MediatorContext, a session
 * store) or catch (ConfigErrors, each ConfigError with its SourceLoc; MoorError with its ErrorCode from
 * the catalogue). The in-process testing
 * API is `moor/testing` (docs/testing.md).
 */
export { Gateway, type GatewayOptions } from './server/gateway.ts';
export { ConfigError, ConfigErrors, ERROR_CODES, type CatalogueEntry, type ErrorCode, type ErrorKind, type FaultBlame, MoorError, type SourceLoc } from './errors.ts';
export { type ClassDispatcher, type ClassMediator, type MediatorContext } from './mediators/mediator-context.ts';
export { type Clock, ManualClock, systemClock } from './session/clock.ts';
export { type SessionDef } from './config/session-def.ts';
export { type Logger } from './logging.ts';
export { type MessageContext, type SessionNote, type TransportHeaders } from './message/context.ts';
export { type MediationEnv, type Outcome } from './mediators/mediator.ts';
export { type SessionDispatcher } from './dispatch/dispatcher.ts';
export { type Binding, type Expiry, type SessionStore } from './session/store.ts';
export { MemoryStore } from './session/memory-store.ts';
