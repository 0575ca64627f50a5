import { connect, type Socket } from 'node:net';

/**
 * A model of the HTTP layer of Apache HttpClient 4.5.14 (HttpCore 4.4.16) as the WCS REST client uses it, where it
 * decides what a hook client does under faults: a pooled keep-alive connection is reused LIFO and checked for
 * staleness only after 2 s of inactivity (`validateAfterInactivity`), so a connection the backend closed meanwhile is
 * written to, and the request gets no response; the socket timeout is per read (inactivity), not a deadline; a
 * request counts as sent once it was written whole (`HttpRequestExecutor`'s request-sent flag); the response body is
 * read after the exchange, so its failures never reach the retry handler. Exception texts are those HttpClient 4.5.14
 * prints on JDK 17.
 */
export class JavaException extends Error {
  constructor(
    readonly javaClass: string,
    message: string,
  ) {
    super(message);
  }

  get text(): string {
    return `${this.javaClass}: ${this.message}`;
  }
}

/** One execution that failed, with what DefaultHttpRequestRetryHandler looks at. */
export class AttemptError extends Error {
  constructor(
    readonly exception: JavaException,
    /** The request was written whole (the request-sent flag). */
    readonly sent: boolean,
    /** `exchange`: sending or waiting for the head (inside the retry loop); `body`: reading the body (outside it). */
    readonly phase: 'exchange' | 'body',
    /** The failure was on a pooled connection that had received the backend's FIN before the request was written. */
    readonly staleReuse: boolean,
    /** The request reached the network (false: the connection could not be opened). */
    readonly written: boolean,
  ) {
    super(exception.text);
  }

  /** InterruptedIOException (timeouts) and ConnectException are never retried by DefaultHttpRequestRetryHandler. */
  get nonRetriable(): boolean {
    return /SocketTimeoutException|ConnectTimeoutException|HttpHostConnectException|UnknownHostException|SSLException/.test(this.exception.javaClass);
  }
}

export interface Http4Settings {
  /** SO_TIMEOUT, ms, for every read (0: none); also the connect timeout. */
  socketTimeoutMs: number;
  /** A quirk: the timeout runs from the request as a deadline instead of per read. */
  deadline?: boolean;
  /** PoolingHttpClientConnectionManager's default: 2000 ms. */
  validateAfterInactivityMs?: number;
}

export interface Http4Response {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Conn {
  socket: Socket;
  key: string;
  eof: boolean;
  error?: string;
  releasedAt: number;
  expiresAt: number;
  /** The exchange in progress, fed by the socket's events. */
  on?: { data(b: Buffer): void; end(): void; error(code: string): void };
}

const SOCKET_ERRORS: Record<string, string> = { ECONNRESET: 'Connection reset', EPIPE: 'Broken pipe' };
const socketException = (code: string) => new JavaException('java.net.SocketException', SOCKET_ERRORS[code] ?? `Connection reset (${code})`);
const grouped = (n: number) => n.toLocaleString('en-US');

export class Http4Client {
  private readonly idle = new Map<string, Conn[]>();
  private readonly open = new Set<Conn>();

  constructor(private readonly settings: Http4Settings) {}

  /** One execution: lease or open a connection, write the request, read the whole response. */
  async execute(url: URL, headers: Record<string, string>, body: Buffer): Promise<Http4Response> {
    const port = Number(url.port || 80);
    const key = `${url.hostname}:${port}`;
    const leased = this.lease(key);
    const conn = leased ?? (await this.connect(url.hostname, port, key));
    return this.exchange(conn, leased !== undefined, url, headers, body);
  }

  close(): void {
    for (const c of this.open) c.socket.destroy();
    this.open.clear();
    this.idle.clear();
  }

