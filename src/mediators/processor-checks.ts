/**
 * What `<messageProcessor>`s name, checked against the whole configuration when it loads: their store,
 * their target endpoint, their sequences (WSO2 finds a missing one when the processor runs). Each
 * error is at the element or parameter that names it; a refused store or endpoint is not blamed again.
 */
import { type Config } from '../config/load.ts';
import { type Diagnostics } from '../config/node.ts';
import { type MessageProcessorDef } from '../config/store-def.ts';
import { suggest } from '../config/suggest.ts';
import { type SourceLoc } from '../errors.ts';

/** The processors of `config` whose names all resolve; the others are reported. */
export function checkProcessors(config: Config, diag: Diagnostics): MessageProcessorDef[] {
  const out: MessageProcessorDef[] = [];
  for (const p of config.messageProcessors.values()) {
    const missing = (what: string, ref: { name: string; loc: SourceLoc }, names: Iterable<string>): boolean => {
      if (config.refused.has(ref.name)) return true;
      diag.report('MOOR_ERR_UNRESOLVED_KEY', ref.loc, `message processor "${p.name}": no ${what} named "${ref.name}"${suggest(ref.name, [...names])}`);
      return true;
    };
    let bad = false;
    if (!config.messageStores.has(p.store.name)) bad = missing('message store', p.store, config.messageStores.keys());
    const sequences = p.type === 'sample' ? [p.sequence] : [p.replySequence, p.faultSequence];
    for (const s of sequences) if (s && !config.sequences.has(s.name)) bad = missing('sequence', s, config.sequences.keys()) || bad;
    if (p.type === 'forward' && p.endpoint && !config.endpoints.has(p.endpoint.name)) bad = missing('endpoint', p.endpoint, config.endpoints.keys()) || bad;
    if (!bad) out.push(p);
  }
  return out;
}
