/** Builds the dispatcher a `<session>` element asks for, loading user modules for type="class". */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, MoorError } from '../errors.ts';
import { type SessionDef } from '../config/session-def.ts';
import { loadFailure } from '../mediators/class.ts';
import { type ClassDispatcher } from '../mediators/mediator-context.ts';
import { type SessionDispatcher } from './dispatcher.ts';
import { httpCookie } from './http-cookie.ts';
import { clientId, soapHeader } from './soap-header.ts';
import { SERVICE_GROUP_ID, soapServiceGroup } from './soap-service-group.ts';
import { xpathDispatcher } from './xpath.ts';

/**
 * The dispatcher of `def`. `baseDir` resolves a relative class path. Throws ConfigError when a user
 * module cannot be loaded or does not implement the interface.
 */
export async function createDispatcher(def: SessionDef, baseDir: string): Promise<SessionDispatcher> {
  switch (def.type) {
    case 'http':
      return httpCookie(def.cookie);
    case 'soap':
      return soapServiceGroup(def.name ?? SERVICE_GROUP_ID);
    case 'simpleClientSession':
      return clientId();
    case 'header':
      return soapHeader(def.name ?? { uri: '', local: '' });
    case 'xpath':
      try {
        return xpathDispatcher(def.expression ?? '', def.namespaces);
      } catch (e) {
        // the configuration check reports this first; a caller that skipped it still gets a place
        if (e instanceof MoorError) throw new ConfigError(e.code, def.loc, e.message, { cause: e });
        throw e;
      }
    case 'class':
      return loadClassDispatcher(def, baseDir);
  }
}

async function loadClassDispatcher(def: SessionDef, baseDir: string): Promise<SessionDispatcher> {
  const file = path.resolve(baseDir, def.classPath ?? '');
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError('MOOR_ERR_CLASS_LOAD', def.loc, `cannot load session dispatcher ${file}: ${loadFailure(file, e)}`, { cause: e });
  }
  const exported = mod.default ?? mod.dispatcher;
  const candidate = typeof exported === 'function' ? (exported as (d: SessionDef) => unknown)(def) : exported;
  const d = candidate as Partial<ClassDispatcher> | undefined;
  if (!d || typeof d.keyOfRequest !== 'function' || (d.initiator !== 'client' && d.initiator !== 'server')) {
    throw new ConfigError(
      'MOOR_ERR_CLASS_LOAD',
      def.loc,
      `${file} must export (as default) a SessionDispatcher, or a function returning one: { initiator: 'client' | 'server', keyOfRequest(msg), keyOfResponse?(msg) }`,
    );
  }
  // (the gateway's MessageContext is the MediatorContext the module was written against)
  const user = d as ClassDispatcher;
  return { description: `class ${path.basename(file)}`, ...user } satisfies SessionDispatcher;
}
