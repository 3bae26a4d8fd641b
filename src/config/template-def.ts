/**
 * WSO2/Synapse sequence templates: a sequence with parameters, run by `<call-template>`.
 *
 *   <template name="T" [trace] [statistics]>
 *     <parameter name="p" [isMandatory="true|false"] [defaultValue="…"]/>*
 *     <sequence [onError="…"]>mediators…</sequence>
 *   </template>
 *
 * Inside the sequence a parameter is read as `$func:p` in XPath and `get-property('func', 'p')`
 * (src/expr/func-scope.ts), as in Synapse. A parameter neither given nor defaulted reads as "".
 * A `<template>` holding an `<endpoint>` instead is an endpoint template (endpoint-template.ts).
 */
import { type SourceLoc } from '../errors.ts';
import { warnStatisticsAndTrace } from './endpoint-def.ts';
import { type EndpointTemplateDef, parseEndpointTemplate } from './endpoint-template.ts';
import { type ConfigNode } from './node.ts';

/** One declared parameter. */
export interface TemplateParameter {
  readonly name: string;
  readonly mandatory: boolean;
  readonly defaultValue: string | undefined;
}

/** A sequence template, as read (its mediators are compiled by src/mediators/compile.ts). */
export interface TemplateDef {
  readonly kind: 'template';
  readonly name: string;
  readonly loc: SourceLoc;
  readonly parameters: readonly TemplateParameter[];
  /** The `<sequence>` element that holds the template's mediators. */
  readonly body: ConfigNode;
}

/** Parses a top-level `<template>`, a sequence or an endpoint one; undefined (reported) when it cannot run. */
export function parseTemplate(node: ConfigNode): TemplateDef | EndpointTemplateDef | undefined {
  if (node.child('endpoint')) return parseEndpointTemplate(node);
  node.allowAttributes('name', 'trace', 'statistics', 'description');
  warnStatisticsAndTrace(node);
  const name = node.required('name');
  const parameters: TemplateParameter[] = [];
  let body: ConfigNode | undefined;
  for (const child of node.children()) {
    switch (child.name) {
      case 'parameter': {
        child.allowAttributes('name', 'isMandatory', 'defaultValue', 'description');
        const p = child.required('name');
        if (p === undefined) continue;
        if (parameters.some((q) => q.name === p)) {
          child.report('MOOR_ERR_DUPLICATE_NAME', `the template parameter "${p}" is declared twice`);
          continue;
        }
        const mandatory = child.attr('isMandatory');
        if (mandatory !== undefined && mandatory !== 'true' && mandatory !== 'false') child.report('MOOR_ERR_BAD_VALUE', `isMandatory must be true or false, not "${mandatory}"`);
        parameters.push({ name: p, mandatory: mandatory === 'true', defaultValue: child.attr('defaultValue') });
        continue;
      }
      case 'sequence':
        if (body) child.report('MOOR_ERR_DUPLICATE_NAME', `<template> holds one <sequence> (the first is at ${body.loc.line}:${body.loc.col})`);
        else body = child;
        continue;
      case 'description':
        continue;
      default:
        child.unknownElement(['parameter', 'sequence', 'endpoint'], '<template>');
    }
  }
  if (name === undefined) return undefined;
  if (!body) {
    node.report('MOOR_ERR_BAD_VALUE', `<template name="${name}"> holds no <sequence>`);
    return undefined;
  }
  body.allowAttributes('onError', 'description', 'name');
  return { kind: 'template', name, loc: node.loc, parameters, body };
}
