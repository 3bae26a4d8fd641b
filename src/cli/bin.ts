/**
 * The `moor` process: bin/moor.js runs this file compiled (dist/cli/bin.js); the tests and `npm run moor`
 * run it from source under tsx. `moor start` keeps the process alive on its servers; every other command
 * exits with its code at once.
 */
import { main } from './main.ts';

const code = await main(process.argv.slice(2));
if (code !== 0 || process.argv[2] !== 'start') process.exit(code);
