/**
 * An XSLT 1.0 stylesheet read from its XML (a local entry, a `src=` file, a registry resource) into a
 * Stylesheet, once: templates and their patterns, named templates, top-level params and variables,
 * <xsl:output method>, <xsl:strip-space>. <xsl:include> and <xsl:import> name other stylesheets by
 * href, which the <xslt> mediator's <resource location key> entries map to keys (`include(href)`); an
 * import's templates lose to the importer's (import precedence). A stylesheet of version 2.0 or 3.0 is
 * run as XSLT 1.0 (forwards-compatible processing, as an XSLT 1.0 processor such as Xalan runs one):
 * what it uses beyond 1.0 is reported here, an instruction or a function it calls (functions.ts says
 * which few XPath 2.0 functions moor runs), where it is written.
 */
import { type ConfigNode } from '../config/node.ts';
import { splitPrefixed } from '../xml/names.ts';
import { binding, body, type BodyContext, isXsl, templateParams } from './body.ts';
import { type Binding, type Rule, type SpaceTest, type Stylesheet, type Template, XSL_NS } from './model.ts';
import { compilePattern } from './patterns.ts';

/** What the stylesheet names outside itself: `include(href)` gives the root of an included or imported one. */
export interface StylesheetSources {
  include(href: string, at: ConfigNode): ConfigNode | undefined;
}

/** Top-level declarations read but without effect here (format-number()'s default format is used). */
const TOP_IGNORED = new Set(['decimal-format']);

