/**
 * Who is calling, as a throttle policy names callers: the client's IP address (REMOTE_ADDR, as WSO2's
 * throttle reads it: the TCP peer, not X-Forwarded-For), matched against the policy's entries in WSO2's
 * order: an exact address, then a range or pattern, then `other`.
 */
import { isIP } from 'node:net';

/** What one throttle:ID of type IP matches. */
export type IpMatch =
  | { readonly kind: 'exact'; readonly address: string }
  | { readonly kind: 'range'; readonly from: number; readonly to: number }
  | { readonly kind: 'pattern'; readonly parts: readonly (number | '*')[] }
  | { readonly kind: 'other' };

/** The match a throttle:ID's text describes, or undefined when it is none of the forms. */
export function parseIpMatch(text: string): IpMatch | undefined {
  const t = text.trim();
  if (t === 'other') return { kind: 'other' };
  if (isIP(t)) return { kind: 'exact', address: normalise(t) };
  const dash = t.indexOf('-');
  if (dash > 0) {
    const from = ipv4Number(t.slice(0, dash).trim());
    const to = ipv4Number(t.slice(dash + 1).trim());
    return from !== undefined && to !== undefined && from <= to ? { kind: 'range', from, to } : undefined;
  }
  const parts = t.split('.');
  if (parts.length === 4 && parts.includes('*')) {
    const out = parts.map((p) => (p === '*' ? '*' : octet(p)));
    return out.includes(undefined) ? undefined : { kind: 'pattern', parts: out as (number | '*')[] };
  }
  return undefined;
}

/** The entry of `entries` that applies to `address`: exact first, then ranges and patterns, then other. */
export function entryFor<T extends { readonly match: IpMatch }>(entries: readonly T[], address: string): T | undefined {
  const ip = normalise(address);
  const exact = entries.find((e) => e.match.kind === 'exact' && e.match.address === ip);
  if (exact) return exact;
  const n = ipv4Number(ip);
  if (n !== undefined) {
    const ranged = entries.find((e) => (e.match.kind === 'range' && n >= e.match.from && n <= e.match.to) || (e.match.kind === 'pattern' && fits(e.match.parts, ip)));
    if (ranged) return ranged;
  }
  return entries.find((e) => e.match.kind === 'other');
}

/** An IPv4 address as Node reports it on a dual-stack socket (`::ffff:1.2.3.4`) is that IPv4 address. */
export function normalise(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address.toLowerCase();
}

function fits(parts: readonly (number | '*')[], ip: string): boolean {
  const got = ip.split('.').map(Number);
  return parts.every((p, i) => p === '*' || p === got[i]);
}

function ipv4Number(text: string): number | undefined {
  if (isIP(text) !== 4) return undefined;
  return text.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}

function octet(p: string): number | undefined {
  return /^\d{1,3}$/.test(p) && Number(p) <= 255 ? Number(p) : undefined;
}
