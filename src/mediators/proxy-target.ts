/**
 * A proxy's target endpoint (`<target endpoint="…">`, `<target><endpoint>`) as a sequence of one send,
 * made once when the proxy is compiled: the flow runs it after the in sequence, guarded by the fault
 * sequence as the in sequence is (flow.ts), and its answer takes the response path.
 */
import { type EndpointLink } from './links.ts';
import { type Outcome, type Sequence } from './mediator.ts';
import { dropAnswer, isOneWay } from './one-way.ts';

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
          const response = await link.endpoint.send(msg);
          // (OUT_ONLY, FORCE_SC_ACCEPTED: the answer is dropped, the client gets 202)
          await (isOneWay(msg) ? dropAnswer(response) : env.onResponse(response));
          return 'continue';
        },
      },
    ],
  };
}
