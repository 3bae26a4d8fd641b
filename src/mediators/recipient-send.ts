/**
 * A <send> to a recipient list (endpoints/recipient-list.ts): as WSO2's RecipientListEndpoint, a copy
 * of the message (its properties too) goes to every recipient that is ready, and each reply runs the
 * response path — the `receive` sequence, else the out sequence — where an <aggregate> gathers them.
 * The copies are a group as a <clone>'s are (split-target.ts runGroup): concurrently; the <send> waits
 * for the aggregate or for every copy; a recipient that fails does not stop the others, and its failure
 * is raised (for the fault sequence) only if the aggregate did not complete with the other replies.
 * One-way (OUT_ONLY / FORCE_SC_ACCEPTED, Synapse samples 61 and 62): the client gets 202 at once, each
 * copy is sent in the background (one-way.ts), its answer dropped; a failed one is logged and runs the
 * fault sequence on its copy.
 * No recipient ready: MOOR_ERR_NO_ENDPOINT, nothing sent.
 */
import { MoorError } from '../errors.ts';
import { type Endpoint } from '../endpoints/endpoint.ts';
import { type RecipientListEndpoint } from '../endpoints/recipient-list.ts';
import { type MessageContext } from '../message/context.ts';
import { type MediationEnv, type Outcome } from './mediator.ts';
import { accept, dropAnswer, oneWayCopy, wholeRequest } from './one-way.ts';
import { SplitGroup } from './split-group.ts';
import { groupPart, runGroup, type SplitTarget } from './split-target.ts';

/** Sends a copy of `msg` to every ready recipient of `list`; `onReply` runs the response path on each reply. */
export async function sendToRecipients(msg: MessageContext, env: MediationEnv, list: RecipientListEndpoint, oneWay: boolean, onReply: (reply: MessageContext) => unknown): Promise<Outcome> {
  const recipients = await list.recipients(msg);
  if (recipients.length === 0) throw new MoorError('MOOR_ERR_NO_ENDPOINT', `no recipient of ${list.label} is ready`);
  if (oneWay) {
    // as a one-way <send>: 202 at once, then a copy to each recipient in the background, where a
    // failed one is logged and runs the fault sequence on its own copy, as in WSO2 (one-way.ts)
    const bytes = await wholeRequest(msg);
    await accept(msg);
    for (const r of recipients) {
      const copy = oneWayCopy(msg, bytes);
      env.background(copy, r.send(copy).then(dropAnswer));
    }
    return 'continue';
  }
  const xml = String(await msg.envelopeView());
  const group = new SplitGroup(undefined, msg, recipients.length);
  const parts = recipients.map((r, i) => groupPart(msg, xml, targetOf(r, onReply), group, i));
  return runGroup(group, parts, env, { sequential: false, continueParent: true, traceAs: 'recipientlist' });
}

function targetOf(recipient: Endpoint, onReply: (reply: MessageContext) => unknown): SplitTarget {
  return {
    soapAction: undefined,
    async run(part) {
      await onReply(await recipient.send(part));
    },
  };
}
