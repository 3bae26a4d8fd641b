/**
 * <makefault [version="soap11|soap12"] [response="true|false"]>
 *   <code value="p:Receiver" xmlns:p="…"/>        Sender|Client, Receiver|Server, VersionMismatch, MustUnderstand
 *   <reason (value="text" | expression="xpath")/>
 *   <role>uri</role>?  <node>uri</node>?
 *   <detail [expression="xpath"]>text or XML</detail>?
 * </makefault>
 *
 * Replaces the message with a SOAP fault (in the message's own SOAP version unless `version` says).
 * With response="true" the fault becomes the answer: a following <send/> returns it to the client.
 */
import { childElements } from '../xml/element.ts';
import { escapeText, serialize } from '../xml/serialize.ts';
import { contentTypeOf, type FaultCode, faultEnvelope, faultStatus } from '../xml/soap.ts';
import { type MediatorDefinition } from './mediator.ts';
import { valueSource } from './value.ts';

const CODES: Record<string, FaultCode> = {
  Sender: 'Sender',
  Client: 'Sender',
  Receiver: 'Receiver',
  Server: 'Receiver',
  VersionMismatch: 'VersionMismatch',
  MustUnderstand: 'MustUnderstand',
  DataEncodingUnknown: 'DataEncodingUnknown',
};

export const makefault: MediatorDefinition = {
  name: 'makefault',
  parse(node) {
    node.allowAttributes('version', 'response', 'description');
    node.allowChildren('code', 'reason', 'role', 'node', 'detail');
    const version = node.oneOf(node.attr('version'), ['soap11', 'soap12', 'pox'] as const, 'version');
    const codeNode = node.child('code');
    const rawCode = codeNode?.required('value');
    const local = rawCode?.slice(rawCode.indexOf(':') + 1);
    const code = local === undefined ? 'Receiver' : CODES[local];
    if (rawCode !== undefined && !code) codeNode?.report('MOOR_ERR_BAD_VALUE', `fault code "${rawCode}" is not one of ${Object.keys(CODES).join(', ')}`);
    const reasonNode = node.child('reason');
    const reason = reasonNode ? valueSource(reasonNode) : undefined;
    if (!reasonNode) node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<makefault> needs a <reason value="…"/>');
    const role = node.child('role')?.text;
    const detailNode = node.child('detail');
    const detailSource = detailNode?.attr('expression') !== undefined ? valueSource(detailNode) : undefined;
    const detailInline = detailNode && childElements(detailNode.el).length ? childElements(detailNode.el).map((c) => serialize(c, detailNode.scope)).join('') : detailNode ? escapeText(detailNode.text) : undefined;
    const asResponse = node.attr('response') === 'true';
    return {
      kind: 'makefault',
      loc: node.loc,
      async mediate(msg) {
        const v = version === 'soap11' ? '1.1' : version === 'soap12' ? '1.2' : msg.version;
        const detail = detailSource ? escapeText(await detailSource(msg)) : detailInline;
        const fc = code ?? 'Receiver';
        msg.setEnvelope(
          faultEnvelope(v, {
            code: fc,
            reason: reason ? await reason(msg) : '',
            ...(role ? { role } : {}),
            ...(detail ? { detail } : {}),
          }),
        );
        msg.status = faultStatus(v, fc);
        msg.transport.clear();
        msg.transport.set('content-type', contentTypeOf(v));
        if (asResponse) msg.properties.set('RESPONSE', true);
        return 'continue';
      },
    };
  },
};
