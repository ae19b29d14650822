/**
 * Hearing every replica's changes to connections: a dedicated PostgreSQL connection LISTENs on the channel the
 * table's trigger notifies with the changed tenant's id (see postgresStore.ts). A lost connection is reported
 * (the directory then re-checks entries after a short bound instead of trusting them) and re-established with
 * jittered exponential backoff; once back, everything cached is re-read, since notifications sent meanwhile were
 * missed.
 *
 * A connection can also die without saying so (a half-open socket, a frozen proxy, a failover that drops
 * packets). A round trip on the listening connection every `heartbeatMs` proves it alive: PostgreSQL sends a
 * listening session its notifications before the answer to its next query, so an answered round trip means every
 * change committed before it was sent has been heard (`onHeard`). The directory trusts what it knows only for a
 * bounded time after the latest proof; a connection that leaves a round trip unanswered for `silenceLimitMs` is
 * given up and replaced.
 */
import { Client } from 'pg';
import type { Logger } from '../logger';

/** The listening connection's application_name in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'genfin-salesforce-subgraph: change listener';

export interface ChangeListenerOptions {
  connectionString: string;
  /** The channel name, unquoted (see changeChannel in postgresStore.ts). */
  channel: string;
  logger: Logger;
  /** A tenant's row changed somewhere. */
  onChange(tenantId: string): void;
  /** Notifications are heard (true) or may be missed (false); `recovered` after a gap. */
  onListening(listening: boolean, recovered: boolean): void;
  /** Every change committed before `at` (a Date.now() time) has been heard. */
  onHeard?(at: number): void;
  /** Backoff between attempts: first and largest delay. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How often the listening connection proves itself alive with a round trip (default 10 s). */
  heartbeatMs?: number;
  /**
   * How long a round trip may go unanswered before the connection is given up (default: the larger of 10 s and two
   * heartbeats). Trust does not wait for it (the directory stops trusting after CONNECTION_RECHECK_MS without a
   * proof); it is only when to replace the connection, which makes every replica entry re-read: not on a slow spell.
   */
  silenceLimitMs?: number;
}

export class PostgresChangeListener {
  private client: Client | null = null;
  private stopped = false;
  private attempt = 0;
  private everConnected = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** A round trip is out on the listening connection (never more than one). */
  private beating = false;

  private constructor(private readonly options: ChangeListenerOptions) {}

  /** Starts listening; resolves once the first LISTEN is in place (or the first attempt failed and retries run). */
  static async start(options: ChangeListenerOptions): Promise<PostgresChangeListener> {
    const listener = new PostgresChangeListener(options);
    await listener.connect();
    return listener;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.options.connectionString,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
      // Named, so an operator (or a test) can tell it from the request pool in pg_stat_activity.
      application_name: LISTENER_APPLICATION_NAME,
    });
    client.on('notification', (message) => {
      if (message.channel === this.options.channel && message.payload) this.options.onChange(message.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdentifier(this.options.channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.scheduleRetry(error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    const recovered = this.everConnected;
    if (recovered) this.options.logger.info({ channel: this.options.channel, attempts: this.attempt }, 'Hearing connection changes again');
    this.everConnected = true;
    this.attempt = 0;
    this.options.onListening(true, recovered);
    this.startHeartbeat(client);
  }

  private startHeartbeat(client: Client): void {
    clearInterval(this.heartbeat);
    this.beating = false;
    const heartbeatMs = this.options.heartbeatMs ?? 10_000;
    const silenceLimitMs = this.options.silenceLimitMs ?? Math.max(10_000, 2 * heartbeatMs);
    this.heartbeat = setInterval(() => {
      if (this.client !== client || this.beating) return;
      this.beating = true;
      const sentAt = Date.now();
      // A connection that died without a word (no RST) never answers: give it up after the silence limit.
      const silence = setTimeout(() => this.lost(client, new Error(`no answer to the heartbeat within ${silenceLimitMs} ms`)), silenceLimitMs);
      silence.unref();
      client.query('SELECT 1').then(
        () => {
          clearTimeout(silence);
          if (this.client !== client) return;
          this.beating = false;
          this.options.onHeard?.(sentAt);
        },
        (error: unknown) => {
          clearTimeout(silence);
          this.lost(client, error);
        },
      );
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  /** The client in use failed: report it once, drop it and try again. */
  private lost(client: Client, error: unknown): void {
    if (this.stopped || this.client !== client) return;
    this.client = null;
    clearInterval(this.heartbeat);
    client.removeAllListeners('notification');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    this.options.onListening(false, false);
    this.scheduleRetry(error);
  }

  private scheduleRetry(error: unknown): void {
    if (this.stopped) return;
    const base = this.options.retryBaseMs ?? 250;
    const max = this.options.retryMaxMs ?? 10_000;
    const delay = Math.min(max, base * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt += 1;
    this.options.logger.warn(
      { channel: this.options.channel, attempt: this.attempt, retryInMs: Math.round(delay), err: error instanceof Error ? error.message : String(error) },
      'Not hearing connection changes from PostgreSQL; re-checking connections every few hundred ms until it is back',
    );
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
