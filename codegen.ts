import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Generates typed resolvers from schema.graphql (as Apollo's subgraph template does). `npm run build` runs it
 * before tsc, so a resolver that drifts from the schema fails the build.
 */
const config: CodegenConfig = {
  schema: './schema.graphql',
  generates: {
    './src/__generated__/resolvers-types.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useIndexSignature: true,
        contextType: '../context#Context',
        enumsAsTypes: true,
        scalars: {
          DateTime: { input: 'Date', output: 'Date | string' },
          JSON: { input: 'unknown', output: 'unknown' },
        },
        mappers: {
          Person: '../resolvers/Person#PersonParent',
          SalesforceContact: '../resolvers/Person#ServedContact',
          SalesforceConnection: '../connections/types#ConnectionView',
        },
      },
    },
  },
};

export default config;