/** Compiles the stylesheet rooted at `root`; problems are reported at their elements (undefined when any). */
export function compileStylesheet(written: ConfigNode, sources: StylesheetSources): Stylesheet | undefined {
  const before = written.diag.errors.length;
  // what the stylesheet inherits from around it (an inline local entry's <definitions>), except a default namespace
  const inherited = new Map([...written.scope].filter(([p, uri]) => p !== '' && written.el.namespaces.get(p) !== uri));
  const root = written.withDiagnostics(written.diag, new Map([...written.scope].filter(([p]) => p !== '' || written.el.namespaces.has(''))));
  const templates: Template[] = [];
  const globals: (Binding & { param: boolean })[] = [];
  const space: SpaceTest[] = [];
  let method: Stylesheet['method'] = 'xml';
  let precedence = 0;
  const seen = new Set<ConfigNode['el']>();

  const read = (sheet: ConfigNode, depth: number): void => {
    if (seen.has(sheet.el)) {
      sheet.report('MOOR_ERR_BAD_VALUE', 'the stylesheet includes or imports itself');
      return;
    }
    seen.add(sheet.el);
    if (!isXsl(sheet) || (sheet.name !== 'stylesheet' && sheet.name !== 'transform')) {
      // a literal result element as the whole stylesheet (XSLT 1.0 §2.3) is the template for "/"
      const version = sheet.el.attributes.find((a) => a.name.uri === XSL_NS && a.name.local === 'version');
      if (!version) {
        sheet.report('MOOR_ERR_BAD_VALUE', `<${sheet.el.prefix ? `${sheet.el.prefix}:` : ''}${sheet.name}> is not an XSLT stylesheet (no <xsl:stylesheet>, and no xsl:version on a literal result element)`);
        return;
      }
      const ctx: BodyContext = { excluded: new Set([XSL_NS]), inherited, version2: Number(version.value) >= 2 };
      templates.push({ match: compilePattern('/', sheet.scope), name: undefined, mode: '', priority: undefined, precedence, params: [], body: body(parentOf(sheet), ctx), loc: sheet.loc });
      return;
    }
    if (sheet.attr('version') === undefined) sheet.report('MOOR_ERR_MISSING_ATTRIBUTE', `<xsl:${sheet.name}> needs the attribute version`);
    sheet.allowAttributes('version', 'id', 'exclude-result-prefixes', 'extension-element-prefixes', 'xpath-default-namespace', 'default-validation', 'input-type-annotations', 'default-collation', 'use-when', 'expand-text');
    const excluded = new Set([XSL_NS]);
    for (const p of (sheet.attr('exclude-result-prefixes') ?? '').split(/\s+/).filter(Boolean)) {
      const uri = sheet.scope.get(p === '#default' ? '' : p);
      if (uri === undefined && p !== '#all') sheet.report('MOOR_ERR_BAD_VALUE', `exclude-result-prefixes names "${p}", which is not declared`);
      else if (uri !== undefined) excluded.add(uri);
      if (p === '#all') for (const [, u] of sheet.scope) excluded.add(u);
    }
    const ctx: BodyContext = { excluded, inherited, version2: Number(sheet.attr('version')) >= 2 };
    const mine = precedence;
    for (const c of sheet.children()) {
      if (!isXsl(c)) continue; // a top-level element of another namespace is data (XSLT 1.0 §2.2)
      switch (c.name) {
        case 'template': {
          c.allowAttributes('match', 'name', 'mode', 'priority', 'as');
          const matchText = c.attr('match');
          const name = c.attr('name');
          if (matchText === undefined && name === undefined) c.report('MOOR_ERR_MISSING_ATTRIBUTE', '<xsl:template> needs match or name');
          let match;
          if (matchText !== undefined) {
            try {
              match = compilePattern(matchText, c.scope);
            } catch (e) {
              c.report('MOOR_ERR_BAD_XPATH', `<xsl:template match="${matchText}">: ${(e as Error).message}`);
            }
          }
          const p = c.attr('priority');
          const priority = p === undefined ? undefined : Number(p);
          if (priority !== undefined && !Number.isFinite(priority)) c.report('MOOR_ERR_BAD_VALUE', `priority must be a number, not "${p}"`);
          templates.push({ match, name, mode: c.attr('mode') ?? '', priority, precedence: mine, params: templateParams(c, ctx), body: body(c, ctx, true), loc: c.loc });
          break;
        }
        case 'param':
        case 'variable':
          globals.push({ ...binding(c, ctx), param: c.name === 'param' });
          break;
        case 'output': {
          c.allowAttributes('method', 'version', 'encoding', 'omit-xml-declaration', 'standalone', 'doctype-public', 'doctype-system', 'cdata-section-elements', 'indent', 'media-type');
          const m = c.attr('method');
          if (m !== undefined) method = c.oneOf(m, ['xml', 'text', 'html'] as const, 'method') ?? method;
          break;
        }
        case 'strip-space':
        case 'preserve-space':
          for (const t of (c.required('elements') ?? '').split(/\s+/).filter(Boolean)) {
            const { prefix, local } = splitPrefixed(t);
            space.push({ uri: prefix ? c.scope.get(prefix) ?? '' : local === '*' ? undefined : '', local, strip: c.name === 'strip-space' });
          }
          break;
        case 'include':
        case 'import': {
          c.allowAttributes('href');
          const href = c.required('href');
          const included = href === undefined ? undefined : sources.include(href, c);
          if (!included) break;
          if (c.name === 'import') {
            // what is imported loses to what imports it: read it at a lower precedence
            precedence--;
            read(included, depth + 1);
          } else {
            const saved = precedence;
            precedence = mine;
            read(included, depth + 1);
            precedence = saved;
          }
          break;
        }
        default:
          if (TOP_IGNORED.has(c.name)) break;
          c.report('MOOR_ERR_UNSUPPORTED', `<xsl:${c.name}> is not an XSLT 1.0 declaration that moor reads${c.name === 'key' ? ' (select with a predicate instead of key())' : ''}`);
      }
    }
  };
  read(root, 0);

  const named = new Map<string, Template>();
  for (const t of templates) {
    if (t.name === undefined) continue;
    const other = named.get(t.name);
    if (other && other.precedence === t.precedence) root.report('MOOR_ERR_BAD_VALUE', `two templates are named "${t.name}" (lines ${other.loc.line} and ${t.loc.line})`);
    if (!other || other.precedence <= t.precedence) named.set(t.name, t);
  }
  const rules = new Map<string, Rule[]>();
  let order = 0;
  for (const t of templates) {
    for (const part of t.match ?? []) {
      const list = rules.get(t.mode) ?? [];
      list.push({ part, priority: t.priority ?? part.priority, template: t, order: order++ });
      rules.set(t.mode, list);
    }
  }
  // most preferred first: higher precedence, then higher priority, then the later rule (as Saxon and Xalan choose)
  for (const list of rules.values()) list.sort((a, b) => b.template.precedence - a.template.precedence || b.priority - a.priority || b.order - a.order);
  if (root.diag.errors.length > before) return undefined;
  return { rules, named, globals, method, space, loc: root.loc };
}

/** A node whose only content is `el`: the body of a simplified stylesheet's template. */
function parentOf(el: ConfigNode): ConfigNode {
  const holder = { ...el.el, children: [el.el], attributes: [], namespaces: new Map() };
  return Object.assign(Object.create(Object.getPrototypeOf(el) as object) as ConfigNode, el, { el: holder });
}
