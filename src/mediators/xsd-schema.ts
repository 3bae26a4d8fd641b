/**
 * XML Schema validation for <validate>, by libxml2 compiled to WebAssembly (libxml2-wasm). The module is
 * imported on first use, so a configuration without <validate> never loads it.
 *
 * A schema's <xs:include>/<xs:import> schemaLocations are served from memory only: each compiled
 * schema gets a base URL of its own under the `moor-validate:` scheme, and one input provider (libxml2's
 * are process-wide) answers `moor-validate:/<n>/<location>` with the text its <resource> named. Messages
 * are parsed with network access off; what reaches here is moor's own serialisation of an element
 * already parsed under the hardened edge's limits (no DOCTYPE, bounded size and depth).
 */

/** Checks a document's text: the schema's complaints, none when it is valid. */
export type SchemaCheck = (xml: string) => string[];

type Libxml = typeof import('libxml2-wasm');

let loading: Promise<{ lib: Libxml; provider: InstanceType<Libxml['XmlBufferInputProvider']> }> | undefined;
let schemas = 0;

function library() {
  return (loading ??= import('libxml2-wasm').then((lib) => {
    const provider = new lib.XmlBufferInputProvider({});
    lib.xmlRegisterInputProvider(provider);
    return { lib, provider };
  }));
}

/** Compiles `schema` (with the texts `included` by schemaLocation); the check, or why it does not compile. */
export async function compileSchema(schema: string, included: ReadonlyMap<string, string>): Promise<SchemaCheck | string> {
  const { lib, provider } = await library();
  const base = `moor-validate:/${++schemas}/`;
  for (const [location, text] of included) provider.addBuffer(base + location, Buffer.from(text));
  let validator: InstanceType<Libxml['XsdValidator']>;
  try {
    const doc = lib.XmlDocument.fromString(schema, { url: `${base}schema.xsd` });
    try {
      validator = lib.XsdValidator.fromDoc(doc);
    } finally {
      doc.dispose();
    }
  } catch (e) {
    return describe(e);
  } finally {
    for (const location of included.keys()) provider.removeBuffer(base + location);
  }
  // (the validator lives as long as the configuration that holds this check)
  const held = validator;
  return (xml: string): string[] => {
    let doc: InstanceType<Libxml['XmlDocument']>;
    try {
      doc = lib.XmlDocument.fromString(xml, { option: lib.ParseOption.XML_PARSE_NONET });
    } catch (e) {
      return [describe(e)];
    }
    try {
      held.validate(doc);
      return [];
    } catch (e) {
      return messagesOf(e);
    } finally {
      doc.dispose();
    }
  };
}

function messagesOf(e: unknown): string[] {
  const details = (e as { details?: { message: string; level?: number }[] }).details;
  const errors = details?.filter((d) => (d.level ?? 2) >= 2).map((d) => d.message.trim());
  return errors?.length ? errors : [describe(e)];
}

function describe(e: unknown): string {
  return messagesOf(e).join('; ');
}
