/**
 * `moor start`'s reload, shared by SIGHUP, --watch and the admin API's POST /reload: one at a time, in
 * order (a slow load must not replace the newer one that followed it), logged, and answered with its
 * outcome (the problems at file:line:col when the running configuration keeps serving).
 */
import { type Logger } from '../logging.ts';
import { problemLine, reloadOutcome } from '../ops/reload.ts';
import { type ReloadOutcome } from '../ops/views.ts';
import { type Gateway } from '../server/gateway.ts';

export function reloader(gw: Gateway, log: Logger): (why: string) => Promise<ReloadOutcome> {
  const reloadNow = async (why: string): Promise<ReloadOutcome> => {
    const outcome = await reloadOutcome(() => gw.reload());
    if (outcome.reloaded) log.info(`configuration reloaded (${why})`, { component: 'config' });
    else {
      const lines = outcome.errors.length ? outcome.errors.map(problemLine) : [outcome.error];
      log.error(`configuration not reloaded (${why}); the running one keeps serving:\n${lines.join('\n')}`, { component: 'config' });
    }
    return outcome;
  };
  let reloading: Promise<unknown> = Promise.resolve();
  return (why) => {
    const next = reloading.then(() => reloadNow(why));
    reloading = next;
    return next;
  };
}
