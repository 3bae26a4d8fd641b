/**
 * Runs a sequence: each mediator in turn until one says 'stop'. As koa-compose guards against a
 * middleware that forgot to await, this refuses an outcome that is neither 'continue' nor 'stop' (a
 * user mediator that returned nothing), naming the mediator and its place in the configuration.
 *
 * A mediator that finishes at once may answer without a promise (today <send/> does, for a message
 * in memory going back to the client; <class> mediators may; <property> and <log> are async, since
 * they may evaluate an expression over the body); the sequence then runs on without waiting a turn
 * of the microtask queue for it, and answers at once itself when none of its mediators needed to wait.
 */
import { EndpointError } from '../endpoints/send-failure.ts';
import { MoorError } from '../errors.ts';
import { type MessageContext } from '../message/context.ts';
import { isPromiseLike, type MaybePromise } from '../maybe-promise.ts';
import { ThrownError } from './throw-error.ts';
import { type MediationEnv, type Mediator, type Outcome, type Sequence } from './mediator.ts';

/** Runs `seq` on `msg`. Errors go to the sequence's onError handler, if it has one. */
export function runSequence(seq: Sequence, msg: MessageContext, env: MediationEnv): MaybePromise<Outcome> {
  return runFrom(seq, 0, msg, env);
}

/** Runs the mediators of `seq` from position `start` on. */
function runFrom(seq: Sequence, start: number, msg: MessageContext, env: MediationEnv): MaybePromise<Outcome> {
  try {
    const mediators = seq.mediators;
    for (let i = start; i < mediators.length; i++) {
      if (msg.abort.aborted) return 'stop';
      const m = mediators[i]!;
      const outcome = m.mediate(msg, env);
      if (isPromiseLike(outcome)) return finishAfter(outcome, seq, i, msg, env);
      if (stops(outcome, m)) return 'stop';
    }
    return 'continue';
  } catch (e) {
    return onSequenceError(seq, msg, env, e);
  }
}

/**
 * Waits for the mediator at position `i`, then runs the rest of the sequence. (A continuation, not an
 * async frame: a send's wait for its backend keeps no frame of the runner suspended.)
 */
function finishAfter(pending: PromiseLike<Outcome>, seq: Sequence, i: number, msg: MessageContext, env: MediationEnv): Promise<Outcome> {
  return Promise.resolve(pending).then(
    (outcome) => {
      try {
        if (stops(outcome, seq.mediators[i]!)) return 'stop';
      } catch (e) {
        return onSequenceError(seq, msg, env, e);
      }
      // (errors of the rest are handled by runFrom itself, once)
      return runFrom(seq, i + 1, msg, env);
    },
    (e: unknown) => onSequenceError(seq, msg, env, e),
  );
}

/** True for 'stop', false for 'continue'; anything else is a mediator that forgot what to answer. */
function stops(outcome: unknown, m: Mediator): boolean {
  if (outcome === 'continue') return false;
  if (outcome === 'stop') return true;
  throw new MoorError('MOOR_ERR_MEDIATION', `<${m.kind}> at ${m.loc.file}:${m.loc.line}:${m.loc.col} returned ${String(outcome)}, not 'continue' or 'stop'`);
}

/** An error in `seq`: its onError sequence runs, if it has one (whose own onError is not followed). */
function onSequenceError(seq: Sequence, msg: MessageContext, env: MediationEnv, e: unknown): MaybePromise<Outcome> {
  // (linked as a handler: without its own onError, which is not followed, so an error in the error
  // handler ends the sequence)
  const handler = seq.onError?.linked;
  if (!handler || msg.abort.aborted || !runsFaultHandlers(e)) throw e;
  setErrorProperties(msg, e);
  env.trace(`onError:${handler.name ?? ''}`);
  return runSequence(handler, msg, env);
}

/**
 * Synapse's ERROR_CODE / ERROR_MESSAGE / ERROR_DETAIL properties, for fault sequences. A failed send
 * has Synapse's numeric code (101503, 101504, 303001…, src/endpoints/failure-codes.ts), as WSO2
 * configurations test for it; other errors have their MOOR_ERR_* code. MOOR_ERROR_CODE always holds
 * the MOOR_ERR_* code. A <throwError>'s ERROR_CODE is its `type`, as in WSO2.
 */
export function setErrorProperties(msg: MessageContext, e: unknown): void {
  const code = e instanceof MoorError ? e.code : 'MOOR_ERR_MEDIATION';
  msg.properties.set('ERROR_CODE', e instanceof EndpointError ? String(e.synapseCode) : e instanceof ThrownError ? e.errorType : code);
  msg.properties.set('MOOR_ERROR_CODE', code);
  msg.properties.set('ERROR_MESSAGE', e instanceof Error ? e.message : String(e));
  msg.properties.set('ERROR_DETAIL', e instanceof EndpointError ? e.detail : e instanceof Error ? (e.stack ?? '') : '');
}

/** False for an error whose endpoint says no fault handler runs for it (`<responseAction>discard`). */
export function runsFaultHandlers(e: unknown): boolean {
  return !(e instanceof EndpointError && e.discarded);
}
