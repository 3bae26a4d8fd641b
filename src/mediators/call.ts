/**
 * <call [blocking="true|false"]>
 *   <endpoint …/>?         inline, or <endpoint key="name"/>, or dynamic (key="{xpath}", key-expression="xpath")
 * </call>
 *
 * Sends the message to the endpoint (or, with none, to its WS-Addressing To address) and goes on with
 * the next mediator, the response now being the current message: its body, transport headers and HTTP
 * status (also in $axis2:HTTP_SC). The out sequence does not run; a later <respond/> answers the client
 * with the response, a later <send>/<call> passes it on. Every call waits for its response, so
 * `blocking` changes nothing.
 */
import { parseEndpoint } from '../config/endpoint-def.ts';
import { type MediatorDefinition, type Outcome } from './mediator.ts';
import { dynamicEndpoint } from './dynamic-key.ts';
import { addressedEndpoint } from './send.ts';

export const call: MediatorDefinition = {
  name: 'call',
  parse(node, ctx) {
    node.allowAttributes('blocking', 'description');
    node.allowChildren('endpoint', 'source', 'target');
    node.oneOf(node.attr('blocking'), ['true', 'false'] as const, 'blocking');
    for (const c of node.children()) if (c.name === 'source' || c.name === 'target') c.report('MOOR_ERR_UNSUPPORTED', `<call><${c.name}> is not supported`);
    const epNode = node.child('endpoint');
    const dynamic = dynamicEndpoint(epNode);
    if (dynamic === null) return undefined;
    const def = epNode && !dynamic ? parseEndpoint(epNode) : undefined;
    const link = def && epNode ? ctx.endpoint(def, epNode) : undefined;
    return {
      kind: 'call',
      loc: node.loc,
      async mediate(msg, env): Promise<Outcome> {
        const endpoint = dynamic ? env.endpoints.ofKey(await dynamic.string(msg)) : link?.endpoint;
        const response = await (endpoint ?? (await addressedEndpoint(msg, env, 'call'))).send(msg);
        msg.adopt(response);
        msg.axis2.set('HTTP_SC', response.status);
        return 'continue';
      },
    };
  },
};
