/**
 * `<registry>` declared in a `<definitions>` (boilerplate in nearly every WSO2 `synapse.xml`):
 *
 * <registry provider="org.wso2.micro.integrator.registry.MicroIntegratorRegistry">
 *   <parameter name="cachableDuration">15000</parameter>
 *   <parameter name="ConfigRegRoot">file:///…/registry/config</parameter>?   where conf:/ keys live
 *   <parameter name="GovRegRoot">file:///…/registry/governance</parameter>?  where gov:/ keys live
 *   <parameter name="…">…</parameter>*
 * </registry>
 *
 * Accepted: moor does not load the provider class; it reads registry keys from a folder
 * (registry-folder.ts). The provider is noted; a provider that is not MI's file-based one, and a
 * cachableDuration (moor reads resources when the configuration loads, so a changed resource is seen
 * on reload), are warnings, because there moor does not behave as WSO2 does.
 */
import { type SourceLoc } from '../errors.ts';
import { type ConfigNode } from './node.ts';

/** A `<registry>` as declared. */
export interface RegistryDecl {
  readonly provider: string | undefined;
  readonly loc: SourceLoc;
  /** `ConfigRegRoot`, resolved against the declaring file's folder. */
  readonly confRoot: string | undefined;
  /** `GovRegRoot`, likewise. */
  readonly govRoot: string | undefined;
}

/** The file-based providers whose folders moor reads as they do. */
const FILE_PROVIDERS = ['org.wso2.micro.integrator.registry.MicroIntegratorRegistry', 'org.wso2.carbon.mediation.registry.ESBRegistry'];

/** Reads `<registry>`; `resolveFile` turns a file: URI or path into an absolute path. */
export function parseRegistryDecl(node: ConfigNode, resolveFile: (uri: string) => string): RegistryDecl {
  node.allowAttributes('provider');
  node.allowChildren('parameter', 'description');
  const provider = node.attr('provider');
  const params = new Map<string, ConfigNode>();
  for (const p of node.children()) {
    if (p.name !== 'parameter') continue;
    p.allowAttributes('name');
    const name = p.required('name');
    if (name !== undefined) params.set(name, p);
  }
  if (provider !== undefined && !FILE_PROVIDERS.includes(provider)) {
    const root = params.get('root')?.text;
    node.warn(
      'MOOR_WARN_DIFFERENT',
      `the registry provider "${provider}" is not loaded: moor reads registry keys (conf:/…, gov:/…) from its registry folder${root ? `, not from "${root}"` : ''}`,
    );
  }
  const cachable = params.get('cachableDuration');
  if (cachable) cachable.warn('MOOR_WARN_DIFFERENT', 'cachableDuration: moor reads registry resources when the configuration loads; a changed resource is seen when the configuration is reloaded, not after this time');
  const dir = (name: string): string | undefined => {
    const text = params.get(name)?.text;
    return text ? resolveFile(text) : undefined;
  };
  return { provider, loc: node.loc, confRoot: dir('ConfigRegRoot'), govRoot: dir('GovRegRoot') };
}
