/** The mediator contract: parsed once when the configuration loads, run once per message. */
import { type SourceLoc } from '../errors.ts';
import { type EndpointDef } from '../config/endpoint-def.ts';
import { type EntryValue } from '../config/local-entry.ts';
import { type ConfigNode, type Diagnostics } from '../config/node.ts';
import { type TemplateDef } from '../config/template-def.ts';
import { type EndpointRegistry } from '../endpoints/registry.ts';
import { type MessageContext } from '../message/context.ts';
import { type MaybePromise } from '../maybe-promise.ts';
import { type EndpointLink, type SequenceLink } from './links.ts';
import { type StoreLink } from './message-store.ts';

/** What a mediator tells the sequence: go on with the next mediator, or stop here. */
export type Outcome = 'continue' | 'stop';

export interface Mediator {
  readonly kind: string;
  readonly loc: SourceLoc;
  /** The outcome, or a promise of it (a mediator that finishes at once may answer without one). */
  mediate(msg: MessageContext, env: MediationEnv): Outcome | Promise<Outcome>;
}

/** A list of mediators run in order. */
export interface Sequence {
  readonly name: string | undefined;
  readonly loc: SourceLoc;
  readonly mediators: readonly Mediator[];
  /** The sequence that handles errors raised in this one (its `onError` key, linked when compiling ends). */
  readonly onError: SequenceLink | undefined;
}

/** What mediators reach at run time, per message. */
export interface MediationEnv {
  readonly endpoints: EndpointRegistry;
  /** A named sequence, for the name a dynamic key gives per message (static keys are linked: links.ts). */
  sequence(name: string): Sequence | undefined;
  /** Runs the response path (out sequence) for a response a send received; at once when nothing waits. */
  onResponse(response: MessageContext): MaybePromise<void>;
  /**
   * Runs `work` (a one-way send) on after the client was answered: tracked by the endpoint registry
   * (its close waits for it); when it fails, the failure is logged and the fault sequence runs on `msg`,
   * as in WSO2, where the client had its 202 already.
   */
  background(msg: MessageContext, work: Promise<unknown>): void;
  /**
   * Records that a branch ran; moor/testing reports these in RunResult.trace and `moor test` asserts on
   * them (<assertTrace>). A mediator that chooses a branch calls it as it takes the branch, with
   * `<mediator>:<branch>`: `filter:then` / `filter:else`, `switch:case:<regex>` / `switch:default`,
   * `iterate:<n>`, `aggregate:complete`… (flow and <sequence> already trace `inSequence`, `outSequence`,
   * `main:in`, `main:out`, `in`, `out`, `sequence:<key>`, `onError:<key>`, `faultSequence:<name>`).
   */
  trace(event: string): void;
}

/** What a mediator's parser can ask of the compiler. */
export interface ParseContext {
  /** Parses the children of `node` as a mediator list. */
  mediators(node: ConfigNode): Mediator[];
  /**
   * The endpoint `def` written at `node`, linked when the runtime is built (links.ts): an inline one is
   * built then, a `<endpoint key>` is checked to name one.
   */
  endpoint(def: EndpointDef, node: ConfigNode): EndpointLink;
  /** A reference to a named sequence (checked for existence and cycles), linked when compiling ends. */
  sequenceRef(key: string, node: ConfigNode): SequenceLink;
  /** A reference to a named message store (checked for existence), linked when the runtime is built. */
  storeRef(name: string, node: ConfigNode): StoreLink;
  /**
   * The sequence template `name`, and its compiled body (linked once every template is compiled, so a
   * template may call another, or itself, written in any order); reports at `node` and gives undefined
   * when it names none (unless it was refused).
   */
  template(name: string, node: ConfigNode): { readonly def: TemplateDef; readonly body: SequenceLink } | undefined;
  /**
   * The value a key names (a local entry, or a registry resource that is not an artifact); reports at
   * `node` and gives undefined when it names none (`what`: what the key is for, for the message).
   */
  entry(key: string, node: ConfigNode, what: string): EntryValue | undefined;
  /** The value a key names, looked up without a report: for a dynamic key (`{…}`), evaluated at run time. */
  entryAtRunTime(key: string): EntryValue | undefined;
  /** Folder of the configuration, for user modules. */
  readonly baseDir: string;
  /**
   * State that mediators of one configuration share by name (the concurrency slots of a throttle id
   * are shared by every <throttle> with that id): made by `make` on first use, then the same object.
   */
  shared<T>(name: string, make: () => T): T;
  /**
   * Work that loading awaits once the whole configuration is compiled, reporting problems as the parse
   * does: a check that needs something loaded first (a <script>'s code is compiled by the JavaScript
   * engine, which is loaded only for a configuration that has a script).
   */
  later(check: (diag: Diagnostics) => Promise<void>): void;
}

/** A mediator's grammar, implemented by each file of this folder. */
export interface MediatorDefinition {
  /** The element name. */
  readonly name: string;
  parse(node: ConfigNode, ctx: ParseContext): Mediator | undefined;
}
