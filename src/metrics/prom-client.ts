/**
 * prom-client, loaded when the first metric is made rather than when moor's modules are imported: only
 * `moor start --admin` serves metrics, and prom-client with the OpenTelemetry API it requires is ~80
 * modules that every other start would load for nothing (issue 11, docs/benchmarks.md).
 */
import type * as PromClient from 'prom-client';
import { loadOnFirstUse } from '../commonjs.ts';

export const promClient = loadOnFirstUse<typeof PromClient>('prom-client');
