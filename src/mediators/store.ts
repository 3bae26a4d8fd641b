/**
 * <store messageStore="S" [sequence="onStore"]/> (WSO2's Store mediator)
 *
 * Keeps the message, as it is now, in the message store S (message-store.ts): its envelope, its
 * content type and SOAP action, and its default-scope properties; `sequence` runs on it first. The
 * flow goes on after it (as in WSO2; a client nothing else answers gets 202). A store that is full
 * refuses the message with MOOR_ERR_STORE_FULL (503): onError and the fault sequence run, as for any
 * error; a Redis store (moor.RedisMessageStore) that Redis does not answer for refuses it with
 * MOOR_ERR_STORE_UNAVAILABLE (503), and nothing is kept anywhere else. A `{…}` store name is refused:
 * the store is named once, when the configuration loads.
 */
import { type ConfigNode } from '../config/node.ts';
import { isDynamicKey } from './dynamic-key.ts';
import { type MediatorDefinition, type Outcome, type ParseContext } from './mediator.ts';
import { runSequence } from './sequence-runner.ts';
import { DefaultScope } from '../message/property-scopes.ts';

export const store: MediatorDefinition = {
  name: 'store',
  parse(node: ConfigNode, ctx: ParseContext) {
    node.allowAttributes('messageStore', 'sequence', 'description');
    const name = node.required('messageStore');
    if (name === undefined) return undefined;
    if (isDynamicKey(name)) {
      node.report('MOOR_ERR_UNSUPPORTED', `messageStore="${name}": a store named by an expression is not supported; name it`);
      return undefined;
    }
    const link = ctx.storeRef(name, node);
    const seqKey = node.attr('sequence');
    const onStore = seqKey !== undefined ? ctx.sequenceRef(seqKey, node) : undefined;
    return {
      kind: 'store',
      loc: node.loc,
      async mediate(msg, env): Promise<Outcome> {
        if (onStore) await runSequence(onStore.sequence, msg, env);
        const envelope = Buffer.from(String(await msg.envelopeView()));
        const headers = new Map<string, string>();
        for (const h of ['content-type', 'soapaction']) {
          const v = msg.transport.get(h);
          if (typeof v === 'string') headers.set(h, v);
        }
        await link.store.add({ envelope, headers, version: msg.version, properties: new DefaultScope(msg.properties) });
        env.trace(`store:${name}`);
        return 'continue';
      },
    };
  },
};
