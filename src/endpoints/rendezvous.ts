/**
 * Rendezvous (highest-random-weight) hashing: every member gets a score from a hash of the session key
 * and the member's stable id; the session goes to the highest. Any node with the same members computes
 * the same order for the same key without asking anyone, and a member that goes away moves only the
 * sessions it held (Thaler & Ravishankar, "Using name-based mappings to increase hit rates", 1998).
 * Weights follow the logarithmic method (score = -weight / ln(hash in (0, 1))), under which a member
 * wins a share of keys proportional to its weight.
 */
import { type Endpoint } from './endpoint.ts';

/** `members` ordered by their score for `key`, best first. */
export function rendezvousOrder(key: string, members: readonly Endpoint[], weightOf: (m: Endpoint) => number): Endpoint[] {
  const keyed = hash53(key, 0);
  return members
    .map((m, i) => ({ m, i, score: -Math.max(1, weightOf(m)) / Math.log(unit(hash53(m.id, keyed))) }))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map((x) => x.m);
}

/** A 53-bit hash in (0, 1), never 0 nor 1 (ln of either would be ±0 or -∞). */
function unit(h: number): number {
  return (h + 1) / (2 ** 53 + 1);
}

/** cyrb53 (public domain): a fast 53-bit string hash with good avalanche, seeded. */
function hash53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
