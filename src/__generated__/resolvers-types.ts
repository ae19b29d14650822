import { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import { PersonParent } from '../resolvers/Person';
import { Contact } from '../salesforce/contacts';
import { ConnectionView } from '../connections/types';
import { Context } from '../context';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An instant in time, serialised as an RFC 3339 string in UTC (for example 2024-05-01T12:30:00.000Z). */
  DateTime: { input: Date; output: Date | string; }
  /** Any JSON value, exactly as Salesforce returned it. */
  JSON: { input: unknown; output: unknown; }
  _FieldSet: { input: any; output: any; }
};

export type ConnectSalesforceInput = {
  /** REST API version as vNN.N. Defaults to v60.0. */
  apiVersion?: InputMaybe<Scalars['String']['input']>;
  /** The Consumer Key of the org's External Client App / Connected App. */
  consumerKey: Scalars['String']['input'];
  /** The Consumer Secret. Stored encrypted; never returned. */
  consumerSecret: Scalars['String']['input'];
  /** The org's My Domain URL, for example https://acme.my.salesforce.com. */
  instanceUrl: Scalars['String']['input'];
};

export type ConnectSalesforcePayload = {
  __typename?: 'ConnectSalesforcePayload';
  /** The saved connection; null when userErrors is not empty. */
  connection?: Maybe<SalesforceConnection>;
  userErrors: Array<SalesforceUserError>;
};

export type DisconnectSalesforcePayload = {
  __typename?: 'DisconnectSalesforcePayload';
  /** True when a connection existed and was removed. */
  disconnected: Scalars['Boolean']['output'];
  userErrors: Array<SalesforceUserError>;
};

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Connect (or reconnect) the caller's tenant to a Salesforce org. Admins only. The credentials are checked against
   * Salesforce (Client Credentials Flow, then the API version) before anything is saved; on any problem the payload
   * carries userErrors and the existing connection, if any, is left untouched.
   */
  connectSalesforce: ConnectSalesforcePayload;
  /** Remove the caller's tenant's Salesforce connection and revoke its cached access token. Admins only. */
  disconnectSalesforce: DisconnectSalesforcePayload;
};


export type MutationConnectSalesforceArgs = {
  input: ConnectSalesforceInput;
};

/**
 * A Genfin person. Owned by the people subgraph; this subgraph adds what the tenant's Salesforce org knows about
 * them, looked up live by email.
 */
export type Person = {
  __typename?: 'Person';
  email?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /**
   * The Salesforce Contact whose Email matches this person's email (case-insensitive). When several contacts share
   * the address, the most recently modified one. Null when the tenant has not connected Salesforce, the email is
   * missing or impossible, or no contact matches; null with an error (extensions.code SALESFORCE_AUTH_FAILED,
   * SALESFORCE_RATE_LIMITED or SALESFORCE_UNAVAILABLE) when Salesforce could not be asked.
   */
  salesforceContact?: Maybe<SalesforceContact>;
};

export type Query = {
  __typename?: 'Query';
  /** The caller's tenant's Salesforce connection, or null when none is connected. Any member of the tenant may read it. */
  salesforceConnection?: Maybe<SalesforceConnection>;
};

export type SalesforceConnection = {
  __typename?: 'SalesforceConnection';
  apiVersion: Scalars['String']['output'];
  connectedAt?: Maybe<Scalars['DateTime']['output']>;
  /** At most the last 4 characters of the Consumer Key, masked (for example ••••3xYz). */
  consumerKeyHint: Scalars['String']['output'];
  /** The Contact fields fetched for each person. */
  contactFields: Array<Scalars['String']['output']>;
  instanceUrl: Scalars['String']['output'];
  /** The last Salesforce problem seen while serving lookups; null once lookups succeed again. */
  lastError?: Maybe<Scalars['String']['output']>;
  lastValidatedAt?: Maybe<Scalars['DateTime']['output']>;
  status: SalesforceConnectionStatus;
};

