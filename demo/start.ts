/**
 * `npm start`: three instances of the stateful Cart service on ports 9001-9003, and `moor start
 * --config mediators` in front of them on port 8280 (MOOR_DEMO_PORT for another). Prints the gateway
 * URL and curl lines that show a session staying on one instance. Ctrl-C stops everything.
 *
 * The demo runs under tsx (a development dependency, as is the `soap` package its backends are built
 * with), and so does its gateway: from a checkout, `npm start` shows the sources as they are now, never a
 * build older than them. The compiled `moor` command is what `npx moor` and the package run.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listenFailure } from '../src/cli/listen-error.ts';
import { type CartBackend, startCartBackend } from './cart-backend.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.MOOR_DEMO_PORT ?? 8280);

const backends: CartBackend[] = [];
for (const [i, p] of [9001, 9002, 9003].entries()) {
  try {
    backends.push(await startCartBackend({ name: `cart${i + 1}`, port: p }));
  } catch (e) {
    const why = listenFailure(e, '127.0.0.1', p)?.message ?? (e as Error).message;
    console.error(`npm start: ${why}; the demo's Cart instances need ports 9001-9003 (is another demo running?)`);
    await Promise.all(backends.map((b) => b.close()));
    process.exit(1);
  }
}
console.log(`demo backends: ${backends.map((b) => `${b.name} ${b.url}`).join(', ')}`);

const moor = ['--import', import.meta.resolve('tsx'), path.join(root, 'src', 'cli', 'bin.ts')];
const gateway = spawn(process.execPath, [...moor, 'start', '--config', path.join(root, 'mediators'), '--port', String(port)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let listening = false;
gateway.stdout.setEncoding('utf8');
gateway.stdout.on('data', (text: string) => {
  process.stdout.write(text);
  if (text.includes('moor listening on')) {
    listening = true;
    printExamples(`http://127.0.0.1:${port}`);
  }
});
gateway.on('exit', (code) => {
  // (moor said why on its own line: a busy port is the usual reason)
  if (!listening && code === 1) console.error(`npm start: the gateway did not start; MOOR_DEMO_PORT=<port> npm start runs it on another port than ${port}`);
  else console.log(`gateway exited (${code ?? 'signal'})`);
  void Promise.all(backends.map((b) => b.close())).then(() => process.exit(code ?? 0));
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => gateway.kill('SIGTERM'));

function printExamples(url: string): void {
  const env = (item: string): string =>
    `'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="urn:moor:demo:cart"><soapenv:Body><c:AddItem><c:item>${item}</c:item></c:AddItem></soapenv:Body></soapenv:Envelope>'`;
  console.log(`
Try it — a cookie session (JSESSIONID) stays on one instance; run the same line a few times:
  curl -s -c /tmp/moor-cookies -b /tmp/moor-cookies -H 'Content-Type: text/xml' -H 'SOAPAction: "urn:moor:demo:cart/AddItem"' \\
       -d ${env('apple')} ${url}/services/CartService
A new session (no cookie jar) may land on another instance:
  curl -s -H 'Content-Type: text/xml' -H 'SOAPAction: "urn:moor:demo:cart/AddItem"' -d ${env('pear')} ${url}/services/CartService
A client-created session (syn:ClientID header):
  curl -s -H 'Content-Type: text/xml' -d '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:syn="http://ws.apache.org/ns/synapse" xmlns:c="urn:moor:demo:cart"><soapenv:Header><syn:ClientID>alice</syn:ClientID></soapenv:Header><soapenv:Body><c:AddItem><c:item>fig</c:item></c:AddItem></soapenv:Body></soapenv:Envelope>' ${url}/services/CartByClient
SOAP 1.2 (the WSDL's soap12 binding; the instance answers in SOAP 1.2, application/soap+xml):
  curl -s -H 'Content-Type: application/soap+xml; action="urn:moor:demo:cart/AddItem"' -d '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:syn="http://ws.apache.org/ns/synapse" xmlns:c="urn:moor:demo:cart"><env:Header><syn:ClientID>bob</syn:ClientID></env:Header><env:Body><c:AddItem><c:item>kiwi</c:item></c:AddItem></env:Body></env:Envelope>' ${url}/services/CartByClient
Health: curl -s ${url}/_moor/health     WSDL (its addresses name the gateway): curl -s '${url}/services/CartService?wsdl'
`);
}
