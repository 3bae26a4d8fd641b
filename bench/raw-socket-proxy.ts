/**
 * An experiment, not a baseline: the baseline proxy's work without node:http's server objects. It reads
 * requests off `net` sockets with Node's own HTTP parser (llhttp, the binding node:http uses, reached
 * through `_http_common`), consumed straight from the socket handle as node:http does, and writes each
 * answer as one corked head + body. No IncomingMessage, no ServerResponse, no header timeouts, no
 * request limits: it measures how much of a proxy's CPU node:http's server costs, i.e. what a gateway
 * would gain by running an HTTP server of its own (docs/benchmarks.md, "what a server of our own would
 * give"). Small bodies only (collected, as the baseline collects them); keep-alive; nothing else.
 *
 *   node --import tsx bench/raw-socket-proxy.ts http://127.0.0.1:A,http://127.0.0.1:B,…
 *   prints `listening on http://127.0.0.1:PORT`
 */
import { createRequire } from 'node:module';
import net, { type AddressInfo, type Socket } from 'node:net';
import { Pool } from 'undici';
import { DROP_IN, DROP_OUT } from './hop-headers.ts';

interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  consume(handle: unknown): void;
  execute(data: Buffer): unknown;
  free(): void;
  [key: number]: unknown;
}
const { HTTPParser, methods } = createRequire(import.meta.url)('_http_common') as {
  HTTPParser: (new () => Parser) & Record<string, number>;
  methods: string[];
};

const targets = (process.argv[2] ?? '').split(',').filter(Boolean);
if (targets.length === 0) throw new Error('usage: raw-socket-proxy.ts <backend-url>[,<backend-url>…]');
const pools = targets.map((t) => new Pool(t, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 }));


/** Collects the backend's answer and writes it to the client in one corked write. */
class Forward {
  private head = '';
  private readonly chunks: Buffer[] = [];
  constructor(private readonly socket: Socket) {}
  onConnect(): void {}
  onHeaders(status: number, raw: Buffer[]): boolean {
    if (status < 200) return true;
    let head = `HTTP/1.1 ${status} OK\r\n`;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const k = raw[i]!.toString('latin1');
      if (!DROP_OUT.has(k.toLowerCase())) head += `${k}: ${raw[i + 1]!.toString('latin1')}\r\n`;
    }
    this.head = `${head}Connection: keep-alive\r\n\r\n`;
    return true;
  }
  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }
  onComplete(): void {
    this.socket.cork();
    this.socket.write(this.head, 'latin1');
    for (const c of this.chunks) this.socket.write(c);
    this.socket.uncork();
  }
  onError(): void {
    this.socket.destroy();
  }
}

let next = 0;

/** One client connection: its parser and the request being read. */
class Connection {
  private headers: string[] = [];
  private method = 'POST';
  private url = '/';
  private chunks: Buffer[] = [];
  constructor(private readonly socket: Socket) {
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.REQUEST!, {}, 16 * 1024, 0);
    parser[HTTPParser.kOnHeaders!] = () => {};
    parser[HTTPParser.kOnHeadersComplete!] = (_major: number, _minor: number, headers: string[], method: number, url: string) => {
      this.headers = headers;
      this.method = methods[method] ?? 'POST';
      this.url = url;
      this.chunks = [];
    };
    parser[HTTPParser.kOnBody!] = (b: Buffer) => this.chunks.push(Buffer.from(b));
    parser[HTTPParser.kOnMessageComplete!] = () => this.dispatch();
    parser[HTTPParser.kOnExecute!] = (ret: unknown) => {
      if (ret instanceof Error) socket.destroy();
    };
    parser.consume((socket as unknown as { _handle: unknown })._handle);
    socket.on('error', () => {});
    socket.on('close', () => parser.free());
  }
  private dispatch(): void {
    const raw = this.headers;
    const headers: string[] = [];
    for (let i = 0; i < raw.length; i += 2) if (!DROP_IN.has(raw[i]!.toLowerCase())) headers.push(raw[i]!, raw[i + 1]!);
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const pool = pools[next++ % pools.length]!;
    if (next === 1e9) next = 0;
    pool.dispatch({ path: this.url, method: this.method as 'POST', headers, body }, new Forward(this.socket));
  }
}

const server = net.createServer({ noDelay: true }, (socket) => new Connection(socket));
server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
