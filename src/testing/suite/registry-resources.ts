/**
 * A suite's own `<registry-resources>`, deployed into a registry of the suite's own as WSO2's unit-test
 * server deploys them into its registry before the suite runs:
 *
 *   <registry-resource>
 *     <file-name>stamp.xml</file-name>
 *     <artifact>src/main/wso2mi/resources/stamp.xml</artifact>
 *     <registry-path>/_system/governance/mi-resources</registry-path>   (or /_system/config/…)
 *     <media-type>application/vnd.wso2.sequence</media-type>?           (read by its use, as moor reads any key)
 *   </registry-resource>
 *
 * `/_system/governance/P/F` is the key `gov:/P/F` and `/_system/config/P/F` is `conf:/P/F`. moor's registry
 * is a folder (config/registry-folder.ts), so the suite gets one: a temporary folder holding a copy of
 * `moor test --registry DIR` (when given) with the suite's resources written over it, removed when the
 * suite has run. Another registry path (`/_system/local`…) is refused at its element.
 */
import { cp, mkdtemp, mkdir, copyFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type SourceLoc } from '../../errors.ts';

/** One resource: its file, and where the suite puts it (sub-registry and path below it). */
export interface RegistryResource {
  readonly file: string;
  readonly sub: 'conf' | 'gov';
  /** The path below the sub-registry, with the file name: `mi-resources/stamp.xml`. */
  readonly key: string;
  readonly loc: SourceLoc;
}

/** The sub-registry and folder of WSO2's registry path `registryPath`, or undefined for one moor has no key for. */
export function subRegistryOf(registryPath: string): { sub: 'conf' | 'gov'; folder: string } | undefined {
  const m = /^\/?_system\/(config|governance)(?:\/(.*?))?\/*$/.exec(registryPath.trim());
  if (!m) return undefined;
  return { sub: m[1] === 'config' ? 'conf' : 'gov', folder: m[2] ?? '' };
}

/** A registry folder holding `base` (copied, when given) and `resources`; `dispose` removes it. */
export async function suiteRegistry(resources: readonly RegistryResource[], base: string | undefined): Promise<{ root: string; dispose(): Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), 'moor-suite-registry-'));
  try {
    if (base) await cp(base, root, { recursive: true });
    for (const r of resources) {
      const to = path.join(root, r.sub, ...r.key.split('/'));
      await mkdir(path.dirname(to), { recursive: true });
      await copyFile(r.file, to);
    }
  } catch (e) {
    await rm(root, { recursive: true, force: true });
    throw e;
  }
  return { root, dispose: () => rm(root, { recursive: true, force: true }) };
}
