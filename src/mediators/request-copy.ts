/**
 * What <callout> and <call> with a <source> share: a request of its own made from the current message
 * (as Synapse clones the message context): a copy of its transport headers and properties, its SOAP
 * envelope with only the chosen payload in the Body (or a JSON payload), answered through the
 * endpoint's send and never through the client's reply channel. <foreach> makes its parts so too.
 */
import { MessageContext } from '../message/context.ts';
import { MessageBody } from '../message/message-body.ts';
import { Axis2Scope, DefaultScope } from '../message/property-scopes.ts';
import { soapBody } from './dom.ts';

/** The envelope of `msg` (its Envelope and Header as they are) with `payload` alone in the Body. */
export async function envelopeWith(msg: MessageContext, payload: readonly Node[]): Promise<string> {
  const copy = (await msg.envelopeDom()).cloneNode(true) as Document;
  const body = soapBody(copy);
  while (body.firstChild) body.removeChild(body.firstChild);
  for (const n of payload) body.appendChild(copy.importNode(n, true));
  return String(copy.documentElement);
}

/**
 * A request copied from `msg` carrying `envelope` (XML text), or with `json` that JSON text as its
 * payload, or with `opaque` a payload that is not XML, under the message's own Content-Type.
 */
export function requestCopy(msg: MessageContext, payload: { readonly envelope: string } | { readonly json: string } | { readonly opaque: string }, reply: (answer: MessageContext) => Promise<void> = dropReply): MessageContext {
  const text = 'envelope' in payload ? payload.envelope : 'json' in payload ? payload.json : payload.opaque;
  const request = new MessageContext('request', new Map(msg.transport), new MessageBody(Buffer.from(text), msg.body.limits, undefined, 'trusted'), msg.abort, msg.log, reply, {
    id: msg.id,
    properties: new DefaultScope(msg.properties),
    axis2: new Axis2Scope(msg.axis2),
    version: msg.version,
  });
  if ('json' in payload) request.setJsonPayload(payload.json);
  if ('opaque' in payload) request.body.opaque = true;
  return request;
}

/**
 * The reply channel of a request whose answer comes back another way (from endpoint.send, or gathered by
 * an <aggregate>): what still reaches it is read to its end, so the connection can be used again, and dropped.
 */
export async function dropReply(reply: MessageContext): Promise<void> {
  try {
    for await (const _ of reply.body.open());
  } catch {
    // nothing to keep
  }
}
