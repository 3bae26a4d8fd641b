// `npm test`'s pretest: the programs the suite starts for real (Debian's redis-server, redis-sentinel and
// redis-cli: the session-store tests run real Redis, Sentinel and Cluster servers, never a mock; Debian's
// chromium: the console's test drives it headless through playwright-core). When one
// is missing it is installed where that is possible (root with apt-get, as on CI); otherwise the run
// stops here with one line saying what to install, instead of failing tests with `spawn ENOENT`.
import { spawnSync } from 'node:child_process';

/** program → the Debian package that provides it */
const NEEDED = { 'redis-server': 'redis-server', 'redis-sentinel': 'redis-sentinel', 'redis-cli': 'redis-tools', chromium: 'chromium' };

const onPath = (program) => spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
const missingPackages = () => [...new Set(Object.entries(NEEDED).filter(([program]) => !onPath(program)).map(([, pkg]) => pkg))];

let missing = missingPackages();
if (missing.length > 0 && process.getuid?.() === 0 && onPath('apt-get')) {
  process.stderr.write(`npm test: installing ${missing.join(', ')} with apt-get (the tests run real Redis servers and a real browser)\n`);
  const quiet = { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
  spawnSync('apt-get', ['update', '-qq'], quiet);
  spawnSync('apt-get', ['install', '-y', '-qq', ...missing], quiet);
  // the packages' own services are not wanted: the tests start their own servers on free loopback ports
  for (const service of ['redis-server', 'redis-sentinel']) spawnSync('service', [service, 'stop'], { stdio: 'ignore' });
  missing = missingPackages();
}
if (missing.length > 0) {
  process.stderr.write(`npm test needs ${missing.join(', ')} (the tests run real Redis servers and a real browser): install with \`sudo apt-get install ${missing.join(' ')}\` (Debian/Ubuntu) or your system's packages, then run npm test again\n`);
  process.exit(1);
}
