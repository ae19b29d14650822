import type { MutationResolvers } from '../__generated__/resolvers-types';
import { requireAdmin } from '../context';
import { CONNECT_ARGUMENTS, FIELDS_ARGUMENTS, NO_ARGUMENTS, toPayload } from './userErrors';

export const Mutation: MutationResolvers = {
  async connectSalesforce(_parent, { input }, context) {
    return toPayload(await context.services.connections.connect(requireAdmin(context).tenantId, input), CONNECT_ARGUMENTS);
  },

  async disconnectSalesforce(_parent, _args, context) {
    const disconnected = await context.services.connections.disconnect(requireAdmin(context).tenantId);
    return { disconnected, userErrors: [] };
  },

  async setSalesforceContactFields(_parent, { fields }, context) {
    return toPayload(await context.services.connections.setContactFields(requireAdmin(context).tenantId, fields), FIELDS_ARGUMENTS);
  },

  async testSalesforceConnection(_parent, _args, context) {
    return toPayload(await context.services.connections.test(requireAdmin(context).tenantId), NO_ARGUMENTS);
  },
};
