#!/usr/bin/env node
// moor runs its TypeScript sources through tsx, so there is no build step between a change and a run.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
if (code !== 0 || process.argv[2] !== 'start') process.exit(code);
