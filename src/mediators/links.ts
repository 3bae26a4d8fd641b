/**
 * Links: what a mediator names by a static key — an endpoint, a sequence — resolved once when the
 * configuration loads, so that a message reaches the object itself instead of looking the name up.
 * A sequence link is made when compiling ends (every sequence compiled: compile.ts); an endpoint link
 * when the runtime is built (every endpoint built: server/runtime.ts). Each is made once: a second
 * runtime over the same checked configuration compiles its own mediators. Dynamic keys (`{…}`,
 * key-expression) name nothing until a message gives the name, and are still looked up per message.
 */
import { type EndpointDef } from '../config/endpoint-def.ts';
import { type Endpoint } from '../endpoints/endpoint.ts';
import { type EndpointRegistry } from '../endpoints/registry.ts';
import { MoorError } from '../errors.ts';
import { type Sequence } from './mediator.ts';

// A link's target is kept beside it rather than in it: links live inside deep-frozen definitions,
// which a property could not be written into, and `#private` fields would appear in the published
// declarations as `#private`, which a consumer compiling for ES5 (TypeScript's default) refuses.
const endpointTargets = new WeakMap<EndpointLink, Endpoint | MoorError>();
const sequenceTargets = new WeakMap<SequenceLink, { readonly sequence: Sequence | undefined }>();

/** The endpoint a mediator sends to: its definition, and the endpoint built for it once linked. */
export class EndpointLink {
  constructor(readonly def: EndpointDef) {}

  /** The endpoint built for `def`; throws what linking found (a key naming nothing) as it always did. */
  get endpoint(): Endpoint {
    const t = endpointTargets.get(this);
    if (t === undefined) throw new MoorError('MOOR_ERR_MEDIATION', 'endpoint was not built at load time');
    if (t instanceof MoorError) throw t;
    return t;
  }

  /** Links it to the endpoint `registry` built for it (once). */
  link(registry: EndpointRegistry): void {
    if (endpointTargets.has(this)) throw new Error('an endpoint link is made once: this compilation belongs to another runtime');
    try {
      endpointTargets.set(this, registry.of(this.def));
    } catch (e) {
      if (!(e instanceof MoorError)) throw e;
      // (only a configuration with errors names what is not there, and it never runs; kept as before)
      endpointTargets.set(this, e);
    }
  }
}

/**
 * The sequence a mediator runs by name (`<sequence key>`, `sequence="…"`, `receive="…"`), or a
 * sequence's onError handler (`asHandler`: linked to the handler as it runs, without its own onError,
 * which is not followed).
 */
export class SequenceLink {
  constructor(
    readonly key: string,
    private readonly asHandler = false,
  ) {}

  /** The sequence linked to, if the key names one. */
  get linked(): Sequence | undefined {
    return sequenceTargets.get(this)?.sequence;
  }

  /** The sequence named `key`; throws when it names none (as a lookup by name did). */
  get sequence(): Sequence {
    const s = sequenceTargets.get(this)?.sequence;
    if (s === undefined) throw new MoorError('MOOR_ERR_UNRESOLVED_KEY', `no sequence named "${this.key}"`);
    return s;
  }

  /** Links it to the sequence compiled for its key, if any (once). */
  link(sequences: ReadonlyMap<string, Sequence>): void {
    if (sequenceTargets.has(this)) throw new Error('a sequence link is made once');
    const s = sequences.get(this.key);
    sequenceTargets.set(this, { sequence: s && this.asHandler ? { ...s, onError: undefined } : s });
  }
}
