/**
 * The memory store's table of bindings, held in typed arrays and one byte arena instead of a Map of
 * objects: a million live sessions must fit in ~150 MB of the gateway's memory (docs/benchmarks.md), and
 * a Map entry, its key string and an entry object with a boxed expiry cost ~245 bytes a binding, where
 * this table costs the key's UTF-8 bytes plus ~35 (measured there).
 *
 * Layout: open addressing with linear probing over `slots` (each the entry's index + 1; 0 is empty,
 * TOMBSTONE a deleted slot the probe walks past), and the entries themselves kept dense in parallel
 * arrays (hash, key offset and length in the arena, endpoint number, expiry), so that the slack of a
 * growing table is 4 bytes a slot, not a whole entry. A deleted entry's place is filled by the last
 * entry. Keys are written once into the arena; the bytes of deleted keys are reclaimed when the arena
 * is compacted (when they are more than half of it). Endpoint names are interned: a binding holds a
 * 16-bit number.
 */

const EMPTY = 0;
const TOMBSTONE = 0xffffffff;
/** Most distinct endpoint names the table numbers (a binding holds a 16-bit endpoint number). */
const MAX_ENDPOINTS = 0xffff;

/** A binding as the table gives it out (a copy: refreshing the table's entry does not change it). */
export interface TableEntry {
  readonly key: string;
  readonly endpoint: string;
  readonly expiresAt: number;
}

export class BindingTable {
  private slots = new Uint32Array(16);
  private tombstones = 0;
  private count = 0;
  // the entries, dense: entry i lives at index i of each array
  private hashes = new Uint32Array(8);
  private offsets = new Uint32Array(8);
  private lengths = new Uint32Array(8);
  private endpointNos = new Uint16Array(8);
  private expiries = new Float64Array(8);
  private arena = Buffer.allocUnsafeSlow(1024);
  private arenaUsed = 0;
  private arenaGarbage = 0;
  /**
   * The key being looked up: its byte length and hash, and either the key itself (all ASCII: its
   * characters are its UTF-8 bytes, compared in place) or its UTF-8 bytes in the reused scratch buffer.
   * A lookup allocates nothing.
   */
  private scratch = Buffer.allocUnsafeSlow(256);
  private scratchLength = 0;
  private scratchHash = 0;
  private asciiKey: string | undefined;
  private readonly endpointNames: string[] = [];
  private readonly endpointNumbers = new Map<string, number>();

  /** Live and not yet swept entries. */
  get size(): number {
    return this.count;
  }

