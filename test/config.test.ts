import { ConfigError, loadConfig, loadStoreConfig } from '../src/config';

const KEY = Buffer.alloc(32, 7).toString('base64');
const SECRET = 'x'.repeat(32);
/** Everything production requires. */
const PRODUCTION = {
  NODE_ENV: 'production',
  ENCRYPTION_KEY: KEY,
  AUTH_JWT_SECRET: SECRET,
  AUTH_ISSUER: 'https://id.genfin.example/',
  AUTH_AUDIENCE: 'salesforce-subgraph',
  ROUTER_SECRET: 'router-secret-0123456789',
};

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
        ROUTER_SECRET: 'router-secret-0123456789',
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
      routerSecret: 'router-secret-0123456789',
      salesforceAllowLoopback: true,
      salesforceTimeoutMs: 2500,
    });
  });

  it('reads the replica and concurrency settings, with their defaults', () => {
    expect(loadConfig({}, '/srv/app')).toMatchObject({
      databasePoolSize: 10,
      connectionRecheckMs: 500,
      maxActiveTenants: 10_000,
      storeOutageGraceMs: 60_000,
      resilience: { maxConcurrentRequestsPerTenant: 6 },
    });
    expect(
      loadConfig(
        { DATABASE_POOL_SIZE: '25', CONNECTION_RECHECK_MS: '250', MAX_ACTIVE_TENANTS: '50000', SALESFORCE_MAX_CONCURRENT_REQUESTS: '3' },
        '/srv/app',
      ),
    ).toMatchObject({ databasePoolSize: 25, connectionRecheckMs: 250, maxActiveTenants: 50_000, resilience: { maxConcurrentRequestsPerTenant: 3 } });
  });

  it('reads the Salesforce and cache limits, with their defaults', () => {
    expect(loadConfig({}, '/srv/app')).toMatchObject({
      salesforceLimits: {
        maxResponseBytes: 20_971_520,
        maxLookupRecords: 10_000,
        maxLookupBytes: 67_108_864,
        maxContactsPerEmail: 50,
        tenantCallsPerSecond: 20,
        tenantCallsBurst: 40,
      },
      contactCache: { maxBytes: 268_435_456, tenantShare: 0.25, staleWhileRevalidateMs: 240_000, staleIfErrorMs: 86_400_000, shared: true, sharedMaxPerTenant: 100_000 },
    });
    const env = {
      SALESFORCE_MAX_RESPONSE_BYTES: '1048576',
      SALESFORCE_MAX_LOOKUP_RECORDS: '500',
      SALESFORCE_MAX_LOOKUP_BYTES: '2097152',
      SALESFORCE_MAX_CONTACTS_PER_EMAIL: '5',
      SALESFORCE_TENANT_CALLS_PER_SECOND: '3',
      SALESFORCE_TENANT_CALLS_BURST: '6',
      CONTACT_CACHE_MAX_BYTES: '10485760',
      CONTACT_CACHE_TENANT_SHARE: '.5',
      CONTACT_SHARED_CACHE: 'false',
      CONTACT_SHARED_CACHE_MAX_PER_TENANT: '2000',
      CONTACT_STALE_WHILE_REVALIDATE_MS: '0',
      CONTACT_STALE_IF_ERROR_MS: '3600000',
    };
    expect(loadConfig(env, '/srv/app')).toMatchObject({
      salesforceLimits: { maxResponseBytes: 1_048_576, maxLookupRecords: 500, maxLookupBytes: 2_097_152, maxContactsPerEmail: 5, tenantCallsPerSecond: 3, tenantCallsBurst: 6 },
      contactCache: { maxBytes: 10_485_760, tenantShare: 0.5, staleWhileRevalidateMs: 0, staleIfErrorMs: 3_600_000, shared: false, sharedMaxPerTenant: 2000 },
    });
    expect(loadConfig({ CONTACT_CACHE_TENANT_SHARE: '1' }, '/srv/app').contactCache.tenantShare).toBe(1);
  });

  it.each([
    ['CONTACT_SHARED_CACHE', 'yes'],
    ['CONTACT_STALE_WHILE_REVALIDATE_MS', '-1'],
    ['CONTACT_STALE_IF_ERROR_MS', 'a day'],
    ['CONTACT_SHARED_CACHE_MAX_PER_TENANT', '0'],
    ['SALESFORCE_MAX_RESPONSE_BYTES', '1000'],
    ['SALESFORCE_MAX_RESPONSE_BYTES', '20MB'],
    ['SALESFORCE_MAX_LOOKUP_RECORDS', '0'],
    ['SALESFORCE_MAX_LOOKUP_BYTES', '-1'],
    ['SALESFORCE_MAX_CONTACTS_PER_EMAIL', '0'],
    ['SALESFORCE_TENANT_CALLS_PER_SECOND', '0'],
    ['SALESFORCE_TENANT_CALLS_BURST', '1.5'],
    ['CONTACT_CACHE_MAX_BYTES', '1024'],
    ['CONTACT_CACHE_TENANT_SHARE', '0'],
    ['CONTACT_CACHE_TENANT_SHARE', '1.5'],
    ['CONTACT_CACHE_TENANT_SHARE', '25%'],
  ])('refuses limit %s=%s, naming it', (name, raw) => {
    expect(problems({ [name]: raw })).toEqual([expect.stringContaining(name)]);
  });

  it.each([
    ['DATABASE_POOL_SIZE', '0'],
    ['CONNECTION_RECHECK_MS', '10'],
    ['MAX_ACTIVE_TENANTS', '0'],
    ['STORE_OUTAGE_GRACE_MS', 'forever'],
    ['SALESFORCE_MAX_CONCURRENT_REQUESTS', '25'],
    ['SALESFORCE_MAX_CONCURRENT_REQUESTS', 'many'],
  ])('refuses %s=%s, naming it', (name, raw) => {
    expect(problems({ [name]: raw })).toEqual([expect.stringContaining(name)]);
  });

  it('serves the admin page only when ADMIN_UI=true, in production too only when set', () => {
    expect(loadConfig({}, '/srv/app').adminUi).toBe(false);
    expect(loadConfig(PRODUCTION, '/srv/app').adminUi).toBe(false);
    expect(loadConfig({ ADMIN_UI: 'true' }, '/srv/app').adminUi).toBe(true);
    expect(loadConfig({ ...PRODUCTION, ADMIN_UI: 'true' }, '/srv/app').adminUi).toBe(true);
    expect(problems({ ADMIN_UI: 'on' })).toEqual([expect.stringContaining('ADMIN_UI must be true or false')]);
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

  it('requires an encryption key, an auth method and a router secret in production, and refuses loopback there', () => {
    const found = problems({ NODE_ENV: 'production', SALESFORCE_ALLOW_LOOPBACK: 'true' });
    expect(found).toEqual([
      expect.stringContaining('ENCRYPTION_KEY is required'),
      expect.stringContaining('AUTH_JWT_SECRET or AUTH_JWKS_URL is required'),
      expect.stringContaining('ROUTER_SECRET is required'),
      expect.stringContaining('SALESFORCE_ALLOW_LOOPBACK'),
    ]);
    expect(problems(PRODUCTION)).toEqual([]);
  });

  it('refuses both auth methods at once, a short HS256 secret and a plain-http JWKS URL in production', () => {
    expect(problems({ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://a/jwks' })).toEqual([expect.stringContaining('only one')]);
    expect(problems({ AUTH_JWT_SECRET: 'short' })).toEqual([expect.stringContaining('AUTH_JWT_SECRET must be at least 32 bytes')]);
    const { AUTH_JWT_SECRET: _secret, ...withoutSecret } = PRODUCTION;
    expect(problems({ ...withoutSecret, AUTH_JWKS_URL: 'http://a/jwks' })).toEqual([expect.stringContaining('AUTH_JWKS_URL must be an https URL')]);
  });

  it.each(['Production', 'prod', 'staging', 'PRODUCTION'])('refuses NODE_ENV=%s rather than guess which posture was meant', (mode) => {
    expect(problems({ ...PRODUCTION, NODE_ENV: mode })).toEqual([expect.stringContaining('NODE_ENV must be production, development or test')]);
  });

  it.each([undefined, '', 'development', 'test'])('gives NODE_ENV=%j the development conveniences', (mode) => {
    const config = loadConfig(mode === undefined ? {} : { NODE_ENV: mode }, '/srv/app');
    expect(config.production).toBe(false);
    expect(config.auth).toEqual({ kind: 'development' });
  });

  it('requires AUTH_ISSUER and AUTH_AUDIENCE in production, for a secret and for JWKS alike', () => {
    const { AUTH_ISSUER: _issuer, AUTH_AUDIENCE: _audience, ...unpinned } = PRODUCTION;
    expect(problems(unpinned)).toEqual([expect.stringContaining('AUTH_ISSUER is required'), expect.stringContaining('AUTH_AUDIENCE is required')]);
    const { AUTH_JWT_SECRET: _secret, ...jwks } = unpinned;
    expect(problems({ ...jwks, AUTH_JWKS_URL: 'https://auth.example.com/jwks' })).toEqual([
      expect.stringContaining('AUTH_ISSUER is required'),
      expect.stringContaining('AUTH_AUDIENCE is required'),
    ]);
  });

  it('pins the claims for a secret too, and the JWKS algorithms (RS256 and ES256 unless told)', () => {
    expect(loadConfig(PRODUCTION, '/srv/app').auth).toEqual({ kind: 'secret', secret: SECRET, issuer: 'https://id.genfin.example/', audience: 'salesforce-subgraph' });
    const { AUTH_JWT_SECRET: _secret, ...jwks } = PRODUCTION;
    expect(loadConfig({ ...jwks, AUTH_JWKS_URL: 'https://auth.example.com/jwks' }, '/srv/app').auth).toMatchObject({ kind: 'jwks', algorithms: ['RS256', 'ES256'] });
    expect(loadConfig({ ...jwks, AUTH_JWKS_URL: 'https://a/jwks', AUTH_JWKS_ALGORITHMS: 'PS256' }, '/srv/app').auth).toMatchObject({ algorithms: ['PS256'] });
    expect(problems({ ...jwks, AUTH_JWKS_URL: 'https://a/jwks', AUTH_JWKS_ALGORITHMS: 'HS256,none' })).toEqual([expect.stringContaining('AUTH_JWKS_ALGORITHMS')]);
  });

  it('lets ROUTER_SECRET_WAIVED=true run production without a router secret, and refuses a short one', () => {
    const { ROUTER_SECRET: _router, ...withoutRouter } = PRODUCTION;
    expect(problems({ ...withoutRouter, ROUTER_SECRET_WAIVED: 'true' })).toEqual([]);
    expect(problems({ ...withoutRouter, ROUTER_SECRET: 'short' })).toEqual([expect.stringContaining('ROUTER_SECRET must be at least 16 bytes')]);
  });

  it('reads the request limits, with defaults real gateway traffic never reaches', () => {
    expect(loadConfig({}, '/srv/app').requestLimits).toEqual({
      bodyLimitBytes: 1_048_576,
      anonymousBodyLimitBytes: 8_192,
      refusedBodyDiscardBytes: 16_777_216,
      refusedBodyDiscardMs: 2_000,
      maxTokens: 5_000,
      maxDepth: 12,
      maxAliases: 30,
      maxCost: 10_000,
      maxRepresentations: 5_000,
      maxEmailsPerRequest: 2_000,
    });
    expect(loadConfig({ GRAPHQL_BODY_LIMIT_BYTES: '2048', MAX_EMAILS_PER_REQUEST: '10' }, '/srv/app').requestLimits).toMatchObject({ bodyLimitBytes: 2048, maxEmailsPerRequest: 10 });
    expect(problems({ GRAPHQL_MAX_DEPTH: '1' })).toEqual([expect.stringContaining('GRAPHQL_MAX_DEPTH')]);
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

describe('ENCRYPTION_KEY_PREVIOUS', () => {
  const OLD_A = Buffer.alloc(32, 1).toString('base64');
  const OLD_B = Buffer.alloc(32, 2).toString('base64');

  it('is empty when unset, and a comma-separated list of retired keys otherwise (blanks ignored)', () => {
    expect(loadConfig({}, '/srv/app').previousEncryptionKeys).toEqual([]);
    expect(loadConfig({ ENCRYPTION_KEY: KEY, ENCRYPTION_KEY_PREVIOUS: OLD_A }, '/srv/app').previousEncryptionKeys).toEqual([OLD_A]);
    expect(
      loadConfig({ ENCRYPTION_KEY: KEY, ENCRYPTION_KEY_PREVIOUS: ` ${OLD_A} ,${OLD_B},, ` }, '/srv/app').previousEncryptionKeys,
    ).toEqual([OLD_A, OLD_B]);
  });

  it('names each bad entry by position without echoing it', () => {
    const wrongLength = 'c2VjcmV0LWJ1dC13cm9uZy1sZW5ndGg=';
    const found = problems({ ENCRYPTION_KEY: KEY, ENCRYPTION_KEY_PREVIOUS: `${OLD_A},${wrongLength},not base64!` });
    expect(found).toEqual([
      expect.stringMatching(/^ENCRYPTION_KEY_PREVIOUS entry 2 of 3 must be base64 of exactly 32 bytes/),
      expect.stringMatching(/^ENCRYPTION_KEY_PREVIOUS entry 3 of 3 must be base64 of exactly 32 bytes/),
    ]);
    expect(found.join('\n')).not.toContain(wrongLength);
    expect(found.join('\n')).not.toContain(OLD_A);
  });

  it('is read, with the store settings alone, by loadStoreConfig (the rotate-keys tool)', () => {
    expect(
      loadStoreConfig(
        { NODE_ENV: 'production', DATABASE_URL: 'postgres://u@db/app', ENCRYPTION_KEY: KEY, ENCRYPTION_KEY_PREVIOUS: OLD_A, DATA_DIR: 'd' },
        '/srv/app',
      ),
    ).toEqual({ production: true, dataDir: '/srv/app/d', databaseUrl: 'postgres://u@db/app', encryptionKey: KEY, previousEncryptionKeys: [OLD_A] });
    expect(() => loadStoreConfig({ NODE_ENV: 'production', ENCRYPTION_KEY_PREVIOUS: 'x' }, '/srv/app')).toThrow(ConfigError);
    try {
      loadStoreConfig({ NODE_ENV: 'production', ENCRYPTION_KEY_PREVIOUS: 'x' }, '/srv/app');
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        expect.stringContaining('ENCRYPTION_KEY is required'),
        expect.stringContaining('ENCRYPTION_KEY_PREVIOUS entry 1 of 1'),
      ]);
    }
  });
});
