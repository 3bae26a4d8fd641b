/**
 * The whole corpus through a real gateway, answered as docs/hostile-input.md says: the test reads the
 * doc's table ("The corpus, file by file"), so the doc and the behaviour cannot drift apart.
 */
import { readFile } from 'node:fs/promises';
import test from 'ava';
import { type Gateway } from '../../src/server/gateway.ts';
import { NS } from '../../src/xml/names.ts';
import { corpusFile, corpusFiles } from '../fixtures/corpus.ts';
import { type EchoBackend, startEchoBackend } from '../helpers/echo-backend.ts';
import { definitions, post, startGateway } from '../helpers/gateway.ts';

interface Row {
  readonly path: string;
  readonly pattern: RegExp;
  readonly answer: string;
  /** The status for SOAP 1.1 and for SOAP 1.2. */
  readonly status: readonly [number, number];
}

/** The rows of the doc's corpus table. */
async function table(): Promise<Row[]> {
  const doc = await readFile(new URL('../../docs/hostile-input.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## The corpus, file by file'));
  const rows: Row[] = [];
  for (const line of section.split('\n')) {
    const m = /^\| `([^`]+)` \| .* \| (passes|`(MOOR_ERR_[A-Z_]+)`) \| (\d+)(?: \/ (\d+))? \|$/.exec(line);
    if (!m) continue;
    const path = m[1]!;
    const pattern = new RegExp(`^${path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+')}`);
    rows.push({ path, pattern, answer: m[3] ?? 'passes', status: [Number(m[4]), Number(m[5] ?? m[4])] });
  }
  return rows;
}

/** The row that speaks for `file`: the longest path that contains it. */
function rowFor(rows: readonly Row[], file: string): Row | undefined {
  let best: Row | undefined;
  for (const r of rows) if (r.pattern.test(file) && (!best || r.path.length > best.path.length)) best = r;
  return best;
}

let gw: Gateway;
let echo: EchoBackend;

test.before(async () => {
  echo = await startEchoBackend();
  gw = await startGateway({ 'p.xml': definitions(`<proxy name="Echo"><target><endpoint name="echo"><address uri="${echo.url}"/></endpoint></target></proxy>`) });
});
test.after.always(async () => {
  await gw.close();
  await echo.close();
});

test('every corpus file is answered as docs/hostile-input.md says, in its own SOAP version', async (t) => {
  const rows = await table();
  t.true(rows.length > 40, 'the table was read');
  const files = (await corpusFiles('.')).filter((f) => !/(^|\/)(LICENSE[^/]*|NOTICE[^/]*|[^/]*\.md|[^/]*\.txt)$/.test(f));
  t.true(files.length > 790, `the whole corpus (${files.length} files)`);
  const wrong: string[] = [];
  const used = new Set<Row>();
  for (const file of files) {
    const row = rowFor(rows, file);
    if (!row) {
      wrong.push(`${file}: no row of the table speaks for it`);
      continue;
    }
    used.add(row);
    const bytes = await corpusFile(file);
    const v12 = bytes.includes(NS.soap12);
    const r = await post(`${gw.url}/services/Echo`, bytes, { 'content-type': v12 ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8' });
    const got = r.status === 200 ? 'passes' : String(r.headers['x-moor-error'] ?? `no code, ${r.status}`);
    const status = row.status[v12 ? 1 : 0];
    if (got !== row.answer || r.status !== status) wrong.push(`${file}: ${got} ${r.status}, the table says ${row.answer} ${status}`);
    if (got === 'passes') {
      if (!echo.received.at(-1)?.body.equals(bytes)) wrong.push(`${file}: passed, but the backend did not receive its bytes`);
    } else {
      const type = String(r.headers['content-type']);
      if (!type.startsWith(v12 ? 'application/soap+xml' : 'text/xml')) wrong.push(`${file}: the fault is not in the request's SOAP version (${type})`);
      if (!r.text.includes(v12 ? NS.soap12 : NS.soap11)) wrong.push(`${file}: the fault envelope is not SOAP ${v12 ? '1.2' : '1.1'}`);
    }
  }
  t.deepEqual(wrong, []);
  t.deepEqual(rows.filter((r) => !used.has(r)).map((r) => r.path), [], 'every row of the table speaks for some file');
});
