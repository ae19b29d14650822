/**
 * Bearer tokens as Genfin's identity provider issues them (HS256): the tenant in `org_id`, the user in `sub`, and
 * `roles` (`admin` administers the tenant). Shared by the demo, the tests and the bench.
 */
import { SignJWT } from 'jose';

export interface TokenClaims {
  /** HS256 secret the subgraph verifies with (AUTH_JWT_SECRET). */
  secret: string;
  /** Omitted: a token without `org_id`, which the subgraph refuses. */
  tenantId?: string;
  userId: string;
  roles?: string[];
  /** jose's time span, for example `1h` or `30d`. */
  expiresIn?: string;
}

export function signToken({ secret, tenantId, userId, roles = [], expiresIn = '1h' }: TokenClaims): Promise<string> {
  return new SignJWT({ ...(tenantId !== undefined ? { org_id: tenantId } : {}), roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
