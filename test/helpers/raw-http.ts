/**
 * Raw HTTP/1.1 on both sides, for tests of what a hostile client can do at the HTTP layer: a backend
 * that records every byte it receives and every request it parses (so that a test sees whether a
 * client's one request became two, or arrived unchecked), a client that writes exact bytes and waits
 * for the connection to close (or for so many answers), and a reader of the answers that came back.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { listenOnFreePort } from './listen.ts';
import { openRaw } from './raw-client.ts';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface RecordingBackend {
  readonly url: string;
  /** The requests it parsed and read to their end, in order. */
  readonly requests: RecordedRequest[];
  /** Every byte it was sent (latin1), all connections together. */
  raw(): string;
  /** The request lines in those bytes (`POST /x HTTP/1.1`), however they were framed. */
  requestLines(): string[];
  close(): Promise<void>;
}

/**
 * A SOAP backend that answers each request, in its SOAP version, with `<ok n="N" m="M"/>`: N counts the
 * requests it read, M is the text of the request's `<m>` element; `delayMs(M)` holds the answer back.
 */
export async function startRecordingBackend(options: { delayMs?: (mark: string) => number } = {}): Promise<RecordingBackend> {
  const requests: RecordedRequest[] = [];
  let raw = '';
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const n = requests.length;
      const soap12 = (req.headers['content-type'] ?? '').includes('soap+xml');
      const ns = soap12 ? 'http://www.w3.org/2003/05/soap-envelope' : 'http://schemas.xmlsoap.org/soap/envelope/';
      const mark = /<m>([^<]*)<\/m>/.exec(body)?.[1] ?? '';
      const reply = `<s:Envelope xmlns:s="${ns}"><s:Body><ok n="${n}" m="${mark}"/></s:Body></s:Envelope>`;
      setTimeout(() => res.writeHead(200, { 'content-type': soap12 ? 'application/soap+xml' : 'text/xml', 'content-length': Buffer.byteLength(reply) }).end(reply), options.delayMs?.(mark) ?? 0);
    });
  });
  server.on('connection', (s) => s.on('data', (d: Buffer) => (raw += d.toString('latin1'))));
  const { port, close } = await listenOnFreePort(server);
  return {
    url: `http://127.0.0.1:${port}/services/Back`,
    requests,
    raw: () => raw,
    requestLines: () => [...raw.matchAll(/(?:^|\r?\n)([A-Z]+ \S+ HTTP\/1\.[01])\r?\n/g)].map((m) => m[1]!),
    close,
  };
}

export interface RawAnswer {
  readonly status: number;
  /** Header names lower-cased; a repeated one joined with ", ". */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The HTTP answers in `text`, in order (a 1xx counts as one), and whether the last was cut short. */
export function answersIn(text: string): { answers: RawAnswer[]; rest: string } {
  const answers: RawAnswer[] = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const lines = rest.slice(0, end).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!)?.[1] ?? NaN);
    if (Number.isNaN(status)) break;
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      const k = l.slice(0, i).toLowerCase();
      const v = l.slice(i + 1).trim();
      headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
    }
    let after = rest.slice(end + 4);
    let body = '';
    if (status >= 100 && status < 200) {
      // (no body)
    } else if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        const nl = after.indexOf('\r\n');
        if (nl < 0) return { answers, rest };
        const size = parseInt(after.slice(0, nl), 16);
        if (after.length < nl + 2 + size + 2) return { answers, rest };
        body += after.slice(nl + 2, nl + 2 + size);
        after = after.slice(nl + 2 + size + 2);
        if (size === 0) break;
      }
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (after.length < length) return { answers, rest };
      body = after.slice(0, length);
      after = after.slice(length);
    }
    answers.push({ status, headers, body });
    rest = after;
  }
  return { answers, rest };
}

export interface RawExchange {
  readonly answers: RawAnswer[];
  /** Bytes after the last whole answer. */
  readonly rest: string;
  /** True when the gateway closed the connection (false: the test stopped waiting). */
  readonly closed: boolean;
}

/**
 * Writes `bytes` (or each part, `gapMs` apart) on a new connection to `url` (raw-client.ts) and reads until the
 * gateway closes it, until `answers` whole answers came, or for `waitMs`.
 */
export function rawExchange(url: string, bytes: string | readonly string[], options: { answers?: number; waitMs?: number; gapMs?: number } = {}): Promise<RawExchange> {
  const client = openRaw(url);
  return new Promise((resolve) => {
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.socket.destroy();
      resolve({ ...answersIn(client.text()), closed });
    };
    // (openRaw's own listener, added first, has appended the bytes by the time this one runs)
    client.socket.on('data', () => {
      if (options.answers !== undefined && answersIn(client.text()).answers.length >= options.answers) finish(false);
    });
    void client.closed.then(() => finish(true));
    const timer = setTimeout(() => finish(false), options.waitMs ?? 5000);
    const parts = typeof bytes === 'string' ? [bytes] : bytes;
    void (async () => {
      for (const [i, p] of parts.entries()) {
        if (i > 0 && options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
        if (!client.socket.destroyed) client.socket.write(p);
      }
    })();
  });
}

/** A POST of `body` to `path` as raw bytes, with `extra` header lines (each ending in CRLF) and a Content-Length unless `extra` frames it. */
export function rawPost(path: string, body: string, extra = '', contentType = 'text/xml; charset=utf-8'): string {
  const framed = /^(content-length|transfer-encoding):/im.test(extra);
  return `POST ${path} HTTP/1.1\r\nHost: gateway\r\nContent-Type: ${contentType}\r\n${framed ? '' : `Content-Length: ${Buffer.byteLength(body)}\r\n`}${extra}\r\n${body}`;
}
