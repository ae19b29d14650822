import type { MutationResolvers } from '../__generated__/resolvers-types';
import { requireAdmin } from '../context';

export const Mutation: MutationResolvers = {
  connectSalesforce: (_parent, { input }, context) =>
    context.services.connections.connect(requireAdmin(context).tenantId, input),

  async disconnectSalesforce(_parent, _args, context) {
    const disconnected = await context.services.connections.disconnect(requireAdmin(context).tenantId);
    return { disconnected, userErrors: [] };
  },

  setSalesforceContactFields: (_parent, { fields }, context) =>
    context.services.connections.setContactFields(requireAdmin(context).tenantId, fields),

  testSalesforceConnection: (_parent, _args, context) => context.services.connections.test(requireAdmin(context).tenantId),
};
