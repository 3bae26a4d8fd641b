/**
 * WSO2's special properties: names a `<property>` sets to change how the message is sent or answered.
 * Each one moor reads behaves as in WSO2; each one it does not is a `moor validate` warning
 * (MOOR_WARN_DIFFERENT) at the `<property>` that sets it, so nothing differs silently. The list is
 * also the special-properties table of docs/compatibility.md (scripts/compat-table.ts).
 *
 * Implemented (where): OUT_ONLY, FORCE_SC_ACCEPTED (mediators/one-way.ts), HTTP_SC (property.ts, and
 * set by <call>), NO_ENTITY_BODY (property.ts marks the message, message/context.ts respondToClient), RESPONSE (the typed
 * properties.response of message/property-scopes.ts, read by send.ts, flow.ts, endpoints/headers.ts),
 * messageType and ContentType (REST peers and APIs: message/rest-payload.ts), REST_URL_POSTFIX, HTTP_METHOD (APIs).
 */

/** How moor treats one special property. */
export interface SpecialProperty {
  readonly scope: 'default' | 'axis2' | 'transport';
  readonly status: 'supported' | 'unsupported';
  /** What moor does (supported), or what it does not and what happens instead (unsupported). */
  readonly note: string;
}

/** The special properties moor knows of, by name. */
export const SPECIAL_PROPERTIES: Readonly<Record<string, SpecialProperty>> = {
  OUT_ONLY: { scope: 'default', status: 'supported', note: 'true: the client gets 202 as soon as the request is on its way, before the backend answers (also when it is down), as in WSO2; the answer a backend gives is dropped; a failed send is logged and runs the fault sequence' },
  FORCE_SC_ACCEPTED: { scope: 'axis2', status: 'supported', note: 'true: the client gets 202 Accepted with no body, and a <send> is one-way (as with OUT_ONLY)' },
  HTTP_SC: { scope: 'axis2', status: 'supported', note: 'the HTTP status of the answer; <call> sets it to the status it received' },
  NO_ENTITY_BODY: { scope: 'axis2', status: 'supported', note: 'true: the answer to the client, if it is this message, goes without a body (and without Content-Type); on a request sent to a backend it changes nothing (WSO2 sends that request without a body)' },
  RESPONSE: { scope: 'default', status: 'supported', note: 'true: a <send> in the request path answers the client instead (as after <makefault>)' },
  messageType: { scope: 'axis2', status: 'supported', note: 'the format a message goes out in to a REST peer or an API client (application/json: the payload as JSON, an XML one converted by WSO2\'s rules; application/xml; text/xml…); proxies forward SOAP as it is' },
  REST_URL_POSTFIX: { scope: 'axis2', status: 'supported', note: 'the path appended to an address endpoint (APIs)' },
  HTTP_METHOD: { scope: 'axis2', status: 'supported', note: 'the HTTP method of the request to a REST peer (APIs)' },
  ContentType: { scope: 'axis2', status: 'supported', note: 'the Content-Type a message goes out with to a REST peer or an API client, over the type of its messageType (WSO2\'s override); a proxy\'s SOAP message keeps its own' },
  'FORCE_HTTP_1.0': { scope: 'axis2', status: 'unsupported', note: 'not read: moor always speaks HTTP/1.1 to backends' },
  DISABLE_CHUNKING: { scope: 'axis2', status: 'unsupported', note: 'not read: moor sends a known length when it has the whole message, chunks otherwise' },
  FORCE_HTTP_CONTENT_LENGTH: { scope: 'axis2', status: 'unsupported', note: 'not read: moor sends a known length when it has the whole message, chunks otherwise' },
  COPY_CONTENT_LENGTH_FROM_INCOMING: { scope: 'axis2', status: 'unsupported', note: 'not read: a body that streams on unchanged keeps its length anyway' },
  PRESERVE_WS_ADDRESSING: { scope: 'default', status: 'unsupported', note: 'not read: moor always forwards the WS-Addressing headers as they came' },
  POST_TO_URI: { scope: 'axis2', status: 'unsupported', note: 'not read: moor posts to the address path' },
  FORCE_POST_PUT_NOBODY: { scope: 'axis2', status: 'unsupported', note: 'not read' },
  NO_KEEPALIVE: { scope: 'axis2', status: 'unsupported', note: 'not read: moor keeps backend connections alive (one pool per origin)' },
  FAULTS_AS_HTTP_200: { scope: 'axis2', status: 'unsupported', note: 'not read: faults keep their SOAP binding status (500, 400)' },
  ClientApiNonBlocking: { scope: 'axis2', status: 'unsupported', note: 'not read: moor never blocks on a backend' },
  preserveProcessedHeaders: { scope: 'default', status: 'unsupported', note: 'not read: moor forwards every SOAP header block' },
  TRANSPORT_HEADERS: { scope: 'axis2', status: 'unsupported', note: 'not read: remove transport headers one by one with <property scope="transport" action="remove">' },
  DISABLE_SMOOKS_RESULT_PAYLOAD: { scope: 'default', status: 'unsupported', note: 'not read: <smooks> is refused' },
};

/** The warning for a `<property name>` that WSO2 reads and moor does not, or undefined. */
export function specialPropertyWarning(name: string): string | undefined {
  const p = SPECIAL_PROPERTIES[name];
  return p?.status === 'unsupported' ? `${name} is a WSO2 special property that moor does not implement: ${p.note}` : undefined;
}
