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

/** The endpoint a mediator sends to: its definition, and the endpoint built for it once linked. */
export class EndpointLink {
  #target: Endpoint | MoorError | undefined;

  constructor(readonly def: EndpointDef) {}

  /** The endpoint built for `def`; throws what linking found (a key naming nothing) as it always did. */
  get endpoint(): Endpoint {
    const t = this.#target;
    if (t === undefined) throw new MoorError('MOOR_ERR_MEDIATION', 'endpoint was not built at load time');
    if (t instanceof MoorError) throw t;
    return t;
  }

  /** Links it to the endpoint `registry` built for it (once). */
  link(registry: EndpointRegistry): void {
    if (this.#target !== undefined) throw new Error('an endpoint link is made once: this compilation belongs to another runtime');
    try {
      this.#target = registry.of(this.def);
    } catch (e) {
      if (!(e instanceof MoorError)) throw e;
      // (only a configuration with errors names what is not there, and it never runs; kept as before)
      this.#target = e;
    }
  }
}

/**
 * The sequence a mediator runs by name (`<sequence key>`, `sequence="…"`, `receive="…"`), or a
 * sequence's onError handler (`asHandler`: linked to the handler as it runs, without its own onError,
 * which is not followed).
 */
export class SequenceLink {
  #sequence: Sequence | undefined;
  #linked = false;

  constructor(
    readonly key: string,
    private readonly asHandler = false,
  ) {}

  /** The sequence linked to, if the key names one. */
  get linked(): Sequence | undefined {
    return this.#sequence;
  }

  /** The sequence named `key`; throws when it names none (as a lookup by name did). */
  get sequence(): Sequence {
    const s = this.#sequence;
    if (s === undefined) throw new MoorError('MOOR_ERR_UNRESOLVED_KEY', `no sequence named "${this.key}"`);
    return s;
  }

  /** Links it to the sequence compiled for its key, if any (once). */
  link(sequences: ReadonlyMap<string, Sequence>): void {
    if (this.#linked) throw new Error('a sequence link is made once');
    this.#linked = true;
    const s = sequences.get(this.key);
    this.#sequence = s && this.asHandler ? { ...s, onError: undefined } : s;
  }
}
