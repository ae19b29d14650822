import { ConfigError, loadConfig } from '../src/config';

const KEY = Buffer.alloc(32, 7).toString('base64');
const SECRET = 'x'.repeat(32);

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv/app');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('has working defaults for development', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({
      production: false,
      port: 4001,
      dataDir: '/srv/app/data',
      databaseUrl: undefined,
      encryptionKey: undefined,
      auth: { kind: 'development' },
      routerSecret: undefined,
      salesforceAllowLoopback: false,
      salesforceTimeoutMs: 10000,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        DATABASE_URL: 'postgres://u@db/app',
        ENCRYPTION_KEY: KEY,
        AUTH_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
        AUTH_ISSUER: 'https://auth.example.com/',
        AUTH_AUDIENCE: 'genfin',
        ROUTER_SECRET: 'router',
        SALESFORCE_ALLOW_LOOPBACK: 'true',
        SALESFORCE_TIMEOUT_MS: '2500',
      },
      '/srv/app',
    );
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgres://u@db/app',
      encryptionKey: KEY,
      auth: { kind: 'jwks', jwksUrl: 'https://auth.example.com/.well-known/jwks.json', issuer: 'https://auth.example.com/', audience: 'genfin' },
      routerSecret: 'router',
      salesforceAllowLoopback: true,
      salesforceTimeoutMs: 2500,
    });
  });

  it('names each bad variable, all at once', () => {
    const found = problems({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://db',
      ENCRYPTION_KEY: Buffer.alloc(16).toString('base64'),
      SALESFORCE_TIMEOUT_MS: '-5',
      SALESFORCE_ALLOW_LOOPBACK: 'yes',
    });
    expect(found).toHaveLength(5);
    for (const name of ['PORT', 'DATABASE_URL', 'ENCRYPTION_KEY', 'SALESFORCE_TIMEOUT_MS', 'SALESFORCE_ALLOW_LOOPBACK']) {
      expect(found.some((p) => p.startsWith(name))).toBe(true);
    }
  });

  it('requires an encryption key and an auth method in production, and refuses loopback there', () => {
    const found = problems({ NODE_ENV: 'production', SALESFORCE_ALLOW_LOOPBACK: 'true' });
    expect(found).toEqual([
      expect.stringContaining('ENCRYPTION_KEY is required'),
      expect.stringContaining('AUTH_JWT_SECRET or AUTH_JWKS_URL is required'),
      expect.stringContaining('SALESFORCE_ALLOW_LOOPBACK'),
    ]);
    expect(problems({ NODE_ENV: 'production', ENCRYPTION_KEY: KEY, AUTH_JWT_SECRET: SECRET })).toEqual([]);
  });

  it('refuses both auth methods at once, a short HS256 secret and a plain-http JWKS URL in production', () => {
    expect(problems({ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://a/jwks' })).toEqual([expect.stringContaining('only one')]);
    expect(problems({ AUTH_JWT_SECRET: 'short' })).toEqual([expect.stringContaining('AUTH_JWT_SECRET must be at least 32 bytes')]);
    expect(problems({ NODE_ENV: 'production', ENCRYPTION_KEY: KEY, AUTH_JWKS_URL: 'http://a/jwks' })).toEqual([
      expect.stringContaining('AUTH_JWKS_URL must be an https URL'),
    ]);
  });

  it('never echoes a secret value in its messages', () => {
    const message = (() => {
      try {
        loadConfig({ ENCRYPTION_KEY: 'c2VjcmV0LWJ1dC13cm9uZy1sZW5ndGg=', AUTH_JWT_SECRET: 'tiny-secret' });
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).not.toContain('c2VjcmV0LWJ1dC13cm9uZy1sZW5ndGg=');
    expect(message).not.toContain('tiny-secret');
  });
});
