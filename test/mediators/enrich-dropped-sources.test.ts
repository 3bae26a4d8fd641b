/**
 * An <enrich> custom source that selects attributes, or gives a number or a boolean: WSO2's Source keeps
 * only the elements, text nodes and strings it selects, so it has nothing to put in; moor puts in their
 * text, and `moor validate` says so at the <source>, file:line:col. What is plainly an element or text
 * path is not warned about.
 */
import test from 'ava';
import { loadConfig } from '../../src/server/runtime.ts';
import { configDir, definitions } from '../helpers/gateway.ts';

async function warningsOf(sources: string[]): Promise<string[]> {
  const body = sources.map((x) => `\n<enrich><source xpath="${x}"/><target type="property" property="p"/></enrich>`).join('');
  const dir = await configDir({ 'p.xml': definitions(`<sequence name="S" xmlns:o="urn:o">${body}</sequence>`) });
  const { errors, warnings } = await loadConfig(dir);
  if (errors.length) throw new Error(errors.map((e) => e.toString()).join('\n'));
  return warnings.map((w) => `${w.loc.file.split('/').pop()}:${w.loc.line}:${w.loc.col} ${w.code} ${w.message}`);
}

test('attributes, a count() and a boolean are warned about at their <source>', async (t) => {
  const got = await warningsOf(['//o:item/@sku', 'count(//o:item)', "contains(//o:id, '7')"]);
  t.is(got.length, 3, got.join('\n'));
  t.regex(got[0]!, /^p\.xml:2:\d+ MOOR_WARN_DIFFERENT <source xpath="\/\/o:item\/@sku"> gives attribute nodes: WSO2's enrich takes only the elements, text nodes and strings/);
  t.regex(got[1]!, /^p\.xml:3:\d+ MOOR_WARN_DIFFERENT .* gives a number:/);
  t.regex(got[2]!, /^p\.xml:4:\d+ MOOR_WARN_DIFFERENT .* gives a boolean:/);
});

test('elements, text nodes, and strings (a count() inside concat() among them) are not', async (t) => {
  t.deepEqual(await warningsOf(['//o:item', '//o:item/text()', "concat(//o:id, '-')", '//o:item[@sku]', "concat(count(//o:item), ' items')"]), []);
});
