/**
 * The traffic of a failover scenario (bench/failover.ts): client-created sessions (syn:ClientID) whose
 * every message goes to a gateway picked at random, and what each session saw. A session is "split"
 * when its messages were answered by more than one backend: no backend fails in these scenarios, so
 * every split is the session store's doing. Sessions are filed by the phase in which their first
 * answer arrived: before the failure, during it (until every gateway is back on the store), after.
 */
import { Agent } from 'undici';
import { addItem, elementText, soap11 } from '../test/helpers/gateway.ts';

export type Phase = 'before' | 'during' | 'after';

interface Session {
  readonly id: string;
  phase?: Phase;
  readonly instances: Set<string>;
  /** `phase:instance` of each answer, for the diagnosis of a split. */
  readonly history: string[];
}

export interface PhaseCount {
  sessions: number;
  split: number;
}

export interface TrafficReport {
  sent: number;
  failed: number;
  firstFailure?: string;
  /** Sessions opened by the short-lived loops, by the phase of their first answer. */
  byPhase: Record<Phase, PhaseCount>;
  /** The long-lived sessions (all opened before the failure, used until the end). */
  longLived: PhaseCount;
  /** The answers of a few split sessions, as `phase:backend@gateway`. */
  splitExamples: string[];
}

const ACTION = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:moor:demo:cart/AddItem"' };

export class Traffic {
  phase: Phase = 'before';
  private running = true;
  private sent = 0;
  private failed = 0;
  private firstFailure: string | undefined;
  private readonly short: Session[] = [];
  private readonly long: Session[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });

  constructor(
    private readonly gateways: readonly string[],
    private readonly options: { readonly clients: number; readonly messages: number; readonly longLived: number; readonly tag: string },
  ) {}

  /** Opens the long-lived sessions, then starts the loops. */
  async start(): Promise<void> {
    for (let i = 0; i < this.options.longLived; i++) {
      const s: Session = { id: `${this.options.tag}-long-${i}`, instances: new Set(), history: [] };
      this.long.push(s);
      await this.send(s);
    }
    for (let c = 0; c < this.options.clients; c++) this.loops.push(this.shortLoop(c));
    // one loop keeps visiting the long-lived sessions
    this.loops.push(this.longLoop());
  }

  /** Short-lived sessions opened so far whose first answer came in `phase`. */
  opened(phase: Phase): number {
    return this.short.filter((s) => s.phase === phase).length;
  }

  get requests(): number {
    return this.sent;
  }

  async stop(): Promise<TrafficReport> {
    this.running = false;
    await Promise.all(this.loops);
    await this.agent.close();
    const count = (xs: readonly Session[]): PhaseCount => ({ sessions: xs.length, split: xs.filter((s) => s.instances.size > 1).length });
    return {
      sent: this.sent,
      failed: this.failed,
      ...(this.firstFailure ? { firstFailure: this.firstFailure } : {}),
      byPhase: {
        before: count(this.short.filter((s) => s.phase === 'before')),
        during: count(this.short.filter((s) => s.phase === 'during')),
        after: count(this.short.filter((s) => s.phase === 'after')),
      },
      longLived: count(this.long),
      splitExamples: [...this.long, ...this.short]
        .filter((s) => s.instances.size > 1)
        .slice(0, 3)
        .map((s) => `${s.id}: ${s.history.join(' ')}`),
    };
  }

  private async shortLoop(client: number): Promise<void> {
    for (let n = 0; this.running; n++) {
      const s: Session = { id: `${this.options.tag}-c${client}-${n}`, instances: new Set(), history: [] };
      this.short.push(s);
      for (let m = 0; m < this.options.messages && this.running; m++) await this.send(s);
    }
  }

  private async longLoop(): Promise<void> {
    for (let i = 0; this.running; i++) await this.send(this.long[i % this.long.length]!);
  }

  private async send(s: Session): Promise<void> {
    const g = Math.floor(Math.random() * this.gateways.length);
    const gateway = this.gateways[g]!;
    const body = soap11(addItem('x'), `<syn:ClientID xmlns:syn="http://ws.apache.org/ns/synapse">${s.id}</syn:ClientID>`);
    this.sent++;
    try {
      const res = await this.agent.request({ origin: gateway, path: '/services/Cart', method: 'POST', headers: ACTION, body });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
      s.phase ??= this.phase;
      const instance = elementText(text, 'instance') ?? '?';
      s.instances.add(instance);
      if (s.history.length < 40) s.history.push(`${this.phase}:${instance}@${g}`);
    } catch (e) {
      this.failed++;
      this.firstFailure ??= (e as Error).message;
    }
  }
}
