/**
 * A proxy's target endpoint (`<target endpoint="…">`, `<target><endpoint>`) as a sequence of one send,
 * made once when the proxy is compiled: the flow runs it after the in sequence, guarded by the fault
 * sequence as the in sequence is (flow.ts), and its answer takes the response path.
 */
import { type EndpointLink } from './links.ts';
import { type Outcome, type Sequence } from './mediator.ts';
import { isOneWay, sendOneWay } from './one-way.ts';
import { RecipientListEndpoint } from '../endpoints/recipient-list.ts';
import { sendToRecipients } from './recipient-send.ts';

export function targetSequence(proxy: string, link: EndpointLink): Sequence {
  const loc = link.def.loc;
  return {
    name: `${proxy}/target`,
    loc,
    onError: undefined,
    mediators: [
      {
        kind: 'send',
        loc,
        async mediate(msg, env): Promise<Outcome> {
          // a recipient list: a copy to each recipient, as <send> does (recipient-send.ts)
          if (link.endpoint instanceof RecipientListEndpoint) return sendToRecipients(msg, env, link.endpoint, isOneWay(msg), (r) => env.onResponse(r));
          // (OUT_ONLY, FORCE_SC_ACCEPTED: the client gets 202 at once, the answer is dropped)
          if (isOneWay(msg)) await sendOneWay(msg, env, link.endpoint);
          else await env.onResponse(await link.endpoint.send(msg));
          return 'continue';
        },
      },
    ],
  };
}
