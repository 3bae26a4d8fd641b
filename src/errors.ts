/**
 * One catalogue of every error moor reports, in the manner of fastify's FST_ERR_*: each code has a
 * literal name, where it is reported, a one-line meaning, and the SOAP fault it becomes with its HTTP
 * status in each SOAP version. server/faults.ts builds every fault from it; docs/errors.md lists
 * exactly its codes, with the same faults and statuses (test/errors.test.ts keeps the two in sync).
 */

/** Who a fault blames, in the words of SOAP 1.1 and of SOAP 1.2. */
export interface FaultBlame {
  readonly soap11: 'Client' | 'Server' | 'VersionMismatch';
  readonly soap12: 'Sender' | 'Receiver' | 'VersionMismatch';
}

/** The sender of the message (its request is wrong). */
const CLIENT: FaultBlame = { soap11: 'Client', soap12: 'Sender' };
/** The gateway or what is behind it. */
const SERVER: FaultBlame = { soap11: 'Server', soap12: 'Receiver' };
/** The Envelope's namespace is neither SOAP version's. */
const VERSION: FaultBlame = { soap11: 'VersionMismatch', soap12: 'VersionMismatch' };

/** Where a code is reported: a configuration line, the command line, a test run, or a SOAP fault. */
export type ErrorKind = 'config' | 'warning' | 'cli' | 'testing' | 'traffic';

export interface CatalogueEntry {
  readonly kind: ErrorKind;
  readonly meaning: string;
  /**
   * The fault this code becomes when it reaches a client. Traffic codes say; any other code that
   * reaches one (a key that names nothing, found while a message is routed) is the gateway's: Server.
   */
  readonly fault: FaultBlame;
  /** The HTTP status of that fault in SOAP 1.1 and in SOAP 1.2. */
  readonly status: { readonly soap11: number; readonly soap12: number };
}

/** A code reported where it is not a fault; if one ever reaches a client, it is the gateway's. */
function reported(kind: Exclude<ErrorKind, 'traffic'>): (meaning: string) => CatalogueEntry {
  return (meaning) => ({ kind, meaning, fault: SERVER, status: { soap11: 500, soap12: 500 } });
}
const config = reported('config');
const warning = reported('warning');
const cli = reported('cli');
const testing = reported('testing');

/**
 * A code that becomes a fault. Without `status`, the bindings' own: SOAP 1.1 faults are 500 (WS-I
 * Basic Profile R1126); SOAP 1.2 Sender faults 400, the others 500. `status` is HTTP's more precise
 * answer (415, 413, 503…), the same in both versions.
 */
function traffic(fault: FaultBlame, meaning: string, status?: number): CatalogueEntry {
  return { kind: 'traffic', meaning, fault, status: { soap11: status ?? 500, soap12: status ?? (fault === CLIENT ? 400 : 500) } };
}

