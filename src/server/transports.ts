/**
 * A proxy's `transports` (`http`, `https`, both when it has none), honoured as WSO2 honours it, once the
 * gateway has an HTTPS listener besides its HTTP one (`moor start --https-port`): a proxy is not served
 * on the listener its transports leave out, and a request for it there is answered as one for a service
 * that does not exist (MOOR_ERR_NO_SERVICE, 404; not the main sequence: WSO2 faults too). Without an
 * HTTPS listener every proxy is served on the one listener (and an https-only one is a warning). An
 * API's transports= and a resource's protocol= are honoured where APIs are dispatched (api-dispatch.ts).
 */
import { MoorError } from '../errors.ts';
import { rawHeader } from '../message/context.ts';
import { soapVersionOfContentType } from '../xml/soap.ts';
import { type Admission, type RequestHead, serviceOfTarget } from './admission.ts';
import { faultAnswer } from './answer.ts';
import { type Runtime } from './runtime.ts';

/** The refusal of `head` on its listener when it names a proxy not served there; otherwise undefined (and always with one listener). */
export function transportRefusal(runtime: Runtime, head: RequestHead): Admission | undefined {
  const transport = head.listener;
  if (transport === undefined) return undefined;
  const name = serviceOfTarget(head.target);
  if (name === undefined) return undefined;
  const def = runtime.compiled.config.proxies.get(name);
  if (!def || def.transports[transport]) return undefined;
  const version = soapVersionOfContentType(rawHeader(head.headers, 'content-type')) === '1.2' ? '1.2' : '1.1';
  const e = new MoorError('MOOR_ERR_NO_SERVICE', `no proxy service named "${name}" on the ${transport} listener (its transports="${transport === 'http' ? 'https' : 'http'}")`);
  return { kind: 'refused', error: e, answer: faultAnswer(version, e), rest: 'drain' };
}