  /** LIFO, as AbstractConnPool: the most recently released connection; validated only after the inactivity period. */
  private lease(key: string): Conn | undefined {
    const list = this.idle.get(key) ?? [];
    for (let c = list.pop(); c; c = list.pop()) {
      const now = Date.now();
      const stale = c.eof || c.error !== undefined || c.socket.destroyed;
      if (now >= c.expiresAt || (now - c.releasedAt >= (this.settings.validateAfterInactivityMs ?? 2000) && stale)) {
        this.discard(c);
        continue;
      }
      return c;
    }
    return undefined;
  }

  private release(c: Conn, headers: Record<string, string>): void {
    c.on = undefined;
    c.releasedAt = Date.now();
    const keepAlive = /timeout=(\d+)/i.exec(headers['keep-alive'] ?? '');
    c.expiresAt = keepAlive ? c.releasedAt + Number(keepAlive[1]) * 1000 : Number.POSITIVE_INFINITY;
    (this.idle.get(c.key) ?? this.idle.set(c.key, []).get(c.key)!).push(c);
  }

  private discard(c: Conn): void {
    c.on = undefined;
    c.socket.destroy();
    this.open.delete(c);
  }

  private connect(host: string, port: number, key: string): Promise<Conn> {
    const where = `Connect to ${key} [/${host === 'localhost' ? '127.0.0.1' : host}] failed`;
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, allowHalfOpen: true, noDelay: true });
      const conn: Conn = { socket, key, eof: false, releasedAt: Date.now(), expiresAt: Number.POSITIVE_INFINITY };
      const timeout = this.settings.socketTimeoutMs > 0 ? setTimeout(() => fail(new JavaException('org.apache.http.conn.ConnectTimeoutException', `${where}: connect timed out`)), this.settings.socketTimeoutMs) : undefined;
      const fail = (e: JavaException) => {
        clearTimeout(timeout);
        socket.destroy();
        reject(new AttemptError(e, false, 'exchange', false, false));
      };
      socket.once('connect', () => {
        clearTimeout(timeout);
        socket.removeAllListeners('error');
        socket.on('data', (b: Buffer) => conn.on?.data(b));
        socket.on('end', () => {
          conn.eof = true;
          conn.on?.end();
        });
        socket.on('error', (e: NodeJS.ErrnoException) => {
          conn.error = e.code ?? 'ECONNRESET';
          conn.on?.error(conn.error);
        });
        socket.on('close', () => {
          if (!conn.eof && conn.error === undefined) conn.error = 'ECONNRESET';
          conn.on?.end();
        });
        this.open.add(conn);
        resolve(conn);
      });
      socket.once('error', (e: NodeJS.ErrnoException) =>
        fail(e.code === 'ECONNREFUSED' ? new JavaException('org.apache.http.conn.HttpHostConnectException', `${where}: Connection refused`) : new JavaException('java.net.SocketException', `${where}: ${e.code ?? e.message}`)),
      );
    });
  }

  private exchange(conn: Conn, reused: boolean, url: URL, headers: Record<string, string>, body: Buffer): Promise<Http4Response> {
    const staleAtWrite = reused && conn.eof;
    return new Promise((resolve, reject) => {
      let sent = false;
      let buffered = Buffer.alloc(0);
      let head: { status: number; headers: Record<string, string>; length?: number; chunked: boolean; close: boolean } | undefined;
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const fail = (e: JavaException, phase: 'exchange' | 'body' = head ? 'body' : 'exchange') => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.discard(conn);
        reject(new AttemptError(e, sent, phase, staleAtWrite, true));
      };
      const arm = () => {
        if (this.settings.socketTimeoutMs <= 0 || (timer && this.settings.deadline)) return;
        clearTimeout(timer);
        timer = setTimeout(() => fail(new JavaException('java.net.SocketTimeoutException', 'Read timed out')), this.settings.socketTimeoutMs);
      };
      const finish = (text: string) => {
        done = true;
        clearTimeout(timer);
        if (head!.close) this.discard(conn);
        else this.release(conn, head!.headers);
        resolve({ status: head!.status, headers: head!.headers, body: text });
      };
      /** Parses what has arrived; true when the response is complete. */
      const parse = (eof: boolean) => {
        if (!head) {
          const end = buffered.indexOf('\r\n\r\n');
          if (end < 0) {
            if (!eof) return;
            if (buffered.length === 0) return fail(new JavaException('org.apache.http.NoHttpResponseException', 'The target server failed to respond'));
            return fail(new JavaException('org.apache.http.ConnectionClosedException', 'Connection closed'));
          }
          const [statusLine, ...lines] = buffered.subarray(0, end).toString('latin1').split('\r\n');
          const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(statusLine);
          if (!m) return fail(new JavaException('org.apache.http.ProtocolException', 'The server failed to respond with a valid HTTP response'));
          const h: Record<string, string> = {};
          for (const line of lines) {
            const at = line.indexOf(':');
            if (at > 0) h[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
          }
          const connection = (h.connection ?? '').toLowerCase();
          const chunked = /chunked/i.test(h['transfer-encoding'] ?? '');
          const length = !chunked && h['content-length'] !== undefined ? Number(h['content-length']) : undefined;
          const close = connection === 'close' || (m[1] === '0' && connection !== 'keep-alive') || (!chunked && length === undefined);
          head = { status: Number(m[2]), headers: h, length, chunked, close };
          buffered = buffered.subarray(end + 4);
        }
        if (head.length !== undefined) {
          if (buffered.length >= head.length) return finish(buffered.subarray(0, head.length).toString('utf8'));
          if (eof) return fail(new JavaException('org.apache.http.ConnectionClosedException', `Premature end of Content-Length delimited message body (expected: ${grouped(head.length)}; received: ${grouped(buffered.length)})`));
          return;
        }
        if (head.chunked) {
          const parts: Buffer[] = [];
          let at = 0;
          for (;;) {
            const eol = buffered.indexOf('\r\n', at);
            if (eol < 0) break;
            const size = parseInt(buffered.subarray(at, eol).toString('latin1'), 16);
            if (Number.isNaN(size)) return fail(new JavaException('org.apache.http.MalformedChunkCodingException', 'Bad chunk header'));
            if (size === 0) return finish(Buffer.concat(parts).toString('utf8'));
            if (buffered.length < eol + 2 + size + 2) break;
            parts.push(buffered.subarray(eol + 2, eol + 2 + size));
            at = eol + 2 + size + 2;
          }
          if (eof) return fail(new JavaException('org.apache.http.ConnectionClosedException', 'Premature end of chunk coded message body: closing chunk expected'));
          return;
        }
        if (eof) finish(buffered.toString('utf8')); // delimited by the end of the connection
      };
      conn.on = {
        data: (b) => {
          if (done) return;
          buffered = Buffer.concat([buffered, b]);
          if (sent) arm();
          parse(false);
        },
        end: () => {
          if (done) return;
          if (!sent) return fail(socketException(conn.error ?? 'EPIPE'));
          parse(true);
        },
        error: (code) => {
          if (done) return;
          fail(socketException(code));
        },
      };
      // A connection whose reset the client has not looked at yet: the write is where it shows.
      if (conn.error !== undefined || conn.socket.destroyed) return fail(socketException(conn.error ?? 'ECONNRESET'));
      const requestHead = `POST ${url.pathname}${url.search} HTTP/1.1\r\n${Object.entries({ ...headers, 'content-length': String(body.length), host: url.host, connection: 'Keep-Alive', 'user-agent': 'Apache-HttpClient/4.5.14 (Java/17)' })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`;
      conn.socket.write(Buffer.concat([Buffer.from(requestHead, 'latin1'), body]), (err) => {
        if (done) return;
        if (err) return fail(socketException((err as NodeJS.ErrnoException).code ?? 'EPIPE'));
        sent = true;
        arm();
        // Java reads at once: a FIN that came before (a stale keep-alive connection) ends the exchange now.
        if (conn.eof || conn.error !== undefined) parse(true);
      });
    });
  }
}
