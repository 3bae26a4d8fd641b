/** Element name → mediator definition. Adding a mediator touches its own file and this list. */
import { aggregate } from './aggregate.ts';
import { cache } from './cache.ts';
import { call } from './call.ts';
import { callout } from './callout.ts';
import { callTemplate } from './call-template.ts';
import { classMediator } from './class.ts';
import { clone } from './clone.ts';
import { drop } from './drop.ts';
import { enrich } from './enrich.ts';
import { filter } from './filter.ts';
import { foreach } from './foreach.ts';
import { header } from './header.ts';
import { inMediator, outMediator } from './in-out.ts';
import { iterate } from './iterate.ts';
import { log } from './log.ts';
import { loopback } from './loopback.ts';
import { makefault } from './makefault.ts';
import { type MediatorDefinition } from './mediator.ts';
import { payloadFactory } from './payload-factory.ts';
import { property } from './property.ts';
import { propertyGroup } from './property-group.ts';
import { respond } from './respond.ts';
import { rewrite } from './rewrite.ts';
import { script } from './script.ts';
import { send } from './send.ts';
import { sequenceRef } from './sequence-ref.ts';
import { switchMediator } from './switch.ts';
import { store } from './store.ts';
import { throttle } from './throttle.ts';
import { throwError } from './throw-error.ts';
import { variable } from './variable.ts';
import { validate } from './validate.ts';
import { xslt } from './xslt.ts';

const ALL: readonly MediatorDefinition[] = [send, log, property, drop, respond, inMediator, outMediator, makefault, sequenceRef, header, filter, switchMediator, payloadFactory, enrich, call, loopback, classMediator, iterate, aggregate, throttle, callTemplate, rewrite, clone, script, xslt, store, propertyGroup, throwError, callout, foreach, cache, validate, variable];

/** The mediators moor knows, by element name. */
export const MEDIATORS: ReadonlyMap<string, MediatorDefinition> = new Map(ALL.map((m) => [m.name, m]));

/** Synapse mediators that moor does not implement (refused with MOOR_ERR_UNSUPPORTED, not "unknown"). */
export const UNSUPPORTED_MEDIATORS: readonly string[] = [
  'xquery', 'smooks', 'dblookup', 'dbreport',
  'event', 'fault', 'router', 'spring', 'transaction', 'conditionalRouter',
  'pojoCommand', 'entitlementService', 'oauthService', 'bean', 'ejb', 'enqueue', 'urlRewrite', 'relayTransformer',
  'builder', 'datamapper', 'jsontransform', 'publishEvent', 'cloneMediator', 'callTemplate', 'loadbalance',
  'eventPublisher',
  // WSO2 EI / MI mediators beyond Synapse's
  'rule', 'fastXSLT', 'scatter-gather', 'dataServiceCall', 'ntlm', 'bam',
];
