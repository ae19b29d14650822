/**
 * Who is calling, from a verified JWT: the tenant (`org_id`), the user (`sub`) and whether they administer the
 * tenant (`roles` contains `admin`).
 */
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { randomBytes } from 'node:crypto';
import type { AuthConfig } from '../config';

export interface Viewer {
  tenantId: string;
  userId: string;
  isAdmin: boolean;
}

export interface TokenVerifier {
  /** Resolves the viewer or rejects with a reason fit to show the caller (no token contents). */
  verify(jwt: string): Promise<Viewer>;
}

export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

/** The claims pinned by configuration: a token for another issuer or audience is refused. */
export interface PinnedClaims {
  issuer?: string | undefined;
  audience?: string | undefined;
}

function verifyOptions(algorithms: string[], claims: PinnedClaims) {
  return {
    algorithms,
    requiredClaims: ['exp'],
    ...(claims.issuer !== undefined ? { issuer: claims.issuer } : {}),
    ...(claims.audience !== undefined ? { audience: claims.audience } : {}),
  };
}

/** HS256 with a shared secret, and nothing else: the algorithm is pinned. */
export function secretVerifier(secret: string, claims: PinnedClaims = {}): TokenVerifier {
  const key = new TextEncoder().encode(secret);
  const options = verifyOptions(['HS256'], claims);
  return rememberingVerified((jwt) => verifyWith(jwt, (token) => jwtVerify(token, key, options)));
}

/** Keys from a JWKS endpoint (cached and refreshed by jose), with the algorithms pinned (RS256, ES256 by default). */
export function jwksVerifier(jwksUrl: string, algorithms: string[], claims: PinnedClaims = {}): TokenVerifier {
  const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(jwksUrl));
  const options = verifyOptions(algorithms, claims);
  return rememberingVerified((jwt) => verifyWith(jwt, (token) => jwtVerify(token, keys, options)));
}

/** A token verified once is trusted again without a signature check for at most this long (and never past its exp). */
export const VERIFIED_TOKEN_MEMORY_MS = 60_000;
/** Bytes of tokens remembered (each counted by its length): a few thousand callers' tokens. */
const VERIFIED_TOKENS_MAX_BYTES = 8 * 1024 * 1024;

/**
 * The same caller sends the same token with every request: its verification (a signature check, and for JWKS an
 * asymmetric one) is remembered by the token's exact text until it expires or for VERIFIED_TOKEN_MEMORY_MS,
 * whichever is sooner. Only successes are remembered: a bad token costs its check every time, as before.
 */
function rememberingVerified(verify: (jwt: string) => Promise<VerifiedToken>): TokenVerifier {
  const verified = new LRUCache<string, VerifiedToken>({ maxSize: VERIFIED_TOKENS_MAX_BYTES, sizeCalculation: (_token, jwt) => Math.max(1, jwt.length) });
  return {
    async verify(jwt) {
      const known = verified.get(jwt);
      // The exp is checked here too, on the wall clock: the cache's own TTL runs on another one.
      if (known !== undefined && Date.now() < known.expiresAt) return known.viewer;
      const token = await verify(jwt);
      const ttl = Math.min(VERIFIED_TOKEN_MEMORY_MS, token.expiresAt - Date.now());
      if (ttl > 0 && jwt.length <= VERIFIED_TOKENS_MAX_BYTES) verified.set(jwt, token, { ttl });
      return token.viewer;
    },
  };
}

interface VerifiedToken {
  viewer: Viewer;
  /** Epoch ms of the token's `exp` claim. */
  expiresAt: number;
}

export interface DevelopmentAuth {
  verifier: TokenVerifier;
  /** A ready-to-use admin token for tenant `dev`, logged at start so a fresh clone can be tried at once. */
  adminToken: string;
}

/** Outside production with no auth configured: a random HS256 secret for this process only. */
export async function developmentAuth(): Promise<DevelopmentAuth> {
  const secret = randomBytes(32).toString('base64url');
  const adminToken = await new SignJWT({ org_id: 'dev', roles: ['admin'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('dev-admin')
    .setIssuedAt()
    .setExpirationTime('30d')
    .sign(new TextEncoder().encode(secret));
  return { verifier: secretVerifier(secret), adminToken };
}

export async function createVerifier(config: AuthConfig): Promise<{ verifier: TokenVerifier; devAdminToken?: string }> {
  switch (config.kind) {
    case 'secret':
      return { verifier: secretVerifier(config.secret, config) };
    case 'jwks':
      return { verifier: jwksVerifier(config.jwksUrl, config.algorithms, config) };
    case 'development': {
      const dev = await developmentAuth();
      return { verifier: dev.verifier, devAdminToken: dev.adminToken };
    }
  }
}

async function verifyWith(jwt: string, verify: (jwt: string) => Promise<{ payload: JWTPayload }>): Promise<VerifiedToken> {
  let payload: JWTPayload;
  try {
    ({ payload } = await verify(jwt));
  } catch (error) {
    throw new AuthenticationError(`The bearer token is not valid: ${describeJoseError(error)}`);
  }
  // `exp` is a required claim: jose has checked it is a number in the future.
  return { viewer: viewerFromClaims(payload), expiresAt: (payload.exp ?? 0) * 1000 };
}

export function viewerFromClaims(payload: JWTPayload): Viewer {
  const { org_id: tenantId, sub: userId, roles } = payload as JWTPayload & { org_id?: unknown; roles?: unknown };
  if (typeof tenantId !== 'string' || tenantId.trim() === '') {
    throw new AuthenticationError('The bearer token has no org_id claim naming the tenant');
  }
  if (typeof userId !== 'string' || userId === '') throw new AuthenticationError('The bearer token has no sub claim');
  // Only a `roles` array naming `admin` grants admin; any other shape grants nothing but is not an error.
  return { tenantId, userId, isAdmin: Array.isArray(roles) && roles.includes('admin') };
}

function describeJoseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'it has expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'its signature does not verify';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `claim check failed (${(error as Error).message})`;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'its algorithm is not accepted';
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return 'it is not a well-formed JWT';
    default:
      return 'it could not be verified';
  }
}
