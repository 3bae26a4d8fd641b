/**
 * Where durable mode reads a binding on Redis Cluster while a primary is away: the replica of the
 * key's slot, by address, from a slot map learnt while the cluster was healthy.
 *
 * Not through ioredis's Cluster client with `scaleReads: 'slave'`: during a failover it refreshes its
 * slot map again and again, and a node that answers CLUSTER SLOTS while its link to the replica is
 * down leaves the replica out, so the client drops that connection and sends the read to the dead
 * primary until the read times out; the node then routes a session it never saw as new, a split
 * (bench/failover.ts, cluster durable choose=balance: 1 of 30 long-lived sessions, and
 * test/session/redis-cluster-unseen.test.ts 4 runs of 6). Here the map is asked for when the store
 * connects and is back on the cluster, and every 30 s ({@link ClusterReplicas.refresh}); a range whose
 * replica an answer lacks (the replica failed, or was promoted and has none) keeps the one it had,
 * which still holds every binding a client has seen.
 *
 * A replica answers reads while the cluster is marked failed only with `cluster-allow-reads-when-down
 * yes`; one that says no is logged once (docs/sessions.md).
 */
import { type Redis } from 'ioredis';
import { type Logger } from '../logging.ts';
import { askOnce, auth, directClient } from './redis-client.ts';
import { keySlot } from './redis-slot.ts';
import { type RedisTarget } from './store-url.ts';

/** How often the slot map is asked again once every range has a replica (resharding, replicas added). */
const REFRESH_MS = 30_000;
/** How soon it is asked again while some range has none known. */
const INCOMPLETE_REFRESH_MS = 500;

/** A range of hash slots and the replica that holds it. */
interface SlotRange {
  readonly start: number;
  readonly end: number;
  readonly replica: string;
}

export class ClusterReplicas {
  private ranges: SlotRange[] = [];
  /** The next refresh: soon while some range has no replica known (a new cluster's gossip lags), else now and then. */
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly clients = new Map<string, Redis>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly target: RedisTarget,
    private readonly log: Logger,
  ) {}

  /** The connection to the replica of `storeKey`'s slot, if the map has one. */
  clientFor(storeKey: string): Redis | undefined {
    const slot = keySlot(storeKey);
    const range = this.ranges.find((r) => slot >= r.start && slot <= r.end);
    return range && this.clients.get(range.replica);
  }

  /**
   * Learns the replica of every slot range from CLUSTER NODES, asked of every seed (one node's view may
   * not list a replica yet, or any more). CLUSTER SLOTS is no help here: it leaves out a replica that
   * no write has reached yet ("loading"), which on a new cluster lasts until the first ping, 10 s. A
   * range no answer gives a replica keeps the one it had.
   */
  async refresh(): Promise<void> {
    const views = await Promise.all(this.target.hosts.map((seed) => askOnce(seed, auth(this.target), (r) => r.call('CLUSTER', 'NODES') as Promise<string>).then((text) => parseNodes(text, seed.host), () => undefined)));
    // (a store closed while the question was out opens nothing)
    if (this.closed) return;
    const found = new Map<string, SlotRange>();
    let complete = views.some((v) => v);
    for (const view of views) {
      if (!view) continue;
      for (const r of view) {
        if (r.replica === undefined) complete = false;
        else if (!found.has(`${r.start}-${r.end}`)) found.set(`${r.start}-${r.end}`, { start: r.start, end: r.end, replica: r.replica });
      }
    }
    this.schedule(complete ? REFRESH_MS : INCOMPLETE_REFRESH_MS);
    const next = [...found.values()];
    for (const old of this.ranges) if (!next.some((r) => r.start <= old.start && r.end >= old.start)) next.push(old);
    this.ranges = next;
    const used = new Set(next.map((r) => r.replica));
    for (const address of used) this.connect(address);
    for (const [address, client] of this.clients) {
      if (used.has(address)) continue;
      client.disconnect();
      this.clients.delete(address);
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const c of this.clients.values()) c.disconnect();
    this.clients.clear();
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (!this.closed) this.timer = setTimeout(() => void this.refresh(), ms).unref();
  }

  private connect(address: string): void {
    if (this.clients.has(address)) return;
    const colon = address.lastIndexOf(':');
    const client = directClient(this.target, { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) }, { readOnly: true });
    client.on('error', (e: Error) => this.log.debug(`session store (replica reads): ${address}: ${e.message}`, { component: 'session' }));
    client.once('ready', () => void this.checkReadsWhenDown(address, client));
    this.clients.set(address, client);
  }

  /** Logs once per replica that refuses reads while the cluster is marked failed. */
  private async checkReadsWhenDown(address: string, client: Redis): Promise<void> {
    const reply = (await client.call('CONFIG', 'GET', 'cluster-allow-reads-when-down').catch(() => undefined)) as string[] | undefined;
    if (reply?.[1] !== 'no' || this.warned.has(address)) return;
    this.warned.add(address);
    this.log.warn(
      `session store: the Redis Cluster replica ${address} has cluster-allow-reads-when-down no: from a primary's failure until its replica is promoted, a node that never saw a session cannot read its binding and routes it as new; set it to yes for durable bindings`,
      { component: 'session' },
    );
  }
}

/**
 * The slot ranges of each primary in a CLUSTER NODES reply, with the address of a replica of it that
 * is not failed (undefined when it has none). Lines: `id host:port@bus[,hostname] flags master …
 * link-state slot…`; an empty host is `asked`.
 */
export function parseNodes(text: string, asked: string): { start: number; end: number; replica: string | undefined }[] {
  const lines = text.split('\n').filter((l) => l.trim()).map((l) => l.trim().split(' '));
  const replicaOf = new Map<string, string>();
  for (const [, address, flags, master] of lines) {
    if (!flags || !address || !master || !flags.split(',').includes('slave') || /fail|noaddr|handshake/.test(flags)) continue;
    const hostPort = address.split('@')[0]!;
    if (!replicaOf.has(master)) replicaOf.set(master, hostPort.startsWith(':') ? asked + hostPort : hostPort);
  }
  const out: { start: number; end: number; replica: string | undefined }[] = [];
  for (const [id, , flags, , , , , , ...slots] of lines) {
    if (!id || !flags?.split(',').includes('master')) continue;
    for (const slot of slots) {
      // (importing and migrating slots, `[…]`, are not served from here yet)
      const m = /^(\d+)(?:-(\d+))?$/.exec(slot);
      if (m) out.push({ start: Number(m[1]), end: Number(m[2] ?? m[1]), replica: replicaOf.get(id) });
    }
  }
  return out;
}
