// Runs a command until it prints `moor listening on`, then kills it and exits: a process whose whole
// length is one start-up, for timing from outside (docs/benchmarks.md, start-up). Plain JavaScript, so
// that the wrapper adds only bare node's start-up to what it times.
//   node bench/until-listening.mjs node bin/moor.js start --config mediators --port 0
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
let listening = false;
child.stdout.setEncoding('utf8').on('data', (text) => {
  out += text;
  if (!listening && out.includes('moor listening on')) {
    listening = true;
    child.kill('SIGKILL');
  }
});
// exiting only once the killed child is reaped puts its CPU time into this process's children's
// (what /usr/bin/time reports), a figure that a loaded machine disturbs less than wall time
child.on('exit', (code) => {
  if (listening) process.exit(0);
  process.stderr.write(`exited (${code}) before listening:\n${out}`);
  process.exit(1);
});
