/**
 * Gateway settings that are moor's own rather than Synapse's, written in moor's namespace inside
 * `<definitions>` (Synapse ignores foreign elements there, so the file stays a Synapse file):
 *
 * <definitions xmlns="http://ws.apache.org/ns/synapse" xmlns:moor="urn:moor:config">
 *   <moor:store url="redis://10.0.0.5:6379/0" durable="true"/>   where session bindings live (`moor start
 *                                                  --store` wins); durable: as `?durable=1` on the URL
 *   <moor:cookieKey>…</moor:cookieKey>             HMAC key of mode="insert" cookies (else MOOR_COOKIE_KEY)
 *   <moor:admin token="…" maxConnections="…"/>    the admin listener's token (else MOOR_ADMIN_TOKEN) and limits
 *   <moor:limits maxMessageBytes="…" …/>           limits on traffic (src/config/limits-setting.ts)
 *   <moor:registry root="DIR"/>                    where conf:/… and gov:/… keys are read (relative to this
 *                                                  file; `--registry` wins; src/config/registry-folder.ts)
 * </definitions>
 *
 * The store URL's syntax is checked when the store is opened (src/session/store-url.ts); a setting
 * given twice, or an unknown element in this namespace, is a configuration error.
 */
import path from 'node:path';
import { type SourceLoc } from '../errors.ts';
import { ADMIN_LIMIT_NAMES, type AdminLimits } from './admin-limits.ts';
import { type MessageLimits } from '../message/limits.ts';
import { limitAttributes, parseLimits } from './limits-setting.ts';
import { type ConfigNode } from './node.ts';

/** moor's configuration namespace. */
export const MOOR_CONFIG_NS = 'urn:moor:config';

const SETTINGS = ['store', 'cookieKey', 'admin', 'limits', 'registry'] as const;

export interface MoorSettings {
  /** `<moor:store url durable>`. */
  store?: { readonly url: string; readonly durable: boolean; readonly loc: SourceLoc };
  /** `<moor:cookieKey>` text. */
  cookieKey?: { readonly value: string; readonly loc: SourceLoc };
  /** `<moor:admin token>`. */
  admin?: { readonly token: string | undefined; readonly limits: Partial<AdminLimits>; readonly loc: SourceLoc };
  /** `<moor:limits>`: the limits it sets. */
  limits?: { readonly values: Partial<MessageLimits>; readonly loc: SourceLoc };
  /** `<moor:registry root>`, resolved against the folder of the file that sets it. */
  registry?: { readonly root: string; readonly loc: SourceLoc };
}

/** Reads `node` into `into` when it is in moor's namespace; false when it is not (not handled). */
export function parseMoorSetting(node: ConfigNode, into: MoorSettings): boolean {
  if (node.el.name.uri !== MOOR_CONFIG_NS) return false;
  const first = ((SETTINGS as readonly string[]).includes(node.name) ? into[node.name as (typeof SETTINGS)[number]] : undefined)?.loc;
  if (first) {
    node.report('MOOR_ERR_DUPLICATE_NAME', `<moor:${node.name}> is already set at ${first.file}:${first.line}:${first.col}`);
    return true;
  }
  switch (node.name) {
    case 'store': {
      node.allowAttributes('url', 'durable');
      node.allowChildren();
      const url = node.required('url');
      const durable = node.oneOf(node.attr('durable'), ['true', 'false'] as const, 'durable') === 'true';
      if (url !== undefined) into.store = { url, durable, loc: node.loc };
      return true;
    }
    case 'cookieKey': {
      node.allowAttributes();
      node.allowChildren();
      if (node.text === '') node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<moor:cookieKey> needs the key as its text');
      else into.cookieKey = { value: node.text, loc: node.loc };
      return true;
    }
    case 'admin': {
      node.allowAttributes('token', ...ADMIN_LIMIT_NAMES);
      node.allowChildren();
      const token = node.attr('token');
      const limits = limitAttributes(node, ADMIN_LIMIT_NAMES, 'moor:admin');
      if (token === '') node.report('MOOR_ERR_BAD_VALUE', '<moor:admin token> is empty: give a token, or leave the attribute out');
      else if (token === undefined && Object.keys(limits).length === 0) node.report('MOOR_ERR_MISSING_ATTRIBUTE', `<moor:admin> sets nothing: give token="…" or a limit (${ADMIN_LIMIT_NAMES.join(', ')})`);
      else into.admin = { token, limits, loc: node.loc };
      return true;
    }
    case 'limits':
      into.limits = { values: parseLimits(node), loc: node.loc };
      return true;
    case 'registry': {
      node.allowAttributes('root');
      node.allowChildren();
      const root = node.required('root');
      if (root !== undefined) into.registry = { root: path.resolve(path.dirname(node.loc.file), root.replace(/^file:(\/\/)?/, '')), loc: node.loc };
      return true;
    }
    default:
      node.unknownElement([...SETTINGS], 'moor settings');
      return true;
  }
}
