/**
 * The OAuth endpoints: the Client Credentials token grant (refused as Salesforce does for an unknown or still
 * propagating app, a wrong secret, an app without a run-as user, or login.salesforce.com), revoke and introspect,
 * and the tokens issued so far with their inactivity timeout.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { OAUTH_HEADERS, oauthError, readForm, type Reply } from './http';
import { newAccessToken, tokenSignature } from './ids';
import type { OrgState } from './orgState';
import type { EmulatorApp } from './types';

export interface IssuedToken {
  consumerKey: string;
  issuedAt: number;
  lastUsedAt: number;
  state: 'active' | 'expired' | 'revoked';
}

export class OAuthServer {
  private readonly tokens = new Map<string, IssuedToken>();

  /** `url` is the instance URL handed out with each token. */
  constructor(
    private readonly org: OrgState,
    private readonly url: string,
  ) {}

  expireAllTokens(): void {
    for (const token of this.tokens.values()) if (token.state === 'active') token.state = 'expired';
  }

  issuedTokens(): string[] {
    return [...this.tokens.keys()];
  }

  revokedTokens(): string[] {
    return [...this.tokens].filter(([, token]) => token.state === 'revoked').map(([value]) => value);
  }

  issueToken(headers: IncomingHttpHeaders, body: Buffer): Reply {
    const form = readForm(headers, body);
    if (!form || form.get('grant_type') !== 'client_credentials') return oauthError('unsupported_grant_type', 'grant type not supported');
    if (this.org.loginHost) return oauthError('invalid_grant', 'request not supported on this domain');
    const app = this.org.apps.get(form.get('client_id') ?? '');
    if (!app || app.propagating) return oauthError('invalid_client_id', 'client identifier invalid');
    if (form.get('client_secret') !== app.consumerSecret) return oauthError('invalid_client', 'invalid client credentials');
    if (app.runAsUserEnabled === false) return oauthError('invalid_grant', 'no client credentials user enabled');
    return { status: 200, headers: OAUTH_HEADERS, body: this.grantToken(app) };
  }

  private grantToken(app: EmulatorApp): Record<string, string> {
    const now = Date.now();
    const accessToken = newAccessToken(this.org.orgId);
    this.tokens.set(accessToken, { consumerKey: app.consumerKey, issuedAt: now, lastUsedAt: now, state: 'active' });
    const id = this.identityUrl();
    const issuedAt = String(now);
    return {
      access_token: accessToken,
      signature: tokenSignature(app.consumerSecret, id, issuedAt),
      token_format: 'opaque',
      instance_url: this.url,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
      scope: 'api',
    };
  }

  private identityUrl(): string {
    return `https://login.salesforce.com/id/${this.org.orgId}/${this.org.userId}`;
  }

  revoke(headers: IncomingHttpHeaders, body: Buffer): Reply {
    const token = this.tokens.get(readForm(headers, body)?.get('token') ?? '');
    if (!token || token.state === 'revoked') return oauthError('invalid_token', 'invalid token');
    token.state = 'revoked';
    return { status: 200, headers: OAUTH_HEADERS };
  }

  introspect(headers: IncomingHttpHeaders, body: Buffer): Reply {
    const form = readForm(headers, body) ?? new URLSearchParams();
    const app = this.org.apps.get(form.get('client_id') ?? '');
    if (!app || app.propagating) return oauthError('invalid_client_id', 'client identifier invalid');
    if (form.get('client_secret') !== app.consumerSecret) return oauthError('invalid_client', 'invalid client credentials');
    const token = this.liveToken(form.get('token') ?? '');
    if (!token) return { status: 200, headers: OAUTH_HEADERS, body: { active: false } };
    return { status: 200, headers: OAUTH_HEADERS, body: this.describeToken(token) };
  }

  private describeToken(token: IssuedToken): Record<string, unknown> {
    const seconds = (ms: number): number => Math.floor(ms / 1000);
    return {
      active: true,
      scope: 'api',
      client_id: token.consumerKey,
      sub: this.identityUrl(),
      token_type: 'access_token',
      exp: seconds(token.lastUsedAt + this.org.sessionTimeoutMs),
      iat: seconds(token.issuedAt),
      nbf: seconds(token.issuedAt),
    };
  }

  /** The token if it is still active; an inactivity timeout turns it expired on the spot. */
  liveToken(value: string): IssuedToken | undefined {
    const token = this.tokens.get(value);
    if (!token || token.state !== 'active') return undefined;
    if (Date.now() - token.lastUsedAt > this.org.sessionTimeoutMs) {
      token.state = 'expired';
      return undefined;
    }
    return token;
  }
}
