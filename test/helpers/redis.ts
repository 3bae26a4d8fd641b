/**
 * A real redis-server for tests: on a free loopback port, without persistence, stopped in teardown.
 * It can be stopped and started again on the same port (a Redis restart, as the nodes see it), or
 * killed (a crash). `launchRedis` starts one with extra arguments (replicas, cluster nodes, Sentinels:
 * see redis-sentinel.ts and redis-cluster.ts).
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
  /** Kills the server (SIGKILL: a crash, nothing flushed) and waits for it to exit. */
  kill(): Promise<void>;
  /** True while the process runs. */
  alive(): boolean;
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
  return launchRedis(port);
}

/** What launchRedis starts: redis-server (the default) or redis-sentinel with a config file. */
export interface LaunchOptions {
  /** Arguments after the base ones (port, loopback, no persistence). */
  readonly args?: readonly string[];
  /** Working directory (cluster nodes write their nodes.conf there). */
  readonly cwd?: string;
  /** A config file to start from (Sentinel needs one it can rewrite): given as the first argument. */
  readonly configFile?: string;
  /** `redis-sentinel` instead of `redis-server`. */
  readonly sentinel?: boolean;
}

/** Starts a Redis process on `port` and resolves once it answers PING. */
export async function launchRedis(port: number, options: LaunchOptions = {}): Promise<RedisServer> {
  let proc: ChildProcess | undefined;
  const binary = options.sentinel ? (process.env.REDIS_SENTINEL ?? 'redis-sentinel') : BINARY;
  const base = options.sentinel ? ['--port', String(port), '--bind', '127.0.0.1'] : ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'];
  const start = async (): Promise<void> => {
    const p = spawn(binary, [...(options.configFile ? [options.configFile] : []), ...base, ...(options.args ?? [])], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
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
  const kill = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = once(p, 'exit');
    p.kill('SIGKILL');
    await gone;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    kill,
    alive: () => proc !== undefined && proc.exitCode === null && proc.signalCode === null,
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
