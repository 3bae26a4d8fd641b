/**
 * A parse memoised per distinct string, for strings traffic repeats (request targets, backend URLs):
 * URL parsing is a visible part of a small message's cost, and a gateway sees few distinct ones. At
 * most `max` are kept; a full cache starts afresh (a flood of distinct strings cannot grow it).
 */
export function parsedOnce<T>(parse: (text: string) => T, max = 512): (text: string) => T {
  const cache = new Map<string, T>();
  return (text) => {
    let parsed = cache.get(text);
    if (parsed === undefined) {
      if (cache.size >= max) cache.clear();
      parsed = parse(text);
      cache.set(text, parsed);
    }
    return parsed;
  };
}
