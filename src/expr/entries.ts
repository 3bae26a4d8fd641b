/**
 * The local entries `get-property('k')` falls back to when no property is named k, as Synapse's
 * GetPropertyFunction does (`synCtx.getProperty(key)`, else `synCtx.getEntry(key)`).
 *
 * Entries are static configuration, so an expression takes them when it is compiled rather than per
 * message: the compiler runs the mediators' parsers inside {@link compilingWith}, and every Expression
 * made meanwhile keeps the entries of the configuration it belongs to. (A reload compiles anew, so an
 * old runtime's expressions keep the old entries, as its sequences do.)
 */

let compiling: ReadonlyMap<string, string> | undefined;

/** Runs `fn` (a configuration's compilation) with `entries` (key → text) in scope for new expressions. */
export function compilingWith<T>(entries: ReadonlyMap<string, string>, fn: () => T): T {
  const outer = compiling;
  compiling = entries;
  try {
    return fn();
  } finally {
    compiling = outer;
  }
}

/** The entries of the configuration being compiled, if any. */
export function entriesInScope(): ReadonlyMap<string, string> | undefined {
  return compiling;
}
