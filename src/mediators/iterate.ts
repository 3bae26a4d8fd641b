/**
 * <iterate expression="xpath" [id="name"] [preservePayload="true|false"] [attachPath="xpath"]
 *          [continueParent="true|false"] [sequential="true|false"] [xmlns:p="…"]>
 *   <target [sequence="key"] [endpoint="key"] [soapAction="action"]>
 *     <sequence> mediators… </sequence>?  |  <endpoint …/>?
 *   </target>
 * </iterate>
 *
 * Splits the message: one part per element `expression` selects. Each part is an envelope of its own
 * (the same Envelope and Header) whose Body holds that element alone, or, with preservePayload="true",
 * the whole original payload with the selected elements taken out and this one put back under
 * `attachPath` (the Body by default). Each part runs the target (src/mediators/split-target.ts), with
 * its own copy of the properties, concurrently unless sequential="true"; the iterate waits for them or
 * for its <aggregate> as runGroup says there. Replies to parts that no aggregate takes are discarded.
 * The original message then stops, unless continueParent="true".
 */
import { MoorError } from '../errors.ts';
import { type Expression } from '../expr/expression.ts';
import { type MessageContext } from '../message/context.ts';
import { clearChildren, soapBody } from './dom.ts';
import { type MediatorDefinition } from './mediator.ts';
import { SplitGroup } from './split-group.ts';
import { groupPart, parseSplitTarget, runGroup } from './split-target.ts';
import { compileExpression } from './value.ts';
import { ELEMENT } from '../xml/node-types.ts';

export const iterate: MediatorDefinition = {
  name: 'iterate',
  parse(node, ctx) {
    node.allowAttributes('expression', 'id', 'preservePayload', 'attachPath', 'continueParent', 'sequential', 'description');
    node.allowChildren('target', 'description');
    const exprText = node.required('expression');
    const expression = exprText !== undefined ? compileExpression(node, exprText) : undefined;
    const attachText = node.attr('attachPath');
    const attachPath = attachText !== undefined ? compileExpression(node, attachText) : undefined;
    const bool = (attr: string): boolean => node.oneOf(node.attr(attr), ['true', 'false'] as const, attr) === 'true';
    const preservePayload = bool('preservePayload');
    const continueParent = bool('continueParent');
    const sequential = bool('sequential');
    const id = node.attr('id');

    const targetNode = node.child('target');
    if (!targetNode) node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<iterate> needs a <target> with a <sequence> or an <endpoint>');
    const target = targetNode && parseSplitTarget(targetNode, ctx, 'iterate');
    if (!expression || !target) return undefined;

    return {
      kind: 'iterate',
      loc: node.loc,
      async mediate(msg, env) {
        const envelopes = await split(msg, expression, preservePayload, attachPath);
        const group = new SplitGroup(id, msg, envelopes.length);
        const parts = envelopes.map((xml, i) => groupPart(msg, xml, target, group, i));
        return runGroup(group, parts, env, { sequential, continueParent, traceAs: 'iterate' });
      },
    };
  },
};

/** The envelopes of the parts, as text. */
async function split(msg: MessageContext, expression: Expression, preservePayload: boolean, attachPath: Expression | undefined): Promise<string[]> {
  const doc = await msg.envelopeDom();
  const matches = (await expression.nodes(msg, { wholeEnvelope: true })).filter((n) => n.nodeType === ELEMENT);
  if (!matches.length) throw new MoorError('MOOR_ERR_MEDIATION', `<iterate>: "${expression.text}" selects no element to split the message by`);
  if (!preservePayload) {
    // the Envelope and Header once, then one copy per part with the part alone in the Body
    const shell = doc.cloneNode(true) as Document;
    clearChildren(soapBody(shell));
    return matches.map((m) => {
      const part = shell.cloneNode(true) as Document;
      soapBody(part).appendChild(part.importNode(m, true));
      return String(part);
    });
  }
  const attach = attachPath ? (await attachPath.nodes(msg, { wholeEnvelope: true }))[0] : soapBody(doc);
  if (!attach || attach.nodeType !== ELEMENT) throw new MoorError('MOOR_ERR_MEDIATION', `<iterate>: attachPath "${attachPath?.text ?? ''}" selects no element`);
  const paths = matches.map(pathOf);
  const attachAt = pathOf(attach);
  return matches.map((_, i) => {
    const copy = doc.cloneNode(true) as Document;
    const copies = paths.map((p) => nodeAt(copy, p));
    const where = nodeAt(copy, attachAt);
    for (const c of copies) c.parentNode?.removeChild(c);
    where.appendChild(copies[i]!);
    return String(copy);
  });
}

/** The child indexes that lead from the document to `node`. */
function pathOf(node: Node): number[] {
  const out: number[] = [];
  for (let n: Node | null = node; n?.parentNode; n = n.parentNode) {
    let i = 0;
    for (let s = n.previousSibling; s; s = s.previousSibling) i++;
    out.unshift(i);
  }
  return out;
}

function nodeAt(doc: Document, path: readonly number[]): Node {
  let n: Node = doc;
  for (const i of path) n = n.childNodes[i]!;
  return n;
}
