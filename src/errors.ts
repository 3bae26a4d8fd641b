/**
 * One catalogue of every error moor reports, in the manner of fastify's FST_ERR_*: each code has a
 * literal name, a one-line meaning, and (for traffic errors) the SOAP fault it becomes. docs/errors.md
 * documents every code; test/errors.test.ts keeps the two in sync.
 */
export const ERROR_CODES = {
  // configuration (fatal at start, reported by `moor validate`)
  MOOR_ERR_CONFIG_XML: 'a configuration file is not well-formed XML',
  MOOR_ERR_CONFIG_DIR: 'the configuration folder is missing, unreadable or holds no *.xml file',
  MOOR_ERR_UNKNOWN_ELEMENT: 'an element that moor does not know at this place',
  MOOR_ERR_UNKNOWN_MEDIATOR: 'an element inside a sequence that is not a mediator',
  MOOR_ERR_UNKNOWN_ATTRIBUTE: 'an attribute that the element does not take',
  MOOR_ERR_MISSING_ATTRIBUTE: 'a required attribute is missing',
  MOOR_ERR_BAD_VALUE: 'an attribute or element value is not of the expected form',
  MOOR_ERR_DUPLICATE_NAME: 'two artifacts of one kind share a name',
  MOOR_ERR_UNRESOLVED_KEY: 'a key names no artifact',
  MOOR_ERR_SEQUENCE_CYCLE: 'sequences that call each other in a cycle',
  MOOR_ERR_UNKNOWN_SESSION_TYPE: 'a <session type> that does not exist',
  MOOR_ERR_UNSUPPORTED: 'a Synapse feature that moor does not support',
  MOOR_ERR_CLASS_LOAD: 'a user module named by class= could not be loaded or has the wrong shape',
  MOOR_ERR_BAD_XPATH: 'an XPath expression that does not compile or uses an undeclared prefix',
  // configuration warnings (printed by `moor validate` with exit 0, logged at start)
  MOOR_WARN_NO_EFFECT: 'a construct that moor reads but that changes nothing',
  MOOR_WARN_DIFFERENT: 'a construct that works, but not exactly as in Synapse (the message says how)',
  MOOR_ERR_COOKIE_KEY: 'a mode="insert" session has no HMAC key (<moor:cookieKey> or MOOR_COOKIE_KEY), or one too short',
  // command line
  MOOR_ERR_CLI_USAGE: 'a bad command-line flag or argument',
  MOOR_ERR_CLI_ADMIN: 'a command against a running gateway found none at the admin URL, or the gateway refused the call',
  MOOR_ERR_LISTEN: 'moor start cannot listen on the given host and port (in use, not on this machine, no permission)',
  MOOR_ERR_ADMIN_TOKEN: 'the admin listener would be reachable from other machines without a token (exit code 1)',
  // testing (`moor test`, moor/testing)
  MOOR_ERR_TEST_SUITE: 'a test suite is malformed or names a file, artifact or endpoint that does not exist',
  MOOR_ERR_UNMOCKED_ENDPOINT: 'a test sent a message to an endpoint that has no mock',
  // traffic (each becomes a SOAP fault in the request's own SOAP version)
  MOOR_ERR_NOT_SOAP: 'the request content type is not SOAP (HTTP 415)',
  MOOR_ERR_DOCTYPE: 'the message holds a document type declaration, which SOAP forbids',
  MOOR_ERR_MALFORMED_XML: 'the message is not well-formed XML',
  MOOR_ERR_NOT_ENVELOPE: 'the message is XML but not a SOAP envelope of the expected shape',
  MOOR_ERR_VERSION_MISMATCH: 'the Envelope is in neither the SOAP 1.1 nor the SOAP 1.2 namespace',
  MOOR_ERR_MESSAGE_TOO_LARGE: 'the message, its head, or its nesting exceeds a configured limit (HTTP 413)',
  MOOR_ERR_REQUEST_TIMEOUT: 'the request body sent nothing for longer than bodyStallMs (HTTP 408, the connection is closed)',
  MOOR_ERR_SESSION_ID_TOO_LONG: 'a session id longer than maxSessionIdBytes (HTTP 400); it is not stored',
  MOOR_ERR_HEADER_VALUE: 'a value a mediator puts into an HTTP header cannot be sent there (HTTP 400)',
  MOOR_ERR_NO_SERVICE: 'no proxy service answers at the requested path (HTTP 404)',
  MOOR_ERR_METHOD: 'a request to a service that is neither a POST nor a GET for its WSDL (HTTP 405)',
  MOOR_ERR_NO_MAIN: 'the request matched no proxy and there is no main sequence',
  MOOR_ERR_ENDPOINT_UNREACHABLE: 'the backend endpoint could not be connected to',
  MOOR_ERR_ENDPOINT_TIMEOUT: 'the backend endpoint did not answer in time',
  MOOR_ERR_NO_ENDPOINT: 'every endpoint of a group is unreachable, suspended or draining',
  MOOR_ERR_SESSION_ENDPOINT_DOWN: 'a session is bound to an endpoint that is down and its policy is onFailure="fault"',
  MOOR_ERR_MEDIATION: 'a mediator failed while processing the message',
  MOOR_ERR_SHUTTING_DOWN: 'the gateway is stopping and takes no new requests (HTTP 503)',
  MOOR_ERR_THROTTLED: 'a <throttle> refused the request and has no onReject (HTTP 429, blames the client)',
  MOOR_ERR_BUSY: 'the parse budget is spent and as many messages wait for it (HTTP 503)',
  MOOR_ERR_BAD_REPLY: 'a backend answered with a reply that is not a well-formed SOAP envelope, or one over a limit (HTTP 502, blames the backend)',
} as const;

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
