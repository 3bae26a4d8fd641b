/**
 * `moor start --watch`: calls back (debounced) when anything under the configuration changes. It watches
 * every folder of the tree, not the files: an editor that saves by writing a new file and renaming it over
 * the old one (vim, sed -i, most IDEs) replaces the file's inode, and a watch on that inode would see the
 * first save and nothing after; a folder's watch sees each rename into it. The folder list is read again
 * after each change, so folders added later are watched too. A configuration given as one file is watched
 * through its folder, for that name only.
 */
import { type FSWatcher, readdirSync, statSync, watch } from 'node:fs';
import path from 'node:path';

export interface ConfigWatch {
  close(): void;
}

/** Every folder at or under `dir` (that can be read). */
function foldersUnder(dir: string): string[] {
  const out = [dir];
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) out.push(...foldersUnder(path.join(dir, e.name)));
  } catch {
    // gone or unreadable: nothing to watch there
  }
  return out;
}

/**
 * Watches `location` (a folder or a file); `onChange` runs once `quietMs` after the last change,
 * `onError` when a folder's watch fails (the others keep working).
 */
export function watchConfig(location: string, onChange: () => void, onError: (e: Error) => void, quietMs = 200): ConfigWatch {
  const isFile = statSync(location).isFile();
  const root = isFile ? path.dirname(location) : location;
  const only = isFile ? path.basename(location) : undefined;
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;

  const changed = (name: string | null): void => {
    if (only !== undefined && name !== null && name !== only) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (only === undefined) update();
      onChange();
    }, quietMs);
  };
  const update = (): void => {
    const wanted = new Set(only === undefined ? foldersUnder(root) : [root]);
    for (const [dir, w] of watchers) {
      if (!wanted.has(dir)) {
        w.close();
        watchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (watchers.has(dir)) continue;
      try {
        const w = watch(dir, (_event, name) => changed(name === null ? null : String(name)));
        w.on('error', (e) => {
          w.close();
          watchers.delete(dir);
          onError(e);
        });
        watchers.set(dir, w);
      } catch (e) {
        onError(e as Error);
      }
    }
  };
  update();
  return {
    close() {
      clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
