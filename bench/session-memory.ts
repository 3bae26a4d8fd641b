/**
 * What a live session costs the gateway: N sessions opened through a freshly started proxy (one request
 * each, every one with a new session id), and the growth of the resident memory of the proxy's whole
 * process tree (primary and workers with `--workers`) divided by N. Measured after a warm-up of a few
 * thousand sessions (so start-up growth is not counted) and after a pause for the collector, since what
 * an operator provisions for is resident memory, not heap statistics.
 */
import { readFileSync } from 'node:fs';
import { memoryOf, runJson, TSX } from './procs.ts';

/** A proxy process (tree) to measure: its pid and where to send. */
export interface SessionTarget {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
}

/** One row of the session-memory table. */
export interface SessionMemory {
  name: string;
  sessions: number;
  errors: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  /** Growth of the resident memory of the process tree per opened session. */
  bytesPerSession: number;
  /** The same, of the process that holds the table (the primary, with --workers). */
  holderBytesPerSession: number;
  seconds: number;
}

/** Opens `count` sessions through `target` at `path` and reports what they cost. */
export async function measureSessions(target: SessionTarget, path: string, count: number): Promise<SessionMemory> {
  await open(target, path, 5000, 'warmup');
  await settle();
  const tree0 = treeRss(target.pid);
  const own0 = memoryOf(target.pid).rss;
  const res = await open(target, path, count, 'session');
  await settle();
  const tree1 = treeRss(target.pid);
  const own1 = memoryOf(target.pid).rss;
  return {
    name: target.name,
    sessions: count,
    errors: res.errors,
    rssBeforeMb: tree0 / 2 ** 20,
    rssAfterMb: tree1 / 2 ** 20,
    bytesPerSession: (tree1 - tree0) / count,
    holderBytesPerSession: (own1 - own0) / count,
    seconds: res.seconds,
  };
}

function open(target: SessionTarget, path: string, count: number, prefix: string): Promise<{ errors: number; seconds: number }> {
  return runJson([...TSX, 'bench/open-sessions.ts', '--url', target.url + path, '--count', String(count), '--prefix', prefix]);
}

function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 2000));
}

/** Resident memory of `pid` and all its descendants, in bytes. */
export function treeRss(pid: number): number {
  let total = memoryOf(pid).rss;
  for (const child of childrenOf(pid)) total += treeRss(child);
  return total;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
