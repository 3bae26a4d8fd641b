/**
 * The commands against a running gateway, through its admin listener (admin-client.ts):
 *
 *   moor endpoints [--admin URL] [--json]                 groups and endpoints with state and sessions
 *   moor sessions  [--group G] [--endpoint E] [--limit N] live session bindings
 *   moor drain NAME / moor undrain NAME                   stop / resume sending NAME new sessions
 *   moor reload                                           reload the configuration, as SIGHUP
 *
 * Tables for people, `--json` for scripts (the admin API's answer as it came). Exit 0 on success, 1
 * when the gateway is not there, refuses, or (reload) the configuration has errors; 2 for usage.
 */
import { MoorError } from '../errors.ts';
import { MAX_SESSION_LIST } from '../ops/operations.ts';
import { problemLine } from '../ops/reload.ts';
import { type EndpointsView, type ReloadOutcome, type SessionsView } from '../ops/views.ts';
import { ADMIN_FLAGS, AdminClient } from './admin-client.ts';
import { intFlag, parse } from './args.ts';
import { duration, table } from './table.ts';

const out = (text: string): void => void process.stdout.write(`${text}\n`);

export async function endpointsCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, ADMIN_FLAGS);
  const { body } = await new AdminClient(values.admin).call<EndpointsView>('GET', '/endpoints');
  if (values.json) out(JSON.stringify(body, null, 2));
  else out(formatEndpoints(body));
  return 0;
}

export async function sessionsCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { ...ADMIN_FLAGS, group: { type: 'string', short: 'g' }, endpoint: { type: 'string' }, limit: { type: 'string' } });
  const q = new URLSearchParams();
  if (values.group !== undefined) q.set('group', values.group);
  if (values.endpoint !== undefined) q.set('endpoint', values.endpoint);
  if (values.limit !== undefined) {
    const limit = intFlag(values.limit, '--limit', 100);
    // (the admin API refuses these too, but a bad flag is a usage error here, before any call)
    if (limit < 1 || limit > MAX_SESSION_LIST) throw new MoorError('MOOR_ERR_CLI_USAGE', `--limit takes a whole number from 1 to ${MAX_SESSION_LIST}, not "${values.limit}"`);
    q.set('limit', String(limit));
  }
  const query = q.size ? `?${q}` : '';
  const { body } = await new AdminClient(values.admin).call<SessionsView>('GET', `/sessions${query}`);
  if (values.json) out(JSON.stringify(body, null, 2));
  else out(formatSessions(body));
  return 0;
}

export const drainCommand = (argv: string[]): Promise<number> => setDraining(argv, true);
export const undrainCommand = (argv: string[]): Promise<number> => setDraining(argv, false);

/** `moor drain NAME` (draining true) and `moor undrain NAME`. */
async function setDraining(argv: string[], draining: boolean): Promise<number> {
  const verb = draining ? 'drain' : 'undrain';
  const { values, positionals } = parse(argv, ADMIN_FLAGS, true);
  if (positionals.length !== 1) throw new MoorError('MOOR_ERR_CLI_USAGE', `${verb} takes one endpoint name (${positionals.length} given)`);
  const name = positionals[0]!;
  const { body } = await new AdminClient(values.admin).call<{ endpoints: string[]; draining: boolean }>('POST', `/endpoints/${encodeURIComponent(name)}/${verb}`);
  if (values.json) out(JSON.stringify(body, null, 2));
  else for (const id of body.endpoints) out(`${id}: ${draining ? 'draining (keeps its sessions, takes no new ones)' : 'takes new sessions again'}`);
  return 0;
}

export async function reloadCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, ADMIN_FLAGS);
  const { body } = await new AdminClient(values.admin).call<ReloadOutcome>('POST', '/reload', [422], 90_000);
  if (values.json) out(JSON.stringify(body, null, 2));
  if (!body.reloaded) {
    if (!values.json) {
      process.stderr.write(`moor: ${body.error}\n`);
      for (const p of body.errors) process.stderr.write(`${problemLine(p)}\n`);
    }
    return 1;
  }
  if (!values.json) {
    for (const w of body.warnings) out(problemLine(w));
    out('configuration reloaded');
  }
  return 0;
}

export function formatEndpoints(v: EndpointsView): string {
  // (a header with no rows under it reads as output cut short)
  if (!v.endpoints.length) return 'no endpoints: the configuration sends to none';
  const rows = v.endpoints.map((e) => [
    e.id,
    e.draining ? `${e.state}, draining` : e.state,
    String(e.sessions),
    String(e.inFlight),
    e.remainingMs !== undefined ? duration(e.remainingMs) : '',
    e.state === 'active' ? '' : e.reason,
  ]);
  const parts = [table(['ENDPOINT', 'STATE', 'SESSIONS', 'IN FLIGHT', 'BACK IN', 'REASON'], rows)];
  if (v.groups.length) {
    const groups = v.groups.map((g) => [g.id, g.kind, g.session ?? '', g.session === 'table' ? String(g.sessions) : '', g.members.join(' ')]);
    parts.push(table(['GROUP', 'KIND', 'SESSION', 'SESSIONS', 'MEMBERS'], groups));
  }
  if (v.sessionsTruncated) parts.push('(session counts stopped at their limit: they are lower bounds)');
  return parts.join('\n\n');
}

export function formatSessions(v: SessionsView): string {
  if (!v.sessions.length) return 'no live sessions';
  const rows = v.sessions.map((s) => [s.group, s.session, s.endpoint, s.expires]);
  const more = v.truncated ? `\n(${v.sessions.length} shown; more may match: narrow with --group or --endpoint, or raise --limit, at most 10000)` : '';
  return `${table(['GROUP', 'SESSION', 'ENDPOINT', 'EXPIRES'], rows)}${more}`;
}
