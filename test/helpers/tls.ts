/**
 * The HTTPS listener as the e2e tests start and reach it: the fixture certificates (test/fixtures/tls,
 * not made here: a CI machine may lack openssl), the `moor start` flags that open the listener on a free
 * port, its `moor https on URL` line, and an undici dispatcher that trusts the fixtures only.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { Agent } from 'undici';
import { type GatewayProcess } from './processes.ts';

export const TLS_FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tls');
export const CERT1 = path.join(TLS_FIXTURES, 'cert1.pem');
export const KEY1 = path.join(TLS_FIXTURES, 'key1.pem');
export const CERT2 = path.join(TLS_FIXTURES, 'cert2.pem');
export const KEY2 = path.join(TLS_FIXTURES, 'key2.pem');

/** `moor start`'s flags for an HTTPS listener on a free port, with the first certificate (not to be changed: each test spreads or passes it). */
export const HTTPS_FLAGS = ['--https-port', '0', '--tls-cert', CERT1, '--tls-key', KEY1];

/** An undici dispatcher that trusts both test certificates (and nothing else), closed at the test's end. */
export async function trusting(t: ExecutionContext): Promise<Agent> {
  const agent = new Agent({ connect: { ca: [await readFile(CERT1), await readFile(CERT2)] } });
  t.teardown(() => agent.close());
  return agent;
}

/** The `moor https on URL` line's URL. */
export async function httpsUrlOf(gw: GatewayProcess): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const m = /moor https on (\S+)/.exec(gw.output());
    if (m) return m[1]!;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no "moor https on" line:\n${gw.output()}`);
}
