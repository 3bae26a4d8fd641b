import test from 'ava';
import { MessageAbort } from '../../src/message/abort.ts';

test('a message is aborted once: every listener hears the first reason, later aborts change nothing', (t) => {
  const abort = new MessageAbort();
  const heard: string[] = [];
  const a = { onAbort: (r: Error) => heard.push(`a:${r.message}`) };
  const b = { onAbort: (r: Error) => heard.push(`b:${r.message}`) };
  abort.subscribe(a);
  abort.subscribe(b);
  t.false(abort.aborted);
  abort.abort(new Error('client went away'));
  abort.abort(new Error('second'));
  t.true(abort.aborted);
  t.is(abort.reason?.message, 'client went away');
  t.deepEqual(heard, ['a:client went away', 'b:client went away']);
});

test('an unsubscribed listener is not told; one subscribing after the abort is told at once', (t) => {
  const abort = new MessageAbort();
  const heard: string[] = [];
  const gone = { onAbort: () => heard.push('gone') };
  abort.subscribe(gone);
  abort.unsubscribe(gone);
  abort.abort(new Error('timeout'));
  abort.subscribe({ onAbort: (r) => heard.push(`late:${r.message}`) });
  t.deepEqual(heard, ['late:timeout']);
});

test('the standard AbortSignal follows the abort, whether asked for before or after it', (t) => {
  const before = new MessageAbort();
  const signal = before.signal;
  t.is(before.signal, signal, 'one signal per message');
  t.false(signal.aborted);
  before.abort(new Error('x'));
  t.true(signal.aborted);
  t.is((signal.reason as Error).message, 'x');
  const after = new MessageAbort();
  after.abort(new Error('y'));
  t.true(after.signal.aborted);
  t.is((after.signal.reason as Error).message, 'y');
});
