/** Child processes for the benchmark: start a server and wait for its URL, run a client for its JSON, read /proc. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Node arguments that run a TypeScript file of this repository. */
export const TSX = ['--import', 'tsx'];

/** A server running in its own process. */
export interface Service {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** The last lines it wrote, for diagnosing a failed run. */
  readonly output: string[];
  stop(): Promise<void>;
}

/** Spawns `node …args` and resolves once a line of its stdout matches `ready` (whose group 1 is the URL). */
export function startService(name: string, args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<Service> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    let buffered = '';
    let started = false;
    const onText = (text: string): void => {
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (output.length > 50) output.shift();
        const m = ready.exec(line);
        if (m && !started) {
          started = true;
          resolve({ name, url: m[1]!, pid: child.pid!, output, stop: () => stop(child) });
        }
      }
    };
    child.stdout.setEncoding('utf8').on('data', onText);
    child.stderr.setEncoding('utf8').on('data', onText);
    child.once('exit', (code) => {
      if (!started) reject(new Error(`${name} exited (${code}) before it was ready:\n${output.join('\n')}${buffered}`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/** Runs `node …args` to completion and parses the last line of its stdout as JSON. */
export function runJson<T>(args: string[]): Promise<T> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve(JSON.parse(last) as T);
      } catch (e) {
        reject(new Error(`${args.join(' ')} failed (${(e as Error).message}): ${out}`));
      }
    });
  });
}

/** Resident set size now and its peak (VmHWM), in bytes, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Resets the peak RSS of `pid` to its current RSS (Linux clear_refs "5"); false when not permitted. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU time (user + system) that `pid` has used so far, in ms (from /proc/<pid>/stat; USER_HZ = 100). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after the command name, which is parenthesised and may contain spaces
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The pids of `pid`'s live children (from /proc/<pid>/task/<tid>/children; empty where not readable). */
export function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
        .split(' ')
        .filter((x) => x.trim() !== '')
        .map(Number),
    );
  } catch {
    return [];
  }
}

/** CPU time of `pid` and all its live descendants (a `moor --workers` primary and its workers), in ms. */
export function treeCpuMsOf(pid: number): number {
  let total = 0;
  try {
    total = cpuMsOf(pid);
  } catch {
    return 0; // it has exited since it was listed
  }
  for (const child of childrenOf(pid)) total += treeCpuMsOf(child);
  return total;
}
