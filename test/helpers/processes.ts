/**
 * Real gateway processes for end-to-end tests: `moor start --config <dir> --port 0 …` (from source),
 * ready when it prints its listening line. Register `kill` with t.teardown.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { moorArgs } from './moor-command.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A `moor start` process. */
export interface GatewayProcess {
  readonly url: string;
  /** The admin listener's URL (`--admin`), printed beside the listening line. */
  readonly adminUrl: string | undefined;
  readonly pid: number;
  readonly proc: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Sends `signal` and waits for the exit; resolves to the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL (a crash), if it still runs. */
  kill(): Promise<void>;
  /** Pids of its child processes (worker processes of --workers). */
  children(): number[];
}

/** Runs `moor start` to completion (for commands expected to fail); resolves to exit code and output. */
export async function runMoor(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, moorArgs(args), { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  const [code] = (await once(proc, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/**
 * Starts `n` gateways at once. If one fails to start, the others are killed before the error is
 * thrown: a listening gateway nobody holds would keep the test worker (and the whole run) alive.
 */
export async function startMoors(n: number, configDir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<GatewayProcess[]> {
  const started = await Promise.allSettled(Array.from({ length: n }, () => startMoor(configDir, extra, env)));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const up = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (failed) {
    await Promise.all(up.map((g) => g.kill()));
    throw failed.reason;
  }
  return up;
}

/** Starts `moor start --config <dir> --port 0 …extra` and resolves once it listens. */
export async function startMoor(configDir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<GatewayProcess> {
  const proc = spawn(process.execPath, moorArgs(['start', '--config', configDir, '--port', '0', '--log-level', 'warn', ...extra]), {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  proc.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = once(proc, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`moor did not start within 30 s:\n${out}`));
    }, 30_000);
    const check = (): void => {
      const m = /moor listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.stdout.off('data', check);
        resolve(m[1]!);
      }
    };
    proc.stdout.on('data', check);
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`moor exited (${String(code)}) before listening:\n${out}`));
    });
  });
  const alive = (): boolean => proc.exitCode === null && proc.signalCode === null;
  return {
    url,
    adminUrl: /moor admin on (\S+)/.exec(out)?.[1],
    pid: proc.pid!,
    proc,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (alive()) {
        proc.kill(signal);
        const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      return proc.exitCode;
    },
    async kill() {
      const kids = alive() ? children() : [];
      if (alive()) {
        proc.kill('SIGKILL');
        await exited;
      }
      // workers of a killed primary leave by themselves; make sure of it
      for (const pid of kids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
    children,
  };

  function children(): number[] {
    try {
      // only the worker processes (tsx's esbuild service is a child too)
      return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(proc.pid)], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes('cli/bin.ts'))
        .map((line) => Number(line.trim().split(/\s+/)[0]));
    } catch {
      return [];
    }
  }
}
