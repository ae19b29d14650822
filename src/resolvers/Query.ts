import type { QueryResolvers } from '../__generated__/resolvers-types';
import { requireViewer } from '../context';

export const Query: QueryResolvers = {
  salesforceConnection: (_parent, _args, context) => context.services.connections.get(requireViewer(context).tenantId),
};