  /** The entry index of `key`, or -1. */
  find(key: string): number {
    const h = this.load(key);
    const mask = this.slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = this.slots[i]!;
      if (s === EMPTY) return -1;
      if (s !== TOMBSTONE && this.matches(s - 1, h)) return s - 1;
    }
  }

  /** Endpoint name of entry `e`. */
  endpointOf(e: number): string {
    return this.endpointNames[this.endpointNos[e]!]!;
  }

  /** Expiry (epoch ms) of entry `e`. */
  expiryOf(e: number): number {
    return this.expiries[e]!;
  }

  /** Moves the expiry of entry `e`. */
  refresh(e: number, expiresAt: number): void {
    this.expiries[e] = expiresAt;
  }

  /** Sets `key`'s binding, replacing any it had. */
  set(key: string, endpoint: string, expiresAt: number): void {
    const e = this.find(key); // leaves the key's bytes and hash in the scratch buffer
    const no = this.numberOf(endpoint);
    if (e >= 0) {
      this.endpointNos[e] = no;
      this.expiries[e] = expiresAt;
      return;
    }
    if ((this.count + this.tombstones + 1) * 4 > this.slots.length * 3) this.resize();
    const h = this.scratchHash;
    const entry = this.count++;
    if (entry === this.hashes.length) this.growEntries();
    const length = this.scratchLength;
    this.reserveArena(length);
    if (this.asciiKey !== undefined) this.arena.write(this.asciiKey, this.arenaUsed, length, 'latin1');
    else this.scratch.copy(this.arena, this.arenaUsed, 0, length);
    this.hashes[entry] = h;
    this.offsets[entry] = this.arenaUsed;
    this.lengths[entry] = length;
    this.endpointNos[entry] = no;
    this.expiries[entry] = expiresAt;
    this.arenaUsed += length;
    this.place(entry, h);
  }

  /** Forgets `key`; true when it was there. */
  delete(key: string): boolean {
    const e = this.find(key);
    if (e < 0) return false;
    this.remove(e);
    return true;
  }

  /** Drops every entry whose expiry is at or before `now`. */
  sweep(now: number): void {
    for (let e = this.count - 1; e >= 0; e--) if (this.expiries[e]! <= now) this.remove(e);
  }

  /** Copies of every entry. */
  *entries(): IterableIterator<TableEntry> {
    for (let e = 0; e < this.count; e++) yield { key: this.keyOf(e), endpoint: this.endpointOf(e), expiresAt: this.expiries[e]! };
  }

  /** The key of entry `e`. */
  keyOf(e: number): string {
    const off = this.offsets[e]!;
    return this.arena.toString('utf8', off, off + this.lengths[e]!);
  }

  /** Removes entry `e`: its slot becomes a tombstone, and the last entry moves into its place. */
  private remove(e: number): void {
    this.slots[this.slotOf(e)] = TOMBSTONE;
    this.tombstones++;
    this.arenaGarbage += this.lengths[e]!;
    const last = --this.count;
    if (e !== last) {
      this.slots[this.slotOf(last)] = e + 1;
      this.hashes[e] = this.hashes[last]!;
      this.offsets[e] = this.offsets[last]!;
      this.lengths[e] = this.lengths[last]!;
      this.endpointNos[e] = this.endpointNos[last]!;
      this.expiries[e] = this.expiries[last]!;
    }
    if (this.arenaGarbage * 2 > this.arenaUsed && this.arenaUsed > 4096) this.compactArena();
  }

  /** The slot that holds entry `e`. */
  private slotOf(e: number): number {
    const mask = this.slots.length - 1;
    for (let i = this.hashes[e]! & mask; ; i = (i + 1) & mask) if (this.slots[i] === e + 1) return i;
  }

  /** Puts entry `e` (hash `h`) into the first free slot of its probe sequence. */
  private place(e: number, h: number): void {
    const mask = this.slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = this.slots[i]!;
      if (s === EMPTY || s === TOMBSTONE) {
        if (s === TOMBSTONE) this.tombstones--;
        this.slots[i] = e + 1;
        return;
      }
    }
  }

  /** Rebuilds the slots: twice as many when the live entries fill over half, else the same (tombstones gone). */
  private resize(): void {
    const size = this.count * 2 >= this.slots.length ? this.slots.length * 2 : this.slots.length;
    this.slots = new Uint32Array(size);
    this.tombstones = 0;
    for (let e = 0; e < this.count; e++) this.place(e, this.hashes[e]!);
  }

  private growEntries(): void {
    const n = this.hashes.length * 2;
    this.hashes = grown(this.hashes, new Uint32Array(n));
    this.offsets = grown(this.offsets, new Uint32Array(n));
    this.lengths = grown(this.lengths, new Uint32Array(n));
    this.endpointNos = grown(this.endpointNos, new Uint16Array(n));
    this.expiries = grown(this.expiries, new Float64Array(n));
  }

  private reserveArena(length: number): void {
    if (this.arenaUsed + length <= this.arena.length) return;
    // not zero-filled, so the pages of the new room become resident only as keys are written into them
    const next = Buffer.allocUnsafeSlow(Math.max(this.arena.length * 2, this.arenaUsed + length));
    this.arena.copy(next, 0, 0, this.arenaUsed);
    this.arena = next;
  }

  /** Moves every live key to the front of a fresh arena (sized for the live keys and as much again). */
  private compactArena(): void {
    const live = this.arenaUsed - this.arenaGarbage;
    const next = Buffer.allocUnsafeSlow(Math.max(1024, live * 2));
    let at = 0;
    for (let e = 0; e < this.count; e++) {
      const off = this.offsets[e]!;
      const len = this.lengths[e]!;
      this.arena.copy(next, at, off, off + len);
      this.offsets[e] = at;
      at += len;
    }
    this.arena = next;
    this.arenaUsed = at;
    this.arenaGarbage = 0;
  }

  private numberOf(endpoint: string): number {
    let no = this.endpointNumbers.get(endpoint);
    if (no === undefined) {
      // names of endpoints no binding holds any more stay numbered: there are as many as the config has
      if (this.endpointNames.length >= MAX_ENDPOINTS) throw new RangeError(`more than ${MAX_ENDPOINTS} endpoint names in one session table`);
      no = this.endpointNames.push(endpoint) - 1;
      this.endpointNumbers.set(endpoint, no);
    }
    return no;
  }

  /**
   * Takes `key` as the one being looked up and returns its hash (FNV-1a over its UTF-8 bytes), kept for
   * the insert that may follow. An ASCII key is hashed from its characters, with no native call.
   */
  private load(key: string): number {
    let h = 0x811c9dc5;
    let ascii = true;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (ascii) {
      this.asciiKey = key;
      this.scratchLength = key.length;
      return (this.scratchHash = h >>> 0);
    }
    this.asciiKey = undefined;
    if (key.length * 3 > this.scratch.length) this.scratch = Buffer.allocUnsafeSlow(key.length * 3);
    const n = (this.scratchLength = this.scratch.write(key, 0, 'utf8'));
    const b = this.scratch;
    h = 0x811c9dc5;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    return (this.scratchHash = h >>> 0);
  }

  /** Whether entry `e` holds the key being looked up (whose hash is `h`). */
  private matches(e: number, h: number): boolean {
    if (this.hashes[e] !== h || this.lengths[e] !== this.scratchLength) return false;
    const off = this.offsets[e]!;
    const key = this.asciiKey;
    if (key === undefined) return this.scratch.compare(this.arena, off, off + this.scratchLength, 0, this.scratchLength) === 0;
    const a = this.arena;
    for (let i = 0; i < key.length; i++) if (a[off + i] !== key.charCodeAt(i)) return false;
    return true;
  }
}

function grown<T extends Uint32Array | Uint16Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
