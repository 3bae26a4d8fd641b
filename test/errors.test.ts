/**
 * The error catalogue (src/errors.ts) against docs/errors.md and against the faults moor writes: a
 * code added without its row, a row for a code that does not exist, a row in the wrong section or
 * with another fault or status than the catalogue's, and a fault written otherwise than the
 * catalogue says, each fail here.
 */
import { readFile } from 'node:fs/promises';
import test from 'ava';
import { type CatalogueEntry, ERROR_CODES, type ErrorCode, type ErrorKind, MoorError } from '../src/errors.ts';
import { faultFor } from '../src/server/faults.ts';

/** The section of docs/errors.md where each kind of code is listed. */
const SECTIONS: Record<string, ErrorKind> = { Configuration: 'config', Warnings: 'warning', 'Command line': 'cli', Testing: 'testing', Traffic: 'traffic' };

interface Row {
  readonly code: string;
  readonly section: ErrorKind | undefined;
  readonly cells: readonly string[];
}

/** Every table row of docs/errors.md that starts with a code, with the section it is in. */
async function documentedRows(): Promise<Row[]> {
  const doc = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const rows: Row[] = [];
  let section: ErrorKind | undefined;
  for (const line of doc.split('\n')) {
    const heading = /^#{2,3} (.+)$/.exec(line);
    if (heading) section = SECTIONS[heading[1]!.trim()];
    const row = /^\| `(MOOR_(?:ERR|WARN)_[A-Z_]+)` \|(.*)\|$/.exec(line);
    if (row) rows.push({ code: row[1]!, section, cells: row[2]!.split('|').map((c) => c.trim()) });
  }
  return rows;
}

const catalogue = Object.entries(ERROR_CODES) as [ErrorCode, CatalogueEntry][];

/** The HTTP cell of the traffic table: one status, or "1.1 / 1.2" where they differ. */
const httpCell = (e: CatalogueEntry): string => (e.status.soap11 === e.status.soap12 ? String(e.status.soap11) : `${e.status.soap11} / ${e.status.soap12}`);

test('docs/errors.md lists exactly the codes of the catalogue, each once, in the section of its kind', async (t) => {
  const rows = await documentedRows();
  const documented = rows.map((r) => r.code);
  t.deepEqual(catalogue.map(([c]) => c).filter((c) => !documented.includes(c)), [], 'codes missing from docs/errors.md');
  t.deepEqual(documented.filter((c) => !(c in ERROR_CODES)), [], 'documented codes that src/errors.ts does not define');
  t.deepEqual(documented.filter((c, i) => documented.indexOf(c) !== i), [], 'codes documented twice');
  for (const r of rows) t.is(r.section, ERROR_CODES[r.code as ErrorCode]?.kind, `${r.code} is in the section of its kind`);
});

test("the traffic table gives each code the catalogue's SOAP 1.1 and 1.2 faults and HTTP status", async (t) => {
  for (const r of (await documentedRows()).filter((x) => x.section === 'traffic')) {
    const e = ERROR_CODES[r.code as ErrorCode];
    t.deepEqual(r.cells.slice(0, 3), [e.fault.soap11, e.fault.soap12, httpCell(e)], r.code);
  }
});

test('every fault moor writes has its code\'s fault and status from the catalogue, in both SOAP versions', (t) => {
  for (const [code, e] of catalogue) {
    const err = new MoorError(code, 'why');
    const v11 = faultFor('1.1', err);
    t.is(v11.status, e.status.soap11, `${code} 1.1 status`);
    t.regex(v11.body, new RegExp(`<faultcode>soapenv:${e.fault.soap11}</faultcode>`), `${code} 1.1 faultcode`);
    const v12 = faultFor('1.2', err);
    t.is(v12.status, e.status.soap12, `${code} 1.2 status`);
    t.regex(v12.body, new RegExp(`<soapenv:Code><soapenv:Value>soapenv:${e.fault.soap12}</soapenv:Value>`), `${code} 1.2 code`);
    t.regex(v12.body, new RegExp(`<moor:error xmlns:moor="urn:moor:fault">${code}</moor:error>`));
  }
});

test('an error that is no MoorError is the gateway\'s: MOOR_ERR_MEDIATION, Server/Receiver, 500', (t) => {
  const f = faultFor('1.2', new TypeError('x is undefined'));
  t.is(f.code, 'MOOR_ERR_MEDIATION');
  t.is(f.status, 500);
  t.regex(f.body, /soapenv:Receiver/);
  t.regex(f.body, /internal error: x is undefined/);
});
