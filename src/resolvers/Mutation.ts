import type { MutationResolvers } from '../__generated__/resolvers-types';
import type { ConnectionOutcome } from '../connections/service';
import { type Context, requireAdmin } from '../context';
import { failureCode } from '../loaders/lookupTracing';
import { ATTR, inSpan, markFailed } from '../observability/tracing/spans';
import { CONNECT_ARGUMENTS, FIELDS_ARGUMENTS, NO_ARGUMENTS, toPayload } from './userErrors';

export const Mutation: MutationResolvers = {
  async connectSalesforce(_parent, { input }, context) {
    const { tenantId } = requireAdmin(context);
    return toPayload(await traced('salesforce.connect', context, () => context.services.connections.connect(tenantId, input)), CONNECT_ARGUMENTS);
  },

  async disconnectSalesforce(_parent, _args, context) {
    const disconnected = await context.services.connections.disconnect(requireAdmin(context).tenantId);
    return { disconnected, userErrors: [] };
  },

  async setSalesforceContactFields(_parent, { fields }, context) {
    return toPayload(await context.services.connections.setContactFields(requireAdmin(context).tenantId, fields), FIELDS_ARGUMENTS);
  },

  async testSalesforceConnection(_parent, _args, context) {
    const { tenantId } = requireAdmin(context);
    return toPayload(await traced('salesforce.test_connection', context, () => context.services.connections.test(tenantId)), NO_ARGUMENTS);
  },
};

/**
 * A proof of a connection in a span of its own, under the operation's: its Salesforce calls are made inside it, and
 * it ends with the outcome's code (CONNECTED, or the first problem's: INVALID_CLIENT_CREDENTIALS, …).
 */
function traced(name: string, context: Context, prove: () => Promise<ConnectionOutcome>): Promise<ConnectionOutcome> {
  return inSpan(
    name,
    { [ATTR.tenantId]: context.viewer?.tenantId ?? '' },
    async (span) => {
      const outcome = await prove();
      const [problem] = outcome.problems;
      span.setAttribute(ATTR.outcome, problem?.code ?? outcome.connection?.status ?? 'UNKNOWN');
      if (problem !== undefined) {
        span.setAttribute(ATTR.errorCodes, outcome.problems.map((p) => p.code));
        markFailed(span, problem.code);
      }
      return outcome;
    },
    { parent: context.operationTrace.context, codeOf: failureCode },
  );
}
