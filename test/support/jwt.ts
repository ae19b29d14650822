/** Test tokens signed with the HS256 secret the subgraph under test is configured with. */
import { signToken } from '../../demo/tokens';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestClaims {
  tenantId?: string;
  userId?: string;
  roles?: string[];
  expiresIn?: string;
  secret?: string;
}

export function signTestToken({ tenantId, userId = 'user-1', roles = [], expiresIn = '1h', secret = TEST_JWT_SECRET }: TestClaims = {}): Promise<string> {
  return signToken({ secret, userId, roles, expiresIn, ...(tenantId !== undefined ? { tenantId } : {}) });
}

export const adminToken = (tenantId: string): Promise<string> => signTestToken({ tenantId, userId: `${tenantId}-admin`, roles: ['admin'] });
export const memberToken = (tenantId: string): Promise<string> => signTestToken({ tenantId, userId: `${tenantId}-member`, roles: ['member'] });
