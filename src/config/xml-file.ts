/**
 * Reading XML files the way every configuration-like file is read (configuration, test suites, mock
 * services): parsed with positions, and a file that cannot be read or is not well-formed reported at
 * its place instead of thrown.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type ErrorCode } from '../errors.ts';
import { type XmlElement } from '../xml/element.ts';
import { parseXml, XmlSyntaxError } from '../xml/parse.ts';
import { LineIndex } from '../xml/positions.ts';
import { ConfigNode, type Diagnostics } from './node.ts';

/** Displays `file` relative to the working directory when it lies below it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** How problems of one kind of file are reported. */
export interface XmlFileCodes {
  /** For a file that cannot be read. */
  readonly read: ErrorCode;
  /** For a file that is not well-formed XML. */
  readonly malformed: ErrorCode;
  /** Put before the parser's message (e.g. `not well-formed XML: `). */
  readonly prefix?: string;
}

/** The root element of `file` and a ConfigNode over it; undefined (reported in `diag`) when unreadable or malformed. */
export async function readXmlDocument(file: string, diag: Diagnostics, codes: XmlFileCodes): Promise<{ el: XmlElement; node: ConfigNode } | undefined> {
  const shown = displayPath(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    diag.report(codes.read, { file: shown, line: 1, col: 1 }, `cannot read the file: ${(e as Error).message}`);
    return undefined;
  }
  const lines = new LineIndex(text);
  try {
    const el = parseXml(text, { positions: true });
    return { el, node: new ConfigNode(el, shown, lines, diag, new Map(el.namespaces)) };
  } catch (e) {
    if (!(e instanceof XmlSyntaxError)) throw e;
    // parseXml refuses a DOCTYPE before parsing, without a place: point at the declaration
    const doctype = e.offset === undefined && e.line === undefined ? text.search(/<!DOCTYPE/i) : -1;
    const at = e.offset !== undefined ? lines.at(e.offset) : doctype >= 0 ? lines.at(doctype) : { line: e.line ?? 1, col: e.col ?? 1 };
    diag.report(codes.malformed, { file: shown, ...at }, `${codes.prefix ?? ''}${e.message}`);
    return undefined;
  }
}

/** Every `*.xml` file (or file ending in one of `endings`) below `dir`, at any depth, sorted. Throws what readdir throws. */
export async function xmlFilesUnder(dir: string, endings: readonly string[] = ['.xml']): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && endings.some((x) => e.name.endsWith(x)))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}
