/**
 * HAProxy as the benchmark's third party (Debian's `haproxy`, started for the run): round robin over the
 * same backends, with a stick table keyed on the same session id moor routes by, the syn:ClientID
 * header block, cut out of the buffered request body with two regsub filters — what an HAProxy user
 * would write for SOAP affinity. One thread, as the moor process is one thread.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A started HAProxy; `url` is its frontend. */
export interface Haproxy {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  readonly output: string[];
  stop(): Promise<void>;
}

/** True when `haproxy` can be run here. */
export async function haproxyInstalled(): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('haproxy', ['-v'], { stdio: 'ignore' });
    p.once('error', () => resolve(false));
    p.once('exit', (code) => resolve(code === 0));
  });
}

/**
 * Starts HAProxy in front of `backendUrls` (each `http://host:port`), forwarding paths as they come;
 * a stick-table entry lives `sessionTimeoutMs` without a message, as a session does in moor's bench config.
 */
export async function startHaproxy(name: string, backendUrls: readonly string[], sessionTimeoutMs: number): Promise<Haproxy> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'moor-bench-haproxy-'));
  const cfg = path.join(dir, 'haproxy.cfg');
  const servers = backendUrls.map((u, i) => `  server s${i + 1} ${new URL(u).host}`).join('\n');
  await writeFile(
    cfg,
    [
      'global',
      '  maxconn 8000', // needs ~2 fds a connection: 20000 asked for 40014 fds and failed where the open-files limit is 20000
      '  nbthread 1',
      'defaults',
      '  mode http',
      '  timeout connect 5s',
      '  timeout client 60s',
      '  timeout server 60s',
      '  timeout http-keep-alive 60s',
      'frontend fe',
      `  bind 127.0.0.1:${port}`,
      '  option http-buffer-request',
      // single quotes: HAProxy expands $ inside double quotes
      "  http-request set-var(txn.sid) 'req.body,regsub(^.*<syn:ClientID>,),regsub(</syn:ClientID>.*$,)'",
      '  default_backend be',
      'backend be',
      '  balance roundrobin',
      `  stick-table type string len 64 size 2m expire ${Math.ceil(sessionTimeoutMs / 1000)}s`,
      '  stick on var(txn.sid)',
      servers,
      '',
    ].join('\n'),
  );
  const child = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (t: Buffer): void => {
    output.push(...t.toString().split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - 50));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  await waitForPort(port, () => child.exitCode !== null, output);
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    output,
    stop: () =>
      new Promise((resolve) => {
        // killed by a signal, it has a signalCode and no exitCode; a second stop must not wait for a second exit
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, exited: () => boolean, output: string[]): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (exited()) throw new Error(`haproxy exited before it listened:\n${output.join('\n')}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`haproxy did not listen on ${port}`);
}
