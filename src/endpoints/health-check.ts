/**
 * moor's active health check of one address endpoint (`<moor:healthCheck>`, health-check-def.ts): a
 * probe every `interval` ms, counted in runs as Envoy and HAProxy count them, so that a dead member is
 * out of service before traffic finds it and back when it answers again. The verdicts go to the
 * endpoint's state machine (suspension.ts), which tells the registry's listeners (log, metrics, health)
 * once per change; a session bound to a member taken out then follows its group's onFailure.
 */
import { type HealthCheckDef } from '../config/health-check-def.ts';
import { type Logger } from '../logging.ts';
import { type AddressEndpoint } from './address.ts';
import { describeChange } from './events.ts';
import { type Outbound } from './outbound.ts';
import { type ProbeRequest } from './outbound-request.ts';
import { NS } from '../xml/names.ts';

export class HealthCheck {
  private timer: NodeJS.Timeout | undefined;
  private passes = 0;
  private failures = 0;
  private stopped = false;
  private readonly url: string;
  private readonly request: ProbeRequest;

  constructor(
    private readonly endpoint: AddressEndpoint,
    private readonly def: HealthCheckDef,
    private readonly outbound: Outbound,
    private readonly log: Logger | undefined,
  ) {
    const uri = endpoint.def.uri;
    this.url = def.path !== undefined ? new URL(def.path, uri).href : uri;
    this.request = def.path !== undefined ? { method: 'GET', headers: {}, timeoutMs: def.timeoutMs } : soapProbe(def.soapAction!, endpoint.def.format, def.timeoutMs);
  }

  /** Probes now, then every interval until stopped. */
  start(): void {
    this.schedule(0);
  }

  /** Stops probing (the configuration was replaced or the gateway stops). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    // a probe in flight or waiting never keeps the process alive
    this.timer = setTimeout(() => void this.probe(), ms).unref();
  }

  private async probe(): Promise<void> {
    const answer = await this.outbound.probe(this.url, this.request);
    if (this.stopped) return;
    const failure = 'error' in answer ? answer.error : answer.status >= 200 && answer.status < 300 ? undefined : `HTTP ${answer.status}`;
    const { healthyThreshold, unhealthyThreshold } = this.def;
    if (failure === undefined) {
      this.failures = 0;
      const change = ++this.passes >= healthyThreshold ? this.endpoint.health.probePassed(`${this.passes} probes of ${this.method()} in a row answered`) : undefined;
      if (change) this.log?.info(describeChange(change), { component: 'endpoint' });
    } else {
      this.passes = 0;
      const change = ++this.failures >= unhealthyThreshold ? this.endpoint.health.probeFailed(`${failure} (${this.failures} probes of ${this.method()} in a row failed)`) : undefined;
      if (change) this.log?.warn(describeChange(change), { component: 'endpoint' });
    }
    this.schedule(this.def.intervalMs);
  }

  private method(): string {
    return this.def.path !== undefined ? `GET ${this.def.path}` : `SOAP action ${this.def.soapAction}`;
  }
}

/** An empty envelope with `action`, in the address's SOAP version (1.1 when it names none). */
function soapProbe(action: string, format: 'soap11' | 'soap12' | undefined, timeoutMs: number): ProbeRequest {
  const soap12 = format === 'soap12';
  const ns = soap12 ? NS.soap12 : NS.soap11;
  const body = `<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="${ns}"><soapenv:Body/></soapenv:Envelope>`;
  const headers: Record<string, string> = soap12
    ? { 'content-type': `application/soap+xml; charset=utf-8; action="${action}"` }
    : { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${action}"` };
  return { method: 'POST', headers, body, timeoutMs };
}