export type SalesforceConnectionStatus =
  | 'CONNECTED'
  | 'ERROR';

/** A Contact record in the tenant's Salesforce org (read-only). */
export type SalesforceContact = {
  __typename?: 'SalesforceContact';
  accountId?: Maybe<Scalars['ID']['output']>;
  accountName?: Maybe<Scalars['String']['output']>;
  /** Extra fields the tenant's admin chose to sync. Always empty for now. */
  customFields: Array<SalesforceFieldValue>;
  department?: Maybe<Scalars['String']['output']>;
  email?: Maybe<Scalars['String']['output']>;
  firstName?: Maybe<Scalars['String']['output']>;
  /** The 18-character Salesforce record id (starts with 003). */
  id: Scalars['ID']['output'];
  lastModifiedAt?: Maybe<Scalars['DateTime']['output']>;
  lastName?: Maybe<Scalars['String']['output']>;
  mobilePhone?: Maybe<Scalars['String']['output']>;
  name?: Maybe<Scalars['String']['output']>;
  phone?: Maybe<Scalars['String']['output']>;
  /** The record's Lightning Experience page in the tenant's org. */
  recordUrl: Scalars['String']['output'];
  title?: Maybe<Scalars['String']['output']>;
};

/** One synced field of a Contact: its API name and the value Salesforce returned. */
export type SalesforceFieldValue = {
  __typename?: 'SalesforceFieldValue';
  name: Scalars['String']['output'];
  value?: Maybe<Scalars['JSON']['output']>;
};

/** A problem with the admin's input or the org's setup, with a message that says what to fix. */
export type SalesforceUserError = {
  __typename?: 'SalesforceUserError';
  code: SalesforceUserErrorCode;
  /** Path to the input field at fault, for example ["input", "instanceUrl"]. */
  field?: Maybe<Array<Scalars['String']['output']>>;
  message: Scalars['String']['output'];
};

export type SalesforceUserErrorCode =
  | 'API_DISABLED'
  | 'API_VERSION_NOT_SUPPORTED'
  | 'CLIENT_CREDENTIALS_FLOW_NOT_ENABLED'
  | 'INACTIVE_ORG'
  | 'INACTIVE_USER'
  | 'INVALID_API_VERSION'
  | 'INVALID_CLIENT_CREDENTIALS'
  | 'INVALID_INPUT'
  | 'INVALID_INSTANCE_URL'
  | 'SALESFORCE_ERROR'
  | 'SALESFORCE_RATE_LIMITED'
  | 'SALESFORCE_UNREACHABLE';

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  Person: Person;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Person:
    ( { __typename: 'Person' }
    & GraphQLRecursivePick<FederationTypes['Person'], {"id":true}>
    & ( Record<PropertyKey, never>
        | GraphQLRecursivePick<FederationTypes['Person'], {"email":true}> ) );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  ConnectSalesforceInput: ConnectSalesforceInput;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  ConnectSalesforcePayload: ResolverTypeWrapper<Omit<ConnectSalesforcePayload, 'connection'> & { connection?: Maybe<ResolversTypes['SalesforceConnection']> }>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DisconnectSalesforcePayload: ResolverTypeWrapper<DisconnectSalesforcePayload>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Person: ResolverTypeWrapper<PersonParent>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  SalesforceConnection: ResolverTypeWrapper<ConnectionView>;
  SalesforceConnectionStatus: SalesforceConnectionStatus;
  SalesforceContact: ResolverTypeWrapper<Contact>;
  SalesforceFieldValue: ResolverTypeWrapper<SalesforceFieldValue>;
  SalesforceUserError: ResolverTypeWrapper<SalesforceUserError>;
  SalesforceUserErrorCode: SalesforceUserErrorCode;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  ConnectSalesforceInput: ConnectSalesforceInput;
  String: Scalars['String']['output'];
  ConnectSalesforcePayload: Omit<ConnectSalesforcePayload, 'connection'> & { connection?: Maybe<ResolversParentTypes['SalesforceConnection']> };
  DateTime: Scalars['DateTime']['output'];
  DisconnectSalesforcePayload: DisconnectSalesforcePayload;
  Boolean: Scalars['Boolean']['output'];
  JSON: Scalars['JSON']['output'];
  Mutation: Record<PropertyKey, never>;
  Person: PersonParent;
  ID: Scalars['ID']['output'];
  Query: Record<PropertyKey, never>;
  SalesforceConnection: ConnectionView;
  SalesforceContact: Contact;
  SalesforceFieldValue: SalesforceFieldValue;
  SalesforceUserError: SalesforceUserError;
}>;

