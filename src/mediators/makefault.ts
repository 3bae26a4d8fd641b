/**
 * <makefault [version="soap11|soap12"] [response="true|false"]>
 *   <code (value="p:Receiver" | expression="xpath") xmlns:p="…"/>   Sender|Client, Receiver|Server, VersionMismatch, MustUnderstand
 *                                                  (an expression's QName is read for each message)
 *   <reason (value="text" | expression="xpath")/>
 *   <role>uri</role>?  <node>uri</node>?
 *   <detail [expression="xpath"]>text or XML</detail>?
 * </makefault>
 *
 * Replaces the message with a SOAP fault (in the message's own SOAP version unless `version` says).
 * Unless response="false", the fault becomes the answer (as in Synapse): a following <send/> returns it
 * to the client, as <respond/> does. The detail is inline XML or text, or what `expression` selects (its
 * elements as XML, else its string value). <node> is accepted and not written.
 */
import { childElements } from '../xml/element.ts';
import { escapeText, serialize } from '../xml/serialize.ts';
import { contentTypeOf, type FaultCode, faultEnvelope, faultStatus } from '../xml/soap.ts';
import { MoorError } from '../errors.ts';
import { type Expression } from '../expr/expression.ts';
import { type MessageContext } from '../message/context.ts';
import { NS } from '../xml/names.ts';
import { type MediatorDefinition, type Outcome } from './mediator.ts';
import { compileExpression, valueSource } from './value.ts';

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
    if (version === 'pox') node.report('MOOR_ERR_UNSUPPORTED', 'POX faults (version="pox") are not supported: moor speaks SOAP 1.1 and 1.2');
    const codeNode = node.child('code');
    codeNode?.allowAttributes('value', 'expression');
    // <code expression="xpath">: the code is the QName the expression gives for each message
    const codeText = codeNode?.attr('expression');
    const codeExpr = codeNode && codeText !== undefined ? compileExpression(codeNode, codeText) : undefined;
    const rawCode = codeNode && codeText === undefined ? codeNode.attr('value') : undefined;
    if (codeNode && codeText === undefined && rawCode === undefined) codeNode.report('MOOR_ERR_MISSING_ATTRIBUTE', '<code> needs value or expression');
    if (codeText !== undefined && codeNode?.attr('value') !== undefined) codeNode.report('MOOR_ERR_BAD_VALUE', '<code> takes value or expression, not both');
    const local = rawCode?.slice(rawCode.indexOf(':') + 1);
    const code = local === undefined ? 'Receiver' : CODES[local];
    if (rawCode !== undefined && !code) codeNode?.report('MOOR_ERR_BAD_VALUE', `fault code "${rawCode}" is not one of ${Object.keys(CODES).join(', ')}`);
    const reasonNode = node.child('reason');
    const reason = reasonNode ? valueSource(reasonNode) : undefined;
    if (!reasonNode) node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<makefault> needs a <reason value="…"/>');
    const role = node.child('role')?.text;
    const detailNode = node.child('detail');
    detailNode?.allowAttributes('expression');
    const detailText = detailNode?.attr('expression');
    const detailExpr = detailNode && detailText !== undefined ? compileExpression(detailNode, detailText) : undefined;
    // inline XML is written standalone, so it declares every namespace it uses
    const standalone = new Map([['xml', NS.xml]]);
    const detailInline = detailNode && childElements(detailNode.el).length ? childElements(detailNode.el).map((c) => serialize(c, standalone)).join('') : detailNode ? escapeText(detailNode.text) : undefined;
    // as in Synapse, the fault is the answer unless response="false": a following <send/> returns it
    const asResponse = node.oneOf(node.attr('response'), ['true', 'false'] as const, 'response') !== 'false';
    return {
      kind: 'makefault',
      loc: node.loc,
      async mediate(msg): Promise<Outcome> {
        const v = version === 'soap11' ? '1.1' : version === 'soap12' ? '1.2' : msg.version;
        const detail = detailExpr ? await detailOf(detailExpr, msg) : detailInline;
        const fc = codeExpr ? codeOf(await codeExpr.string(msg)) : (code ?? 'Receiver');
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
        if (asResponse) msg.properties.markResponse();
        return 'continue';
      },
    };
  },
};

/**
 * The detail an expression gives, as WSO2's FaultMediator builds it: a node-set's elements (as XML) and
 * text nodes (as text), in order, anything else in it left out; any other value its string as text.
 */
async function detailOf(expr: Expression, msg: MessageContext): Promise<string> {
  const nodes = await expr.nodes(msg);
  if (!nodes.length) return escapeText(await expr.string(msg));
  return nodes.map((n) => (n.nodeType === 1 ? String(n) : n.nodeType === 3 || n.nodeType === 4 ? escapeText(n.nodeValue ?? '') : '')).join('');
}

/** The fault code a `<code expression>` gave (`prefix:Local` or `Local`); any other value fails the message. */
function codeOf(value: string): (typeof CODES)[string] {
  const v = value.trim();
  const c = CODES[v.slice(v.indexOf(':') + 1)];
  if (!c) throw new MoorError('MOOR_ERR_MEDIATION', `the <makefault><code expression> gave "${value}", which is not one of ${Object.keys(CODES).join(', ')}`);
  return c;
}
