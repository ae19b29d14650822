import type { SalesforceConnectionResolvers } from '../__generated__/resolvers-types';

/** Fields resolve from ConnectionView by name; the sealed credentials are not part of the view at all. */
export const SalesforceConnection: SalesforceConnectionResolvers = {
  customFields: (connection) =>
    connection.customFields.map((field) => ({ ...field, available: !connection.unavailableFields.includes(field.name) })),

  apiUsage: (connection, _args, context) => context.services.connections.apiUsage(connection.tenantId),
};
