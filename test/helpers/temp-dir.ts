/**
 * Temp folders for tests, removed when the test process exits. (ava runs each test file in a child
 * process of its own, so 'exit' comes once per file, after its last test; a folder is never removed
 * while a test still reads it. Without this, every `npm test` left about 300 folders in the temp dir.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const made: string[] = [];
let hooked = false;

/** A new empty folder under the system temp dir, named `<prefix>XXXXXX`, removed at exit. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  if (!hooked) {
    hooked = true;
    process.once('exit', removeAll);
  }
  return dir;
}

function removeAll(): void {
  // (best effort: a folder a child process still writes to, or one a test already removed, is skipped)
  for (const dir of made) rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
}
