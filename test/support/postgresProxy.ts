/**
 * A TCP proxy in front of the tests' PostgreSQL, for tests that need one PostgreSQL connection to go silent while
 * the others keep working: the connection a replica LISTENs on, frozen like a half-open TCP connection or a
 * stuck middlebox.
 *
 * Every accepted connection is forwarded byte for byte to the target server, both ways. The client→server bytes
 * are read as the PostgreSQL wire protocol (plaintext: the tests' server is on loopback without SSL): after the
 * startup message (and any SSLRequest/GSSENCRequest before it), each message is a type byte and a length. A
 * simple query ('Q') or a Parse ('P') whose SQL has a `LISTEN <channel>` statement marks its connection as a
 * listener.
 *
 * - `freezeListener()` freezes the listener connections there are now: from then on nothing is forwarded on them
 *   in either direction, neither data nor a FIN or a reset from one side. What arrives is held (and counted), the
 *   sockets stay open, so the client sees a peer that is still there but never answers.
 * - `thaw()` forwards what was held, and whatever end or reset was held with it, and resumes forwarding.
 * - `close()` stops listening and destroys every socket.
 *
 * `url(databaseUrl)` is the same connection string (user, password, database, parameters) through the proxy.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** What the proxy knows of one client connection. Live: the proxy updates it in place. */
export interface ProxiedConnection {
  readonly id: number;
  /** A `LISTEN` statement went through it. */
  listener: boolean;
  /** The first statement that made it a listener. */
  listenSql: string | undefined;
  /** Simple queries and Parse messages seen from the client. */
  statements: number;
  frozen: boolean;
  /** Both sockets are gone. */
  closed: boolean;
  /** Bytes withheld while frozen, by direction (kept after a thaw: what was held at most). */
  held: { toServer: number; toClient: number };
}

/** SSLRequest and GSSENCRequest: answered with one byte, then the real startup message follows. */
const ENCRYPTION_REQUEST_CODES = new Set([80877103, 80877104]);
/** A `LISTEN` statement: at the start of the SQL or after a `;`. UNLISTEN and a 'LISTEN %' literal do not count. */
const LISTEN_STATEMENT = /(?:^|;)\s*LISTEN\s/i;

type Direction = 'toServer' | 'toClient';

/** One side's bytes on their way to the other socket, with what is held while frozen. */
class Pipe {
  private readonly heldChunks: Buffer[] = [];
  /** The source ended (FIN) or failed while frozen; applied on thaw. */
  private heldEnd: 'end' | 'destroy' | undefined;

  constructor(
    private readonly record: ProxiedConnection,
    private readonly direction: Direction,
    private readonly source: Socket,
    private readonly target: Socket,
  ) {}

  data(chunk: Buffer): void {
    if (this.record.frozen) {
      this.heldChunks.push(chunk);
      this.record.held[this.direction] += chunk.length;
      return;
    }
    this.forward(chunk);
  }

  end(how: 'end' | 'destroy'): void {
    if (this.record.frozen) {
      this.heldEnd ??= how;
      return;
    }
    this.applyEnd(how);
  }

  /** Forwards what was held, then any end held with it. */
  release(): void {
    for (const chunk of this.heldChunks.splice(0)) this.forward(chunk);
    const end = this.heldEnd;
    this.heldEnd = undefined;
    if (end !== undefined) this.applyEnd(end);
  }

  private forward(chunk: Buffer): void {
    if (this.target.destroyed) return;
    if (!this.target.write(chunk)) {
      this.source.pause();
      this.target.once('drain', () => this.source.resume());
    }
  }

  private applyEnd(how: 'end' | 'destroy'): void {
    if (how === 'end') this.target.end();
    else this.target.destroy();
  }
}

/** Reads the client→server stream as PostgreSQL frontend messages, keeping only what it needs to read. */
class FrontendReader {
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes of an uninteresting message still to skip. */
  private skip = 0;
  private startup = true;

  constructor(private readonly onStatement: (sql: string) => void) {}

  push(chunk: Buffer): void {
    let data = chunk;
    if (this.skip > 0) {
      const skipped = Math.min(this.skip, data.length);
      this.skip -= skipped;
      data = data.subarray(skipped);
      if (data.length === 0) return;
    }
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    for (;;) {
      if (this.startup) {
        // Startup-phase messages have no type byte: Int32 length (itself included), Int32 code, …
        if (this.pending.length < 8) return;
        const length = this.pending.readInt32BE(0);
        const code = this.pending.readInt32BE(4);
        if (!this.consume(length)) return;
        if (!ENCRYPTION_REQUEST_CODES.has(code)) this.startup = false;
        continue;
      }
      if (this.pending.length < 5) return;
      const type = String.fromCharCode(this.pending[0] ?? 0);
      const total = 1 + this.pending.readInt32BE(1);
      if (type === 'Q' || type === 'P') {
        if (this.pending.length < total) return;
        const body = this.pending.subarray(5, total);
        // Q: the query string. P: the statement name, then the query string.
        const strings = body.toString('utf8').split('\0');
        const sql = type === 'Q' ? strings[0] : strings[1];
        if (sql !== undefined) this.onStatement(sql);
      }
      if (!this.consume(total)) return;
    }
  }