export const ERROR_CODES = {
  // configuration (fatal at start, reported by `moor validate`)
  MOOR_ERR_CONFIG_XML: config('a configuration file is not well-formed XML'),
  MOOR_ERR_CONFIG_DIR: config('the configuration folder is missing, unreadable or holds no *.xml file'),
  MOOR_ERR_UNKNOWN_ELEMENT: config('an element that moor does not know at this place'),
  MOOR_ERR_UNKNOWN_MEDIATOR: config('an element inside a sequence that is not a mediator'),
  MOOR_ERR_UNKNOWN_ATTRIBUTE: config('an attribute that the element does not take'),
  MOOR_ERR_MISSING_ATTRIBUTE: config('a required attribute is missing'),
  MOOR_ERR_BAD_VALUE: config('an attribute or element value is not of the expected form'),
  MOOR_ERR_DUPLICATE_NAME: config('two artifacts of one kind share a name'),
  MOOR_ERR_UNRESOLVED_KEY: config('a key names no artifact'),
  MOOR_ERR_WSDL: config("a <wsdl> endpoint's WSDL cannot be read or fetched, is not a WSDL, or has no such service and port"),
  MOOR_ERR_SEQUENCE_CYCLE: config('sequences that call each other in a cycle'),
  MOOR_ERR_UNKNOWN_SESSION_TYPE: config('a <session type> that does not exist'),
  MOOR_ERR_UNSUPPORTED: config('a Synapse feature that moor does not support'),
  MOOR_ERR_CLASS_LOAD: config('a user module named by class= could not be loaded or has the wrong shape'),
  MOOR_ERR_BAD_XPATH: config('an XPath expression that does not compile or uses an undeclared prefix'),
  MOOR_ERR_COOKIE_KEY: config('a mode="insert" session has no HMAC key (<moor:cookieKey> or MOOR_COOKIE_KEY), or one too short'),
  // configuration warnings (printed by `moor validate` with exit 0, logged at start)
  MOOR_WARN_NO_EFFECT: warning('a construct that moor reads but that changes nothing'),
  MOOR_WARN_DIFFERENT: warning('a construct that works, but not exactly as in Synapse (the message says how)'),
  // command line
  MOOR_ERR_CLI_USAGE: cli('a bad command-line flag or argument'),
  MOOR_ERR_CLI_ADMIN: cli('a command against a running gateway found none at the admin URL, or the gateway refused the call'),
  MOOR_ERR_LISTEN: cli('moor start cannot listen on the given host and port (in use, not on this machine, no permission)'),
  MOOR_ERR_TLS: cli('moor start cannot use the certificate or key of its HTTPS listener (unreadable, not PEM, a key that is not the certificate\'s)'),
  MOOR_ERR_ADMIN_TOKEN: cli('the admin listener would be reachable from other machines without a token (exit code 1)'),
  // testing (`moor test`, moor/testing)
  MOOR_ERR_TEST_SUITE: testing('a test suite is malformed or names a file, artifact or endpoint that does not exist'),
  MOOR_ERR_UNMOCKED_ENDPOINT: testing('a test sent a message to an endpoint that has no mock'),
  // traffic: each becomes a SOAP fault in the request's own SOAP version
  MOOR_ERR_NOT_SOAP: traffic(CLIENT, 'the request content type is not SOAP', 415),
  MOOR_ERR_NOT_XML: traffic(CLIENT, 'a mediator needs the payload as XML, but it is text or another type (not XML, not JSON) that moor carries through unread', 415),
  MOOR_ERR_DOCTYPE: traffic(CLIENT, 'the message holds a document type declaration, which SOAP forbids'),
  MOOR_ERR_MALFORMED_XML: traffic(CLIENT, 'the message is not well-formed XML'),
  MOOR_ERR_MALFORMED_JSON: traffic(CLIENT, 'a JSON payload that json-eval() or a conversion to XML reads is not well-formed JSON'),
  MOOR_ERR_JSON_TO_XML: traffic(CLIENT, 'a JSON payload a mediator needs as XML cannot be XML under WSO2\'s rules (a top-level value, a name twice in one object, a name or character XML cannot hold)'),
  MOOR_ERR_NOT_ENVELOPE: traffic(CLIENT, 'the message is XML but not a SOAP envelope of the expected shape'),
  MOOR_ERR_VERSION_MISMATCH: traffic(VERSION, 'the Envelope is in neither the SOAP 1.1 nor the SOAP 1.2 namespace'),
  MOOR_ERR_MESSAGE_TOO_LARGE: traffic(CLIENT, 'the message, its head, or its nesting exceeds a configured limit', 413),
  MOOR_ERR_REQUEST_TIMEOUT: traffic(CLIENT, 'the request body sent nothing for longer than bodyStallMs, or was waited for longer than bodyTimeoutMs in all (the connection is closed)', 408),
  MOOR_ERR_SESSION_ID_TOO_LONG: traffic(CLIENT, 'a session id longer than maxSessionIdBytes; it is not stored', 400),
  MOOR_ERR_HEADER_VALUE: traffic(CLIENT, 'a value a mediator puts into an HTTP header cannot be sent there', 400),
  MOOR_ERR_NO_SERVICE: traffic(CLIENT, 'no proxy service answers at the requested path', 404),
  MOOR_ERR_METHOD: traffic(CLIENT, 'a request to a service that is neither a POST nor a GET for its WSDL', 405),
  MOOR_ERR_NO_MAIN: traffic(SERVER, 'the request matched no proxy and there is no main sequence'),
  MOOR_ERR_ENDPOINT_UNREACHABLE: traffic(SERVER, 'the backend endpoint could not be connected to'),
  MOOR_ERR_ENDPOINT_TIMEOUT: traffic(SERVER, 'the backend endpoint did not answer in time'),
  MOOR_ERR_NO_ENDPOINT: traffic(SERVER, 'every endpoint of a group is unreachable, suspended or draining'),
  MOOR_ERR_SESSION_ENDPOINT_DOWN: traffic(SERVER, 'a session is bound to an endpoint that is down and its policy is onFailure="fault"'),
  MOOR_ERR_MEDIATION: traffic(SERVER, 'a mediator failed while processing the message'),
  MOOR_ERR_SHUTTING_DOWN: traffic(SERVER, 'the gateway is stopping and takes no new requests', 503),
  MOOR_ERR_THROTTLED: traffic(CLIENT, 'a <throttle> refused the request and has no onReject', 429),
  MOOR_ERR_BUSY: traffic(SERVER, 'the parse budget is spent and as many messages wait for it', 503),
  MOOR_ERR_SCRIPT_BUSY: traffic(SERVER, 'as many <script> runs wait for a worker thread as scriptQueueMax allows', 503),
  MOOR_ERR_STORE_FULL: traffic(SERVER, 'a <store> found its message store full (moor:maxMessages or moor:maxBytes reached)', 503),
  MOOR_ERR_STORE_UNAVAILABLE: traffic(SERVER, 'a <store> could not reach the Redis its message store (moor.RedisMessageStore) lives in', 503),
  MOOR_ERR_BAD_REPLY: traffic(SERVER, 'a backend answered with a reply that is not a well-formed SOAP envelope, or one over a limit (blames the backend)', 502),
} as const satisfies Record<`MOOR_${'ERR' | 'WARN'}_${string}`, CatalogueEntry>;

/** A code from the catalogue. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The catalogue's warning codes: a configuration that loads, with something to say about it. */
export type WarningCode = Extract<ErrorCode, `MOOR_WARN_${string}`>;

/** Base of every error moor raises on purpose: a literal code, a message, an optional cause. */
export class MoorError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'MoorError';
  }
}

/** A place in a source file: 1-based line and column. */
export interface SourceLoc {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** A configuration problem, printed as `file:line:col CODE message`. */
export class ConfigError extends MoorError {
  readonly loc: SourceLoc;
  constructor(code: ErrorCode, loc: SourceLoc, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.loc = loc;
    this.name = 'ConfigError';
  }
  override toString(): string {
    // one problem, one line: a message quoting a multi-line value (an attribute with a line break)
    // must not break the `file:line:col CODE message` format that tools parse
    return `${this.loc.file}:${this.loc.line}:${this.loc.col} ${this.code} ${this.message.replace(/\s*[\r\n]+\s*/g, ' ')}`;
  }
}

/** Several configuration problems found in one load; `moor validate` prints each on its own line. */
export class ConfigErrors extends Error {
  readonly errors: readonly ConfigError[];
  constructor(errors: readonly ConfigError[]) {
    super(errors.map((e) => e.toString()).join('\n'));
    this.errors = errors;
    this.name = 'ConfigErrors';
  }
}
