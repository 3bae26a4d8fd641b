/**
 * <foreach expression="xpath" [sequence="key"] [id="name"] [xmlns:p="…"]>
 *   <sequence> mediators… </sequence>?          (inline, when there is no sequence="key")
 * </foreach>
 *
 * Synapse's ForEach: a loop over the elements `expression` selects, for transforming them in place.
 * Each element, in document order, becomes the Body of a message of its own (the same Envelope and
 * Header, a copy of the properties and transport headers) that runs the sequence; what the Body then
 * holds takes the element's place in the original message. The message goes on with every element
 * replaced. As in WSO2, the sequence may not send: <send>, <call> and <callout> in it are refused at
 * load (in an inline sequence, at any depth; in a `sequence="key"`, among its own mediators), and one
 * that answers the client (<respond>, <loopback>) fails the message. Properties set in the sequence
 * stay in its copy, as in WSO2 (FOREACH_COUNTER, the number of elements done so far, is readable there;
 * the original message's FOREACH_COUNTER is the number done when the loop ends). FOREACH_ORIGINAL_MESSAGE
 * holds the envelope as it was before the loop, as XML.
 *
 * MI 4.4's new foreach (`collection="${…}"`, parallel-execution, update-original) and JSONPath
 * expressions over a JSON payload are refused at load, not read as something else.
 */
import { type ConfigNode } from '../config/node.ts';
import { MoorError } from '../errors.ts';
import { jsonEvalPath } from '../expr/json-path.ts';
import { ELEMENT } from '../xml/node-types.ts';
import { childNodes, clearChildren, commitDom, soapBody } from './dom.ts';
import { requestCopy } from './request-copy.ts';
import { type SequenceLink } from './links.ts';
import { type MediatorDefinition, type Outcome, type Sequence } from './mediator.ts';
import { runSequence } from './sequence-runner.ts';
import { compileExpression } from './value.ts';
import { XmlValue } from '../xml/xml-value.ts';

/** Mediators a <foreach> sequence may not hold: they send the message somewhere. */
const SENDERS = ['send', 'call', 'callout'];

export const foreach: MediatorDefinition = {
  name: 'foreach',
  parse(node, ctx) {
    if (node.attr('collection') !== undefined) {
      node.report('MOOR_ERR_UNSUPPORTED', "MI 4.4's <foreach collection=\"${…}\"> (Synapse expressions, parallel-execution, update-original) is not supported; use expression=\"xpath\" with a <sequence>");
      return undefined;
    }
    node.allowAttributes('expression', 'sequence', 'id', 'description');
    node.allowChildren('sequence', 'description');
    const exprText = node.required('expression');
    if (exprText !== undefined && jsonEvalPath(exprText) !== undefined) {
      node.report('MOOR_ERR_UNSUPPORTED', '<foreach> over a JSON payload (json-eval) is not supported; its expression must be an XPath');
      return undefined;
    }
    const expression = exprText !== undefined ? compileExpression(node, exprText) : undefined;
    const key = node.attr('sequence');
    const inline = node.child('sequence');
    let body: Sequence | SequenceLink | undefined;
    if (key !== undefined && inline) node.report('MOOR_ERR_BAD_VALUE', '<foreach> takes sequence="key" or an inline <sequence>, not both');
    else if (key !== undefined) {
      const link = ctx.sequenceRef(key, node);
      body = link;
      const loc = node.loc;
      ctx.later(async (diag) => {
        for (const m of link.linked?.mediators ?? []) {
          if (SENDERS.includes(m.kind)) diag.report('MOOR_ERR_BAD_VALUE', loc, `the sequence "${key}" of this <foreach> holds a <${m.kind}> (${m.loc.file}:${m.loc.line}:${m.loc.col}); a foreach sequence may not send (use <iterate>)`);
        }
      });
    } else if (inline) {
      inline.allowAttributes('description');
      for (const sender of senders(inline)) sender.report('MOOR_ERR_BAD_VALUE', `<${sender.name}> is not allowed in a <foreach> sequence, which may not send (use <iterate>)`);
      body = { name: undefined, loc: inline.loc, mediators: ctx.mediators(inline), onError: undefined };
    } else node.report('MOOR_ERR_MISSING_ATTRIBUTE', '<foreach> needs sequence="key" or an inline <sequence>');
    if (!expression || !body) return undefined;
    const loop = body;
    return {
      kind: 'foreach',
      loc: node.loc,
      async mediate(msg, env): Promise<Outcome> {
        const doc = await msg.envelopeDom();
        const matches = (await expression.nodes(msg, { wholeEnvelope: true })).filter((n) => n.nodeType === ELEMENT);
        msg.properties.set('FOREACH_ORIGINAL_MESSAGE', new XmlValue(String(doc.documentElement)));
        const shell = doc.cloneNode(true) as Document;
        clearChildren(soapBody(shell));
        const sequence = 'mediators' in loop ? loop : loop.sequence;
        let done = 0;
        for (const element of matches) {
          if (!element.parentNode) continue; // inside an element already replaced
          const part = shell.cloneNode(true) as Document;
          soapBody(part).appendChild(part.importNode(element, true));
          const sub = requestCopy(msg, { envelope: String(part) }, answersNobody);
          sub.properties.set('FOREACH_COUNTER', done);
          await runSequence(sequence, sub, env);
          const result = childNodes(soapBody(await sub.envelopeDom()));
          for (const n of result) element.parentNode.insertBefore(doc.importNode(n, true), element);
          element.parentNode.removeChild(element);
          done++;
        }
        msg.properties.set('FOREACH_COUNTER', done);
        commitDom(msg, doc);
        return 'continue';
      },
    };
  },
};

/** The sending mediators anywhere inside `node`. */
function senders(node: ConfigNode): ConfigNode[] {
  return node.children().flatMap((c) => (SENDERS.includes(c.name) ? [c] : senders(c)));
}

/** The reply channel of a foreach part: nothing in a foreach sequence may answer the client. */
async function answersNobody(): Promise<void> {
  throw new MoorError('MOOR_ERR_MEDIATION', 'a <foreach> sequence may not answer the client (<respond>, <loopback>)');
}