export type ConnectSalesforcePayloadResolvers<ContextType = Context, ParentType extends ResolversParentTypes['ConnectSalesforcePayload'] = ResolversParentTypes['ConnectSalesforcePayload']> = ResolversObject<{
  connection?: Resolver<Maybe<ResolversTypes['SalesforceConnection']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['SalesforceUserError']>, ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DisconnectSalesforcePayloadResolvers<ContextType = Context, ParentType extends ResolversParentTypes['DisconnectSalesforcePayload'] = ResolversParentTypes['DisconnectSalesforcePayload']> = ResolversObject<{
  disconnected?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['SalesforceUserError']>, ParentType, ContextType>;
}>;

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type MutationResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  connectSalesforce?: Resolver<ResolversTypes['ConnectSalesforcePayload'], ParentType, ContextType, RequireFields<MutationConnectSalesforceArgs, 'input'>>;
  disconnectSalesforce?: Resolver<ResolversTypes['DisconnectSalesforcePayload'], ParentType, ContextType>;
}>;

export type PersonResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Person'] = ResolversParentTypes['Person'], FederationReferenceType extends FederationReferenceTypes['Person'] = FederationReferenceTypes['Person']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Person']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  salesforceContact?: Resolver<Maybe<ResolversTypes['SalesforceContact']>, ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  salesforceConnection?: Resolver<Maybe<ResolversTypes['SalesforceConnection']>, ParentType, ContextType>;
}>;

export type SalesforceConnectionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SalesforceConnection'] = ResolversParentTypes['SalesforceConnection']> = ResolversObject<{
  apiVersion?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  connectedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  consumerKeyHint?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  contactFields?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  instanceUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  lastError?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  lastValidatedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['SalesforceConnectionStatus'], ParentType, ContextType>;
}>;

export type SalesforceContactResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SalesforceContact'] = ResolversParentTypes['SalesforceContact']> = ResolversObject<{
  accountId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  accountName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  customFields?: Resolver<Array<ResolversTypes['SalesforceFieldValue']>, ParentType, ContextType>;
  department?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  firstName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastModifiedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  lastName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  mobilePhone?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  phone?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  recordUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  title?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type SalesforceFieldValueResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SalesforceFieldValue'] = ResolversParentTypes['SalesforceFieldValue']> = ResolversObject<{
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
}>;

export type SalesforceUserErrorResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SalesforceUserError'] = ResolversParentTypes['SalesforceUserError']> = ResolversObject<{
  code?: Resolver<ResolversTypes['SalesforceUserErrorCode'], ParentType, ContextType>;
  field?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = Context> = ResolversObject<{
  ConnectSalesforcePayload?: ConnectSalesforcePayloadResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DisconnectSalesforcePayload?: DisconnectSalesforcePayloadResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  Person?: PersonResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  SalesforceConnection?: SalesforceConnectionResolvers<ContextType>;
  SalesforceContact?: SalesforceContactResolvers<ContextType>;
  SalesforceFieldValue?: SalesforceFieldValueResolvers<ContextType>;
  SalesforceUserError?: SalesforceUserErrorResolvers<ContextType>;
}>;

