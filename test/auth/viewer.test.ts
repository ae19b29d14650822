/**
 * Verifying callers' tokens: the algorithm is pinned (HS256 for a shared secret; the configured list, RS256 and
 * ES256 by default, for JWKS keys), and issuer and audience are checked whenever they are configured.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type KeyLike, SignJWT } from 'jose';
import { AuthenticationError, jwksVerifier, secretVerifier } from '../../src/auth/viewer';

const ISSUER = 'https://id.genfin.example/';
const AUDIENCE = 'salesforce-subgraph';
const SECRET = 'a-shared-secret-that-is-long-enough-0123456789';

function claims(overrides: { iss?: string; aud?: string } = {}) {
  return new SignJWT({ org_id: 'acme', roles: ['admin'] })
    .setSubject('u1')
    .setIssuedAt()
    .setExpirationTime('5m')
    .setIssuer(overrides.iss ?? ISSUER)
    .setAudience(overrides.aud ?? AUDIENCE);
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuthenticationError);
    return (error as Error).message;
  }
  throw new Error('expected the token to be refused');
}

describe('secretVerifier', () => {
  const key = new TextEncoder().encode(SECRET);
  const verifier = secretVerifier(SECRET, { issuer: ISSUER, audience: AUDIENCE });

  it('accepts an HS256 token for the configured issuer and audience', async () => {
    await expect(verifier.verify(await claims().setProtectedHeader({ alg: 'HS256' }).sign(key))).resolves.toEqual({ tenantId: 'acme', userId: 'u1', isAdmin: true });
  });

  it.each([
    ['another audience', () => claims({ aud: 'another-service' }).setProtectedHeader({ alg: 'HS256' }).sign(key), /claim/],
    ['another issuer', () => claims({ iss: 'https://evil.example/' }).setProtectedHeader({ alg: 'HS256' }).sign(key), /claim/],
    ['HS384', () => claims().setProtectedHeader({ alg: 'HS384' }).sign(key), /algorithm/],
  ])('refuses %s', async (_what, token, reason) => {
    expect(await rejection(verifier.verify(await token()))).toMatch(reason);
  });
});

describe('jwksVerifier', () => {
  let server: Server;
  let url: string;
  const keys: Record<string, KeyLike> = {};

  beforeAll(async () => {
    const jwks: JWK[] = [];
    for (const [kid, alg] of [['rs', 'RS256'], ['es', 'ES256'], ['ps', 'PS256']] as const) {
      const pair = await generateKeyPair(alg, { extractable: true });
      keys[kid] = pair.privateKey;
      jwks.push({ ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' });
    }
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: jwks }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const sign = (kid: string, alg: string, overrides: { iss?: string; aud?: string } = {}) =>
    claims(overrides).setProtectedHeader({ alg, kid }).sign(keys[kid] as KeyLike);

  it('accepts RS256 and ES256 by default, for the configured issuer and audience', async () => {
    const verifier = jwksVerifier(url, ['RS256', 'ES256'], { issuer: ISSUER, audience: AUDIENCE });
    await expect(verifier.verify(await sign('rs', 'RS256'))).resolves.toMatchObject({ tenantId: 'acme' });
    await expect(verifier.verify(await sign('es', 'ES256'))).resolves.toMatchObject({ tenantId: 'acme' });
  });

  it('refuses an algorithm outside the configured list, even with a key the JWKS serves', async () => {
    const verifier = jwksVerifier(url, ['RS256', 'ES256'], { issuer: ISSUER, audience: AUDIENCE });
    expect(await rejection(verifier.verify(await sign('ps', 'PS256')))).toMatch(/algorithm|could not be verified/);
    const onlyPs = jwksVerifier(url, ['PS256'], { issuer: ISSUER, audience: AUDIENCE });
    await expect(onlyPs.verify(await sign('ps', 'PS256'))).resolves.toMatchObject({ tenantId: 'acme' });
  });

  it('refuses an HS256 token whatever secret signed it (no algorithm confusion)', async () => {
    const verifier = jwksVerifier(url, ['RS256', 'ES256'], { issuer: ISSUER, audience: AUDIENCE });
    const forged = await claims().setProtectedHeader({ alg: 'HS256', kid: 'rs' }).sign(new TextEncoder().encode(SECRET));
    await rejection(verifier.verify(forged));
  });

  it('checks issuer and audience', async () => {
    const verifier = jwksVerifier(url, ['RS256'], { issuer: ISSUER, audience: AUDIENCE });
    expect(await rejection(verifier.verify(await sign('rs', 'RS256', { aud: 'another-service' })))).toMatch(/claim/);
    expect(await rejection(verifier.verify(await sign('rs', 'RS256', { iss: 'https://evil.example/' })))).toMatch(/claim/);
  });
});

describe('remembering verified tokens', () => {
  const key = new TextEncoder().encode(SECRET);

  it('answers a token verified before without a signature check, and a different token with one', async () => {
    const verifier = secretVerifier(SECRET, { issuer: ISSUER, audience: AUDIENCE });
    const token = await claims().setProtectedHeader({ alg: 'HS256' }).sign(key);
    const first = await verifier.verify(token);
    // The remembered answer is the same object; a tampered copy of the token is checked, and refused.
    expect(await verifier.verify(token)).toBe(first);
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await rejection(verifier.verify(tampered))).toMatch(/signature does not verify|not a well-formed/);
  });

  it('never trusts a token past its exp', async () => {
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const verifier = secretVerifier(SECRET);
      const token = await new SignJWT({ org_id: 'acme' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u1')
        .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
        .sign(key);
      await expect(verifier.verify(token)).resolves.toMatchObject({ tenantId: 'acme' });
      jest.advanceTimersByTime(3_000);
      expect(await rejection(verifier.verify(token))).toMatch(/expired/);
    } finally {
      jest.useRealTimers();
    }
  });

  it('does not remember a refusal', async () => {
    const verifier = secretVerifier(SECRET, { issuer: ISSUER });
    const wrongIssuer = await claims({ iss: 'https://elsewhere.example/' }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    expect(await rejection(verifier.verify(wrongIssuer))).toMatch(/claim check failed/);
    expect(await rejection(verifier.verify(wrongIssuer))).toMatch(/claim check failed/);
  });
});
