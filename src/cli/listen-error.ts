/**
 * A server that cannot listen is an ordinary start error, told in one line with the system's code
 * (`cannot listen on 127.0.0.1:8280: address in use (EADDRINUSE)`), not a stack trace: the address
 * is taken, not on this machine, needs privileges, or its name does not resolve.
 */
import { MoorError } from '../errors.ts';

const REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address in use',
  EADDRNOTAVAIL: 'address not available on this machine',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'host name lookup failed',
  EAI_NONAME: 'no such host',
};

/** `e` as MOOR_ERR_LISTEN when it is a listen failure of a known kind; otherwise undefined. */
export function listenFailure(e: unknown, host: string, port: number): MoorError | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === undefined ? undefined : REASONS[code];
  if (reason === undefined) return undefined;
  const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new MoorError('MOOR_ERR_LISTEN', `cannot listen on ${where}: ${reason} (${code})`);
}
