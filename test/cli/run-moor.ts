/**
 * Runs the real `moor` command (its sources in a child process, test/helpers/moor-command.ts), the way a user does: for tests of the
 * command line, its output and its exit codes, and of long-running `moor start` processes.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { moorArgs } from '../helpers/moor-command.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** What a finished command printed and how it exited. */
export interface MoorRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The non-empty lines of `text`. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

/** Runs `moor ...args` in `cwd` to completion (killed after `timeoutMs`). */
export function runMoor(args: readonly string[], cwd: string, timeoutMs = 30_000): Promise<MoorRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, moorArgs(args), { cwd, env: { ...process.env, MOOR_LOG_LEVEL: 'info' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A temp folder `root` with the configuration files under `root/<sub>` (name → text). */
export async function configTree(files: Record<string, string>, sub = 'conf'): Promise<{ root: string; dir: string }> {
  const root = tempDir('moor-cli-');
  const dir = path.join(root, sub);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return { root, dir };
}

/** A running `moor start` process. */
export interface MoorProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** The URL from the `moor listening on` line. */
  readonly url: string;
  /** Everything printed so far (stdout and stderr interleaved as they came). */
  output(): string;
  /** Resolves when the output (after `from`, an offset into output()) matches `pattern`. */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `moor start --port 0 ...args` in `cwd` and waits for its `moor listening on` line. Rejects with
 * the output if the process exits first. The caller must stop() it (t.teardown).
 */
export async function startMoor(args: readonly string[], cwd: string, timeoutMs = 30_000): Promise<MoorProcess> {
  const child = spawn(process.execPath, moorArgs(['start', '--port', '0', ...args]), { cwd, env: { ...process.env, MOOR_LOG_LEVEL: 'info' } });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: string): void => {
    out += d;
    for (const w of [...waiters]) w();
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  let exited = false;
  child.on('exit', () => {
    exited = true;
    for (const w of [...waiters]) w();
  });
  const waitFor = (pattern: RegExp, from = 0, ms = timeoutMs): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = pattern.exec(out.slice(from));
        if (m) {
          done();
          resolve(m[0]);
        } else if (exited) {
          done();
          reject(new Error(`moor exited before printing ${pattern}:\n${out}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${pattern} within ${ms} ms:\n${out}`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const stop = async (): Promise<void> => {
    if (exited) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  };
  try {
    const line = await waitFor(/moor listening on (\S+)/);
    return { child, url: line.replace('moor listening on ', ''), output: () => out, waitFor, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