  /** Drops a message of `length` bytes from the front; what is not there yet is skipped as it arrives. */
  private consume(length: number): boolean {
    if (this.pending.length >= length) {
      this.pending = this.pending.subarray(length);
      return true;
    }
    this.skip = length - this.pending.length;
    this.pending = Buffer.alloc(0);
    return false;
  }
}

interface Link {
  record: ProxiedConnection;
  client: Socket;
  server: Socket;
  pipes: Pipe[];
}

export class PostgresProxy {
  /** Every connection accepted so far, in order, closed ones included. */
  readonly connections: ProxiedConnection[] = [];
  private readonly links = new Set<Link>();
  private refusing = false;

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** A proxy on 127.0.0.1 (a free port) in front of the server `databaseUrl` names. */
  static async start(databaseUrl: string): Promise<PostgresProxy> {
    const parsed = new URL(databaseUrl);
    const target = { host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(parsed.port || 5432) };
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const proxy = new PostgresProxy(server, '127.0.0.1', port, target);
    server.on('connection', (socket) => proxy.accept(socket));
    return proxy;
  }

  /** `databaseUrl` (user, password, database, parameters kept) through this proxy. */
  url(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = this.host;
    url.port = String(this.port);
    return url.toString();
  }

  /** The connections that sent a LISTEN, closed ones included. */
  listeners(): ProxiedConnection[] {
    return this.connections.filter((connection) => connection.listener);
  }

  /** Freezes every listener connection open now; returns how many it froze. */
  freezeListener(): number {
    let frozen = 0;
    for (const link of this.links) {
      if (link.record.listener && !link.record.frozen) {
        link.record.frozen = true;
        frozen += 1;
      }
    }
    return frozen;
  }

  /** Forwards what frozen connections held and resumes them. */
  thaw(): void {
    for (const link of this.links) {
      if (!link.record.frozen) continue;
      link.record.frozen = false;
      for (const pipe of link.pipes) pipe.release();
    }
  }

  /**
   * The database goes away: every connection is reset, and new ones are refused (reset as they arrive) until
   * `restore`, as a server that is down or restarting answers.
   */
  refuse(): void {
    this.refusing = true;
    for (const link of this.links) {
      link.client.destroy();
      link.server.destroy();
    }
  }

  /** Connections are accepted and forwarded again. */
  restore(): void {
    this.refusing = false;
  }

  /** Stops accepting and destroys every socket, frozen or not. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const link of this.links) {
      link.client.destroy();
      link.server.destroy();
    }
    await closed;
  }

  private accept(client: Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const record: ProxiedConnection = {
      id: this.connections.length + 1,
      listener: false,
      listenSql: undefined,
      statements: 0,
      frozen: false,
      closed: false,
      held: { toServer: 0, toClient: 0 },
    };
    this.connections.push(record);
    const server = connect({ host: this.target.host, port: this.target.port, allowHalfOpen: true });
    const toServer = new Pipe(record, 'toServer', client, server);
    const toClient = new Pipe(record, 'toClient', server, client);
    const link: Link = { record, client, server, pipes: [toServer, toClient] };
    this.links.add(link);

    const reader = new FrontendReader((sql) => {
      record.statements += 1;
      if (!record.listener && LISTEN_STATEMENT.test(sql)) {
        record.listener = true;
        record.listenSql = sql;
      }
    });
    client.on('data', (chunk: Buffer) => {
      // Read before forwarding, so the connection is marked by the time the server can answer the LISTEN.
      reader.push(chunk);
      toServer.data(chunk);
    });
    server.on('data', (chunk: Buffer) => toClient.data(chunk));
    client.on('end', () => toServer.end('end'));
    server.on('end', () => toClient.end('end'));
    // A failed or reset socket: the other side is reset too (unless frozen: then only on thaw).
    client.on('error', () => undefined);
    server.on('error', () => undefined);
    client.on('close', (hadError) => {
      if (hadError || !server.writableEnded) toServer.end('destroy');
      this.settle(link);
    });
    server.on('close', (hadError) => {
      if (hadError || !client.writableEnded) toClient.end('destroy');
      this.settle(link);
    });
    client.resume();
  }

  private settle(link: Link): void {
    if (!link.client.destroyed || !link.server.destroyed) return;
    link.record.closed = true;
    this.links.delete(link);
  }
}
