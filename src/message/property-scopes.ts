/**
 * The default and axis2 property scopes of a message, with what controls its flow as typed fields:
 *   RESPONSE       (default) `properties.response`: the message is the answer to the client
 *   TransportInURL (axis2)   `axis2.transportInUrl`: the request's path and query as they came
 *   ENDPOINT       (axis2)   `axis2.endpoint`: the id of the address endpoint that answered
 * moor's layers read the fields (send, the flow, the client's headers, an address endpoint, the To
 * address, the access log), not the names. The Synapse names stay as views for get-property(),
 * <property>, scripts, class mediators and moor/testing's results: they are entries of the maps, and
 * every write of one (set, delete, clear, a copy) goes through the field too, so the two never
 * disagree, whoever writes. The names are spelled here only.
 */

type Entries = Iterable<readonly [string, unknown]>;

/** Default-scope properties (`$ctx:`), shared by a request and its response as in Synapse. */
export class DefaultScope extends Map<string, unknown> {
  /** RESPONSE is true (the boolean: `<property type="BOOLEAN">`, `<makefault response="true">`). */
  response = false;

  /**
   * MI 4.4's variables (`<variable>`, read by `${vars.x}`): not properties (get-property() and `$ctx:`
   * do not see them), but they live as long and go as far: shared by a request and its response, and
   * copied with the scope for a part of an <iterate> or <clone>. Values: string, number, bigint
   * (LONG), boolean, a JSON value ({ json }), or XML text ({ xml }).
   */
  readonly variables: Map<string, unknown>;

  /** A scope holding `entries` (a copy of another scope's, for a part of an <iterate>). */
  constructor(entries?: Entries) {
    super();
    // (not super(entries): the fields above are set only once super() returns)
    if (entries) for (const [k, v] of entries) this.set(k, v);
    this.variables = new Map(entries instanceof DefaultScope ? entries.variables : undefined);
  }

  /** Makes this message the answer to the client (RESPONSE = true). */
  markResponse(): void {
    this.set('RESPONSE', true);
  }

  override set(name: string, value: unknown): this {
    if (name === 'RESPONSE') this.response = value === true;
    return super.set(name, value);
  }

  override delete(name: string): boolean {
    if (name === 'RESPONSE') this.response = false;
    return super.delete(name);
  }

  override clear(): void {
    this.response = false;
    super.clear();
  }
}

/** Axis2-scope properties (`$axis2:`: messageType, HTTP_METHOD, REST_URL_POSTFIX…). */
export class Axis2Scope extends Map<string, unknown> {
  /** TransportInURL, when it is a string. */
  transportInUrl: string | undefined = undefined;
  /** ENDPOINT, when it is a string. */
  endpoint: string | undefined = undefined;

  constructor(entries?: Entries) {
    super();
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }

  /** The request's path and query as they came (TransportInURL). */
  setTransportInUrl(target: string): void {
    this.set('TransportInURL', target);
  }

  /** The address endpoint that answered (ENDPOINT). */
  setEndpoint(id: string): void {
    this.set('ENDPOINT', id);
  }

  override set(name: string, value: unknown): this {
    if (name === 'TransportInURL') this.transportInUrl = typeof value === 'string' ? value : undefined;
    else if (name === 'ENDPOINT') this.endpoint = typeof value === 'string' ? value : undefined;
    return super.set(name, value);
  }

  override delete(name: string): boolean {
    if (name === 'TransportInURL') this.transportInUrl = undefined;
    else if (name === 'ENDPOINT') this.endpoint = undefined;
    return super.delete(name);
  }

  override clear(): void {
    this.transportInUrl = undefined;
    this.endpoint = undefined;
    super.clear();
  }
}
