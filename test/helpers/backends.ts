/** Starts N instances of the demo Cart service on free loopback ports. */
import { type CartBackend, startCartBackend } from '../../demo/cart-backend.ts';

export async function startBackends(n: number): Promise<CartBackend[]> {
  const out: CartBackend[] = [];
  for (let i = 0; i < n; i++) out.push(await startCartBackend({ name: `cart${i + 1}`, port: 0 }));
  return out;
}

/** `<endpoint name="cartN"><address uri="…"/></endpoint>` for each backend. */
export function memberEndpoints(backends: readonly CartBackend[]): string {
  return backends.map((b) => `<endpoint name="${b.name}"><address uri="${b.url}"/></endpoint>`).join('');
}
