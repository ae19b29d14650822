import type { QueryResolvers } from '../__generated__/resolvers-types';
import { requireAdmin, requireViewer } from '../context';
import { adminProblem } from '../errors';

export const Query: QueryResolvers = {
  salesforceConnection: (_parent, _args, context) => context.services.connections.get(requireViewer(context).tenantId),

  async salesforceContactFieldOptions(_parent, _args, context) {
    const result = await context.services.connections.contactFieldOptions(requireAdmin(context).tenantId);
    if (!result.ok) throw adminProblem(result.problem);
    return result.options;
  },
};
