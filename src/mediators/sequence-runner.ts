/**
 * Runs a sequence: each mediator in turn until one says 'stop'. As koa-compose guards against a
 * middleware that forgot to await, this refuses an outcome that is neither 'continue' nor 'stop' (a
 * user mediator that returned nothing), naming the mediator and its place in the configuration.
 */
import { MoorError } from '../errors.ts';
import { type MessageContext } from '../message/context.ts';
import { type MediationEnv, type Outcome, type Sequence } from './mediator.ts';

/** Runs `seq` on `msg`. Errors go to the sequence's onError handler, if it has one. */
export async function runSequence(seq: Sequence, msg: MessageContext, env: MediationEnv): Promise<Outcome> {
  try {
    // the loop is written here, not in a function of its own: an async frame less on every message
    for (const m of seq.mediators) {
      if (msg.abort.aborted) return 'stop';
      const outcome: unknown = await m.mediate(msg, env);
      if (outcome === 'stop') return 'stop';
      if (outcome !== 'continue') {
        throw new MoorError('MOOR_ERR_MEDIATION', `<${m.kind}> at ${m.loc.file}:${m.loc.line}:${m.loc.col} returned ${String(outcome)}, not 'continue' or 'stop'`);
      }
    }
    return 'continue';
  } catch (e) {
    const handler = seq.onError !== undefined ? env.sequence(seq.onError) : undefined;
    if (!handler || msg.abort.aborted) throw e;
    setErrorProperties(msg, e);
    env.trace(`onError:${handler.name ?? ''}`);
    // the handler's own onError is not followed: an error in the error handler ends the sequence
    return await runSequence({ ...handler, onError: undefined }, msg, env);
  }
}

/** Synapse's ERROR_CODE / ERROR_MESSAGE / ERROR_DETAIL properties, for fault sequences. */
export function setErrorProperties(msg: MessageContext, e: unknown): void {
  msg.properties.set('ERROR_CODE', e instanceof MoorError ? e.code : 'MOOR_ERR_MEDIATION');
  msg.properties.set('ERROR_MESSAGE', e instanceof Error ? e.message : String(e));
  msg.properties.set('ERROR_DETAIL', e instanceof Error ? (e.stack ?? '') : '');
}
