/**
 * Authentication gate. The context records who is calling (or why nobody verified); this plugin rejects every
 * operation of an unauthenticated caller before execution, except the gateway's `_service` SDL query, which
 * composition needs before any user exists.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { Context } from '../context';
import { unauthenticated } from '../errors';

export function requireAuthenticationPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (contextValue.viewer !== null) return;
          if (contextValue.fromRouter && operation !== undefined && isServiceSdlQuery(operation)) return;
          throw unauthenticated(contextValue.authFailure ?? 'Authentication required');
        },
      };
    },
  };
}

/** A query that selects nothing but `_service` (and `__typename`). Fragments are not expected there. */
export function isServiceSdlQuery(operation: OperationDefinitionNode): boolean {
  return (
    operation.operation === 'query' &&
    operation.selectionSet.selections.every(
      (selection) =>
        selection.kind === Kind.FIELD && (selection.name.value === '_service' || selection.name.value === '__typename'),
    )
  );
}
