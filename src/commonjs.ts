/**
 * `require` for the CommonJS packages moor loads on every command (fast-xml-parser's CommonJS build,
 * xpath, winston, prom-client). An ES `import` of a CommonJS package makes Node 20 scan its source with
 * cjs-module-lexer to find its export names; `require` does not, and on `moor validate` the scan alone
 * was ~20 ms of a ~0.4 s start (issue 11, docs/benchmarks.md). Types still come from `import type`.
 */
import { createRequire } from 'node:module';

export const requireCommonJs = createRequire(import.meta.url);

/**
 * A package loaded at its first use rather than when moor's modules load (undici, xmldom, winston,
 * prom-client: each is needed only by some commands, or only after start-up).
 */
export function loadOnFirstUse<T>(id: string): () => T {
  let library: T | undefined;
  return () => (library ??= requireCommonJs(id) as T);
}
