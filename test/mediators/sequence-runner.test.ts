/**
 * The sequence runner: mediators that finish at once are run without waiting a turn each, and the
 * sequence then answers without a promise; one that waits makes the rest run after it; errors, thrown
 * or rejected, reach the sequence's onError handler either way.
 */
import test from 'ava';
import { isPromiseLike } from '../../src/maybe-promise.ts';
import { type MediationEnv, type Mediator, type Outcome, type Sequence } from '../../src/mediators/mediator.ts';
import { SequenceLink } from '../../src/mediators/links.ts';
import { runSequence } from '../../src/mediators/sequence-runner.ts';
import { contextOf } from '../fixtures/messages.ts';

const LOC = { file: 'seq.xml', line: 1, col: 1 };

function mediator(kind: string, run: () => unknown): Mediator {
  return { kind, loc: LOC, mediate: run as () => Outcome | Promise<Outcome> };
}

/** A sequence of `mediators`, whose onError handler is `onError` (linked as compile links it). */
function sequence(mediators: Mediator[], onError?: Sequence): Sequence {
  let link: SequenceLink | undefined;
  if (onError) {
    link = new SequenceLink('handler', true);
    link.link(new Map([['handler', onError]]));
  }
  return { name: 'seq', loc: LOC, mediators, onError: link };
}

function envWith(sequences: Record<string, Sequence> = {}): MediationEnv & { traced: string[] } {
  const traced: string[] = [];
  return {
    traced,
    endpoints: undefined as never,
    sequence: (name) => sequences[name],
    onResponse: () => undefined,
    background: () => undefined,
    trace: (e) => traced.push(e),
  };
}

const message = () => contextOf('<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body/></e:Envelope>');

test('mediators that answer at once run in order, and the sequence answers at once', (t) => {
  const ran: string[] = [];
  const seq = sequence([mediator('a', () => (ran.push('a'), 'continue')), mediator('b', () => (ran.push('b'), 'continue'))]);
  const outcome = runSequence(seq, message(), envWith());
  t.false(isPromiseLike(outcome));
  t.is(outcome, 'continue');
  t.deepEqual(ran, ['a', 'b']);
});

test('a mediator that waits: the rest runs after it, and "stop" ends the sequence there', async (t) => {
  const ran: string[] = [];
  const seq = sequence([
    mediator('a', () => (ran.push('a'), 'continue')),
    mediator('wait', async () => (await new Promise((r) => setTimeout(r, 5)), ran.push('wait'), 'continue')),
    mediator('b', () => (ran.push('b'), 'stop')),
    mediator('c', () => (ran.push('c'), 'continue')),
  ]);
  const outcome = runSequence(seq, message(), envWith());
  t.true(isPromiseLike(outcome));
  t.deepEqual(ran, ['a']);
  t.is(await outcome, 'stop');
  t.deepEqual(ran, ['a', 'wait', 'b']);
});

for (const [how, fail] of [
  ['thrown at once', () => { throw new Error('boom'); }],
  ['rejected later', async () => { throw new Error('boom'); }],
] as const) for (const first of ['first', 'after a mediator that waited'] as const) {
  test(`an error ${how}, ${first}, goes to the onError sequence once, with ERROR_MESSAGE set`, async (t) => {
    const handled: string[] = [];
    const handler = sequence([mediator('h', () => (handled.push('h'), 'continue'))]);
    const env = envWith();
    const msg = message();
    const before = first === 'first' ? [] : [mediator('wait', async () => 'continue')];
    const seq = sequence([...before, mediator('fail', fail), mediator('after', () => (handled.push('after'), 'continue'))], handler);
    t.is(await runSequence(seq, msg, env), 'continue');
    t.deepEqual(handled, ['h']);
    t.is(msg.properties.get('ERROR_MESSAGE'), 'boom');
    t.deepEqual(env.traced, ['onError:seq']);
  });
}

test('an outcome that is neither continue nor stop is refused, naming the mediator and its place', async (t) => {
  const now = sequence([mediator('odd', () => undefined)]);
  t.throws(() => runSequence(now, message(), envWith()), { message: /<odd> at seq\.xml:1:1 returned undefined/ });
  const later = sequence([mediator('odd', async () => true)]);
  await t.throwsAsync(async () => runSequence(later, message(), envWith()), { message: /<odd> at seq\.xml:1:1 returned true/ });
});
