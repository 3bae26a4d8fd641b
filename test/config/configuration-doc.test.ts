/**
 * docs/configuration.md lists the Synapse features moor refuses; this keeps those lists equal to the
 * code's (src/config/load.ts UNSUPPORTED_ARTIFACTS, src/mediators/registry.ts UNSUPPORTED_MEDIATORS), as
 * test/errors.test.ts does for the error codes.
 */
import { readFile } from 'node:fs/promises';
import test from 'ava';
import { UNSUPPORTED_ARTIFACTS } from '../../src/config/load.ts';
import { MEDIATORS, UNSUPPORTED_MEDIATORS } from '../../src/mediators/registry.ts';

/** The text of the `### title` subsection of `## Synapse features moor does not support`. */
async function subsection(title: string): Promise<string> {
  const doc = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  const part = doc.slice(doc.indexOf('## Synapse features moor does not support'));
  const start = part.indexOf(`### ${title}\n`);
  if (start < 0) return '';
  const rest = part.slice(start + title.length + 5);
  const end = rest.search(/^##/m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The element names written as `<name>` in `text`. */
function elementNames(text: string): string[] {
  return [...text.matchAll(/`<([\w-]+)>`/g)].map((m) => m[1]!).sort();
}

test('the unsupported mediators listed are exactly those the registry refuses', async (t) => {
  const listed = elementNames(await subsection('Unsupported mediators'));
  t.deepEqual(listed, [...UNSUPPORTED_MEDIATORS].sort(), 'docs/configuration.md, "### Unsupported mediators"');
  t.deepEqual(listed.filter((m) => MEDIATORS.has(m)), [], 'a mediator moor now has is not listed as unsupported');
});

test('the unsupported artifacts listed are exactly those the loader refuses', async (t) => {
  t.deepEqual(elementNames(await subsection('Unsupported artifacts')), Object.keys(UNSUPPORTED_ARTIFACTS).sort());
});
