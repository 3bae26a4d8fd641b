import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { type SessionDef } from '../../src/config/session-def.ts';
import { createDispatcher } from '../../src/dispatch/create.ts';
import { ConfigError } from '../../src/errors.ts';
import { NS } from '../../src/xml/names.ts';
import { contextOf } from '../fixtures/messages.ts';
import { sessionDef } from '../helpers/members.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const LOC = { file: 'endpoints/cart.xml', line: 7, col: 5 };

function def(over: Partial<SessionDef> & Pick<SessionDef, 'type'>): SessionDef {
  return sessionDef({ loc: LOC, choose: 'auto', ...over });
}

const HEADER_MSG = (header: string): string =>
  `<soapenv:Envelope xmlns:soapenv="${NS.soap11}"><soapenv:Header>${header}</soapenv:Header><soapenv:Body/></soapenv:Envelope>`;

test('each built-in session type gets its dispatcher', async (t) => {
  const cases: [SessionDef, string][] = [
    [def({ type: 'http' }), 'http cookie JSESSIONID'],
    [def({ type: 'http', cookie: 'SRV' }), 'http cookie SRV'],
    [def({ type: 'soap' }), `soap reference parameter {${NS.axis2}}ServiceGroupId`],
    [def({ type: 'soap', name: { uri: 'urn:x', local: 'Key' } }), 'soap reference parameter {urn:x}Key'],
    [def({ type: 'simpleClientSession' }), `soap header {${NS.synapse}}ClientID`],
    [def({ type: 'header', name: { uri: 'urn:acme', local: 'Tenant' } }), 'soap header {urn:acme}Tenant'],
    [def({ type: 'xpath', expression: '$header/a:Sid', namespaces: new Map([['a', 'urn:a']]) }), 'xpath $header/a:Sid'],
  ];
  for (const [d, description] of cases) t.is((await createDispatcher(d, tmpdir())).description, description);
  const header = await createDispatcher(def({ type: 'header', name: { uri: 'urn:acme', local: 'Tenant' } }), tmpdir());
  t.is(await header.keyOfRequest(contextOf(HEADER_MSG(`<t:Tenant xmlns:t="urn:acme">t-1</t:Tenant>`))), 't-1');
});

/** Writes `files` into a fresh folder and returns it, as a user's config folder would hold them. */
async function userDir(files: Record<string, string>): Promise<string> {
  const dir = tempDir('moor-dispatch-');
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

test('type="class" loads a user module relative to the config folder: a default-exported dispatcher', async (t) => {
  const dir = await userDir({
    'tenant.mjs': `export default {
      initiator: 'client',
      async keyOfRequest(msg) { return msg.transport.get('x-tenant'); },
    };`,
  });
  const d = await createDispatcher(def({ type: 'class', classPath: './tenant.mjs' }), dir);
  t.is(d.initiator, 'client');
  t.is(d.description, 'class tenant.mjs');
  t.is(await d.keyOfRequest(contextOf(HEADER_MSG(''), { 'X-Tenant': 'acme' })), 'acme');
});

test('type="class": a factory function receives the session definition; a named export "dispatcher" works too', async (t) => {
  const dir = await userDir({
    'factory.mjs': `export default (def) => ({
      initiator: 'server',
      description: 'by ' + def.cookie,
      async keyOfRequest(msg) { return msg.transport.get(def.cookie.toLowerCase()); },
      async keyOfResponse(msg) { return msg.transport.get('x-new-session'); },
    });`,
    'named.mjs': `export const dispatcher = { initiator: 'client', async keyOfRequest() { return 'fixed'; } };`,
  });
  const d = await createDispatcher(def({ type: 'class', classPath: 'factory.mjs', cookie: 'X-Session' }), dir);
  t.is(d.description, 'by X-Session');
  t.is(await d.keyOfRequest(contextOf(HEADER_MSG(''), { 'x-session': 's9' })), 's9');
  t.is(await d.keyOfResponse!(contextOf(HEADER_MSG(''), { 'x-new-session': 'n1' }, 'response')), 'n1');
  const named = await createDispatcher(def({ type: 'class', classPath: path.join(dir, 'named.mjs') }), '/elsewhere');
  t.is(await named.keyOfRequest(contextOf(HEADER_MSG(''))), 'fixed');
});

test('type="class": a missing module, one that does not load, and one of the wrong shape are ConfigErrors at the session', async (t) => {
  const dir = await userDir({
    'syntax.mjs': 'export default {',
    'throws.mjs': `throw new Error('boom at import');`,
    'shape.mjs': `export default { initiator: 'client' };`,
    'initiator.mjs': `export default { initiator: 'both', keyOfRequest() {} };`,
  });
  for (const [file, message] of [
    ['missing.mjs', /cannot load session dispatcher .*missing\.mjs/],
    ['syntax.mjs', /cannot load session dispatcher/],
    ['throws.mjs', /boom at import/],
    ['shape.mjs', /must export \(as default\) a SessionDispatcher/],
    ['initiator.mjs', /must export/],
  ] as const) {
    const err = await t.throwsAsync(createDispatcher(def({ type: 'class', classPath: file }), dir), { instanceOf: ConfigError, message }, file);
    t.is(err?.code, 'MOOR_ERR_CLASS_LOAD', file);
    t.deepEqual(err?.loc, LOC, file);
    t.true(err!.toString().startsWith('endpoints/cart.xml:7:5 MOOR_ERR_CLASS_LOAD '), file);
  }
});
