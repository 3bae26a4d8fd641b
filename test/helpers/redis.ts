/**
 * A real redis-server for tests: on a free loopback port, without persistence, stopped in teardown.
 * It can be stopped and started again on the same port (a Redis restart, as the nodes see it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';

/** A redis-server process the test controls. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is saved). */
  start(): Promise<void>;
  /** Pauses (SIGSTOP) or resumes (SIGCONT) the process: a Redis that accepts bytes and never answers. */
  pause(): void;
  resume(): void;
}

const BINARY = process.env.REDIS_SERVER ?? 'redis-server';

/** A free TCP port on loopback (the OS picks it; the tiny window before redis binds is retried). */
export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Starts redis-server; register `stop` with t.teardown. */
export async function startRedis(): Promise<RedisServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      return await launch(port);
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

async function launch(port: number): Promise<RedisServer> {
  let proc: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const p = spawn(BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc = p;
    let stderr = '';
    p.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = once(p, 'exit').then(() => {
      throw new Error(`redis-server on port ${port} exited: ${stderr.trim()}`);
    });
    exited.catch(() => undefined);
    await Promise.race([waitForPing(port), exited]);
  };
  const stop = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    p.kill('SIGCONT');
    const gone = once(p, 'exit');
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    pause: () => void proc?.kill('SIGSTOP'),
    resume: () => void proc?.kill('SIGCONT'),
  };
}

/** Resolves once the server answers PING (raw RESP, so the helper needs no client). */
async function waitForPing(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      let data = '';
      sock.setTimeout(300, () => {
        sock.destroy();
        resolve(false);
      });
      sock.on('connect', () => sock.write('PING\r\n'));
      sock.on('data', (d) => {
        data += d.toString();
        if (data.includes('\r\n')) {
          sock.destroy();
          resolve(data.startsWith('+PONG'));
        }
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
