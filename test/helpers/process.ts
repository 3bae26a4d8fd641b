/** Runs `moor` as a user does: a real process, its stdout, stderr and exit code. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { moorArgs } from './moor-command.ts';

export interface MoorProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the gateway URL once `moor listening on …` is printed. */
  readonly listening: Promise<string>;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
}

/** Spawns `moor …args` (from source, test/helpers/moor-command.ts). */
export function spawnMoor(args: string[], env: Record<string, string> = {}): MoorProcess {
  const child = spawn(process.execPath, moorArgs(args), { env: { ...process.env, MOOR_LOG_LEVEL: 'warn', ...env } });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: string) => {
      out += d;
      const m = /moor listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`moor exited before listening:\n${out}\n${err}`)));
  });
  listening.catch(() => {});
  child.stderr.on('data', (d: string) => (err += d));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, listening, stdout: () => out, stderr: () => err, exited };
}
