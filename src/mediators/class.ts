/**
 * <class name="./mediators/my-mediator.js">
 *   <property name="N" value="V"/>*
 * </class>
 *
 * Runs a user module as a mediator. `name` is a path resolved against the configuration folder. The
 * module's default export (or its export `mediator`) is one of:
 *   - a mediator: an object with `mediate(msg, env)`;
 *   - a class whose instances have `mediate`, constructed with the properties as options: `new C({ N: 'V' })`;
 *   - a factory function returning a mediator, called with the same options.
 * `mediate` returns (a promise of) 'continue' or 'stop'; anything else is a mediation error naming this
 * element. The module is loaded when the configuration loads, synchronously (so it must not use
 * top-level await); one that cannot be loaded, or has another shape, is MOOR_ERR_CLASS_LOAD here. A
 * Java class name (Synapse's `name="org.acme.MyMediator"`) is refused as unsupported.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Mediator, type MediatorDefinition } from './mediator.ts';
import { type ClassMediator } from './mediator-context.ts';

/** What a user module provides (the extension surface: mediator-context.ts). */
type UserMediator = ClassMediator;

const requireModule = createRequire(import.meta.url);
const MODULE_FILE = /\.(m|c)?(j|t)s$/;

export const classMediator: MediatorDefinition = {
  name: 'class',
  parse(node, ctx) {
    node.allowAttributes('name', 'description');
    node.allowChildren('property');
    const name = node.required('name');
    const options: Record<string, string> = {};
    for (const p of node.children()) {
      p.allowAttributes('name', 'value');
      const key = p.required('name');
      const value = p.required('value');
      if (key !== undefined && value !== undefined) options[key] = value;
    }
    if (name === undefined) return undefined;
    if (!name.includes('/') && !MODULE_FILE.test(name)) {
      node.report('MOOR_ERR_UNSUPPORTED', `"${name}" is a Java class; moor's <class> loads a JavaScript module by path, e.g. name="./mediators/my-mediator.js"`);
      return undefined;
    }
    const file = path.resolve(ctx.baseDir, name);
    let instance: UserMediator;
    try {
      instance = instantiate(requireModule(file) as Record<string, unknown>, options, file);
    } catch (e) {
      node.report('MOOR_ERR_CLASS_LOAD', `cannot load class mediator ${file}: ${loadFailure(file, e)}`);
      return undefined;
    }
    const mediator: Mediator = {
      kind: 'class',
      loc: node.loc,
      // the runner checks the outcome and names this element when it is neither 'continue' nor 'stop'
      // (not async: a user mediator that finishes at once costs no turn of the microtask queue)
      mediate: (msg, env) => instance.mediate(msg, env),
    };
    return mediator;
  },
};

function instantiate(mod: Record<string, unknown>, options: Record<string, string>, file: string): UserMediator {
  const exported = mod.default ?? mod.mediator ?? mod;
  let candidate: unknown = exported;
  if (typeof exported === 'function') {
    const fn = exported as { prototype?: { mediate?: unknown } } & ((o: Record<string, string>) => unknown);
    candidate = typeof fn.prototype?.mediate === 'function' ? new (fn as unknown as new (o: Record<string, string>) => unknown)({ ...options }) : fn({ ...options });
  }
  if (candidate instanceof Promise) throw new Error('the factory returned a promise; return the mediator itself');
  if (!candidate || typeof (candidate as Partial<UserMediator>).mediate !== 'function') {
    throw new Error(`${path.basename(file)} must export (as default) an object with mediate(msg, env), a class with a mediate method, or a function returning such an object`);
  }
  return candidate as UserMediator;
}

/**
 * Why the user module `file` did not load, on one line. A TypeScript module that Node read as JavaScript
 * (a SyntaxError at its first type) or refused by its extension says what it needs: the compiled `moor`
 * command loads no TypeScript (a `<session type="class">` module is loaded the same way: dispatch/create.ts).
 */
export function loadFailure(file: string, e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string }).code;
  if (code === 'ERR_REQUIRE_ASYNC_MODULE') return 'the module uses top-level await, which a class mediator cannot';
  const line = m.split('\n')[0] ?? m;
  if (/\.[mc]?ts$/.test(file) && (e instanceof SyntaxError || code === 'ERR_UNKNOWN_FILE_EXTENSION')) {
    return `${line} (a TypeScript module loads only when moor runs under a TypeScript loader, e.g. node --import tsx node_modules/moor/bin/moor.js …; or compile it to .js)`;
  }
  return line;
}
