import { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import { PersonParent, ServedContact } from '../resolvers/Person';
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
  /** REST API version, as vNN.N (v60.0); 60, 60.0 and V60.0 are read as v60.0. Defaults to v60.0. */
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
  /**
   * Choose the extra Contact fields synced into SalesforceContact.customFields, by API name (Genfin_Tier__c, or a
   * standard field the core set lacks, such as Birthdate). Admins only. Every name is checked against the org's
   * Contact describe as the integration user sees it; on any problem nothing is saved. An empty list syncs no extra
   * fields.
   */
  setSalesforceContactFields: SetSalesforceContactFieldsPayload;
  /**
   * Re-check the stored credentials against Salesforce (token, API version, Contact readable) without changing
   * them, and record the outcome on the connection. Admins only.
   */
  testSalesforceConnection: SalesforceConnectionTestPayload;
};


export type MutationConnectSalesforceArgs = {
  input: ConnectSalesforceInput;
};


export type MutationSetSalesforceContactFieldsArgs = {
  fields: Array<Scalars['String']['input']>;
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
   * SALESFORCE_RATE_LIMITED, SALESFORCE_UNAVAILABLE or SALESFORCE_REQUEST_FAILED) when Salesforce could not be asked,
   * or SALESFORCE_CREDENTIALS_UNREADABLE when this service cannot decrypt the stored credentials (its ENCRYPTION_KEY
   * does not match the one they were sealed with; no Salesforce call is made), or SALESFORCE_CALLS_THROTTLED when
   * the tenant is over its rate of Salesforce calls (no call is made; ask again shortly), or
   * SALESFORCE_CONNECTION_CHANGED when an admin changed the tenant's connection while the lookup ran and asking
   * again under the new one could not complete within the request (ask again), or STORE_UNAVAILABLE when Genfin's
   * connection store could not be reached. When Salesforce could not answer but the contact was read within
   * CONTACT_STALE_IF_ERROR_MS, it is returned instead, with stale true and no error.
   */
  salesforceContact?: Maybe<SalesforceContact>;
  /**
   * Every Salesforce Contact sharing this person's email, most recently modified first (Contact Email is not unique),
   * up to SALESFORCE_MAX_CONTACTS_PER_EMAIL (default 50; the older rest are left out). salesforceContact is the first
   * of these; both come from the same lookup. Empty when there is none or the tenant has not connected Salesforce;
   * null with an error, like salesforceContact, when Salesforce could not be asked (nullable so that a Salesforce
   * failure never takes the person's other fields down with it).
   */
  salesforceContacts?: Maybe<Array<SalesforceContact>>;
};

export type Query = {
  __typename?: 'Query';
  /** The caller's tenant's Salesforce connection, or null when none is connected. Any member of the tenant may read it. */
  salesforceConnection?: Maybe<SalesforceConnection>;
  /**
   * The Contact fields the integration user can read, from the org's describe asked afresh: the choices for
   * setSalesforceContactFields (fields hidden by field-level security are not listed). Admins only. When the tenant
   * has no connection, or Salesforce cannot answer, the query fails with extensions.code set to the
   * SalesforceUserErrorCode that says why (NOT_CONNECTED, CONTACT_NOT_READABLE, SALESFORCE_UNREACHABLE, …) and a
   * message that says what to do.
   */
  salesforceContactFieldOptions: Array<SalesforceContactFieldOption>;
};

export type SalesforceAccount = {
  __typename?: 'SalesforceAccount';
  id: Scalars['ID']['output'];
  name?: Maybe<Scalars['String']['output']>;
};

/** Daily API requests used in the org's rolling 24-hour window, out of its limit. */
export type SalesforceApiUsage = {
  __typename?: 'SalesforceApiUsage';
  max: Scalars['Int']['output'];
  used: Scalars['Int']['output'];
};

export type SalesforceConnection = {
  __typename?: 'SalesforceConnection';
  /** The org's daily API usage from the latest Sforce-Limit-Info header this service saw; null before the first call. */
  apiUsage?: Maybe<SalesforceApiUsage>;
  apiVersion: Scalars['String']['output'];
  connectedAt?: Maybe<Scalars['DateTime']['output']>;
  /** At most the last 4 characters of the Consumer Key, masked (for example ••••3xYz). */
  consumerKeyHint: Scalars['String']['output'];
  /** The standard Contact fields fetched for each person (those the Run-As user can read). */
  contactFields: Array<Scalars['String']['output']>;
  /** The extra Contact fields the admin chose to sync, in order. */
  customFields: Array<SalesforceFieldDefinition>;
  instanceUrl: Scalars['String']['output'];
  /** The last Salesforce problem seen while serving lookups; null once lookups succeed again. */
  lastError?: Maybe<Scalars['String']['output']>;
  /** When the credentials were last proven against Salesforce (connect or testSalesforceConnection). */
  lastValidatedAt?: Maybe<Scalars['DateTime']['output']>;
  /** The Salesforce org id (00D…), from the access token. */
  orgId?: Maybe<Scalars['String']['output']>;
  status: SalesforceConnectionStatus;
};

export type SalesforceConnectionStatus =
  | 'CONNECTED'
  | 'ERROR';

export type SalesforceConnectionTestPayload = {
  __typename?: 'SalesforceConnectionTestPayload';
  /** The connection with its refreshed status; null when the tenant has none. */
  connection?: Maybe<SalesforceConnection>;
  /** What failed, if anything. Empty when the connection works. */
  userErrors: Array<SalesforceUserError>;
};

/** A Contact record in the tenant's Salesforce org (read-only). */
export type SalesforceContact = {
  __typename?: 'SalesforceContact';
  /** The contact's Account, or null when it has none (or the integration user cannot read it). */
  account?: Maybe<SalesforceAccount>;
  accountId?: Maybe<Scalars['ID']['output']>;
  accountName?: Maybe<Scalars['String']['output']>;
  /** The extra fields the tenant's admin chose to sync (setSalesforceContactFields), in the order they were set. */
  customFields: Array<SalesforceFieldValue>;
  department?: Maybe<Scalars['String']['output']>;
  email?: Maybe<Scalars['String']['output']>;
  /**
   * When this service read the contact from Salesforce (shared by every replica). An answer is reused for
   * CONTACT_CACHE_TTL_MS, then served while it is refreshed behind for CONTACT_STALE_WHILE_REVALIDATE_MS: with the
   * defaults, a contact served with stale false was read at most 5 minutes earlier. Show it as "as of …".
   */
  fetchedAt: Scalars['DateTime']['output'];
  firstName?: Maybe<Scalars['String']['output']>;
  /** The 18-character Salesforce record id (starts with 003). */
  id: Scalars['ID']['output'];
  lastModifiedAt?: Maybe<Scalars['DateTime']['output']>;
  lastName?: Maybe<Scalars['String']['output']>;
  mobilePhone?: Maybe<Scalars['String']['output']>;
  name?: Maybe<Scalars['String']['output']>;
  /** The Salesforce user who owns the contact, or null when the integration user cannot read it. */
  owner?: Maybe<SalesforceUser>;
  phone?: Maybe<Scalars['String']['output']>;
  /** The record's Lightning Experience page in the tenant's org. */
  recordUrl: Scalars['String']['output'];
  /**
   * True when Salesforce could not answer just now (unreachable, timing out, failing, paused by its daily limit or
   * Genfin's budget) and this is the last contact it gave, read within CONTACT_STALE_IF_ERROR_MS (fetchedAt says
   * when). Never served after Salesforce refused the tenant's credentials.
   */
  stale: Scalars['Boolean']['output'];
  title?: Maybe<Scalars['String']['output']>;
};

/** A Contact field an admin may choose to sync, as the integration user sees it. */
export type SalesforceContactFieldOption = {
  __typename?: 'SalesforceContactFieldOption';
  /** Whether it is among the fields synced now. */
  chosen: Scalars['Boolean']['output'];
  /** True for a custom field, false for a standard one. */
  custom: Scalars['Boolean']['output'];
  label: Scalars['String']['output'];
  /** The API name, for example Genfin_Tier__c. */
  name: Scalars['String']['output'];
  /** Why it cannot be synced, and what to choose instead; null when syncable is true. */
  notSyncableReason?: Maybe<Scalars['String']['output']>;
  /** Whether setSalesforceContactFields accepts it: compound (address, location) and base64 fields cannot be synced. */
  syncable: Scalars['Boolean']['output'];
  /** The Salesforce field type, for example string, picklist, currency, address. */
  type: Scalars['String']['output'];
};

export type SalesforceFieldDefinition = {
  __typename?: 'SalesforceFieldDefinition';
  /**
   * False when a lookup found the field gone (deleted, or hidden by field-level security): it is left out of
   * queries, and its value is null, until an admin sets the field list again.
   */
  available: Scalars['Boolean']['output'];
  label: Scalars['String']['output'];
  name: Scalars['String']['output'];
  type: Scalars['String']['output'];
};

/**
 * One synced field of a Contact: its API name, its label and type from the org's describe, and the value exactly as
 * Salesforce returned it (string, number, boolean or null; dates and datetimes as ISO 8601 strings). The value is
 * null, too, while the field is unavailable (see SalesforceConnection.customFields).
 */
export type SalesforceFieldValue = {
  __typename?: 'SalesforceFieldValue';
  label: Scalars['String']['output'];
  name: Scalars['String']['output'];
  /** The Salesforce field type, for example string, picklist, currency, boolean, date, datetime. */
  type: Scalars['String']['output'];
  value?: Maybe<Scalars['JSON']['output']>;
};

export type SalesforceUser = {
  __typename?: 'SalesforceUser';
  email?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  name?: Maybe<Scalars['String']['output']>;
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
  /** The Run-As user cannot read Contact or its Email field. */
  | 'CONTACT_NOT_READABLE'
  | 'DUPLICATE_FIELD'
  | 'INACTIVE_ORG'
  | 'INACTIVE_USER'
  | 'INVALID_API_VERSION'
  | 'INVALID_CLIENT_CREDENTIALS'
  /** Not a plain field API name (letters, digits, underscores), or a SOQL keyword. */
  | 'INVALID_FIELD_NAME'
  | 'INVALID_INPUT'
  | 'INVALID_INSTANCE_URL'
  /** The tenant has no Salesforce connection. */
  | 'NOT_CONNECTED'
  /**
   * This service cannot decrypt the stored credentials: its ENCRYPTION_KEY does not match the one they were sealed
   * with. An operator must restore the key (or add it to ENCRYPTION_KEY_PREVIOUS); reconnecting Salesforce also fixes it.
   */
  | 'SALESFORCE_CREDENTIALS_UNREADABLE'
  | 'SALESFORCE_ERROR'
  | 'SALESFORCE_RATE_LIMITED'
  | 'SALESFORCE_UNREACHABLE'
  | 'TOO_MANY_FIELDS'
  /** No such Contact field, or field-level security hides it from the Run-As user. */
  | 'UNKNOWN_FIELD'
  /** A compound (address, location) or base64 field, which cannot be synced as one value. */
  | 'UNSUPPORTED_FIELD_TYPE';

export type SetSalesforceContactFieldsPayload = {
  __typename?: 'SetSalesforceContactFieldsPayload';
  /** The updated connection; null when userErrors is not empty. */
  connection?: Maybe<SalesforceConnection>;
  userErrors: Array<SalesforceUserError>;
};

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
        | GraphQLRecursivePick<FederationTypes['Person'], {"email":true}>
        | GraphQLRecursivePick<FederationTypes['Person'], {"email":true}>
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
  SalesforceAccount: ResolverTypeWrapper<SalesforceAccount>;
  SalesforceApiUsage: ResolverTypeWrapper<SalesforceApiUsage>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  SalesforceConnection: ResolverTypeWrapper<ConnectionView>;
  SalesforceConnectionStatus: SalesforceConnectionStatus;
  SalesforceConnectionTestPayload: ResolverTypeWrapper<Omit<SalesforceConnectionTestPayload, 'connection'> & { connection?: Maybe<ResolversTypes['SalesforceConnection']> }>;
  SalesforceContact: ResolverTypeWrapper<ServedContact>;
  SalesforceContactFieldOption: ResolverTypeWrapper<SalesforceContactFieldOption>;
  SalesforceFieldDefinition: ResolverTypeWrapper<SalesforceFieldDefinition>;
  SalesforceFieldValue: ResolverTypeWrapper<SalesforceFieldValue>;
  SalesforceUser: ResolverTypeWrapper<SalesforceUser>;
  SalesforceUserError: ResolverTypeWrapper<SalesforceUserError>;
  SalesforceUserErrorCode: SalesforceUserErrorCode;
  SetSalesforceContactFieldsPayload: ResolverTypeWrapper<Omit<SetSalesforceContactFieldsPayload, 'connection'> & { connection?: Maybe<ResolversTypes['SalesforceConnection']> }>;
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
  SalesforceAccount: SalesforceAccount;
  SalesforceApiUsage: SalesforceApiUsage;
  Int: Scalars['Int']['output'];
  SalesforceConnection: ConnectionView;
  SalesforceConnectionTestPayload: Omit<SalesforceConnectionTestPayload, 'connection'> & { connection?: Maybe<ResolversParentTypes['SalesforceConnection']> };
  SalesforceContact: ServedContact;
  SalesforceContactFieldOption: SalesforceContactFieldOption;
  SalesforceFieldDefinition: SalesforceFieldDefinition;
  SalesforceFieldValue: SalesforceFieldValue;
  SalesforceUser: SalesforceUser;
  SalesforceUserError: SalesforceUserError;
  SetSalesforceContactFieldsPayload: Omit<SetSalesforceContactFieldsPayload, 'connection'> & { connection?: Maybe<ResolversParentTypes['SalesforceConnection']> };
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
  setSalesforceContactFields?: Resolver<ResolversTypes['SetSalesforceContactFieldsPayload'], ParentType, ContextType, RequireFields<MutationSetSalesforceContactFieldsArgs, 'fields'>>;
  testSalesforceConnection?: Resolver<ResolversTypes['SalesforceConnectionTestPayload'], ParentType, ContextType>;
}>;

export type PersonResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Person'] = ResolversParentTypes['Person'], FederationReferenceType extends FederationReferenceTypes['Person'] = FederationReferenceTypes['Person']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Person']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  salesforceContact?: Resolver<Maybe<ResolversTypes['SalesforceContact']>, ParentType, ContextType>;
  salesforceContacts?: Resolver<Maybe<Array<ResolversTypes['SalesforceContact']>>, ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  salesforceConnection?: Resolver<Maybe<ResolversTypes['SalesforceConnection']>, ParentType, ContextType>;
  salesforceContactFieldOptions?: Resolver<Array<ResolversTypes['SalesforceContactFieldOption']>, ParentType, ContextType>;
}>;

export type SalesforceAccountResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SalesforceAccount'] = ResolversParentTypes['SalesforceAccount']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type SalesforceApiUsageResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SalesforceApiUsage'] = ResolversParentTypes['SalesforceApiUsage']> = ResolversObject<{
  max?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  used?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type SalesforceConnectionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SalesforceConnection'] = ResolversParentTypes['SalesforceConnection']> = ResolversObject<{
  apiUsage?: Resolver<Maybe<ResolversTypes['SalesforceApiUsage']>, ParentType, ContextType>;
  apiVersion?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  connectedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  consumerKeyHint?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  contactFields?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  customFields?: Resolver<Array<ResolversTypes['SalesforceFieldDefinition']>, ParentType, ContextType>;
  instanceUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  lastError?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  lastValidatedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  orgId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['SalesforceConnectionStatus'], ParentType, ContextType>;
}>;

export type SalesforceConnectionTestPayloadResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SalesforceConnectionTestPayload'] = ResolversParentTypes['SalesforceConnectionTestPayload']> = ResolversObject<{
  connection?: Resolver<Maybe<ResolversTypes['SalesforceConnection']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['SalesforceUserError']>, ParentType, ContextType>;
}>;

export type SalesforceContactResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SalesforceContact'] = ResolversParentTypes['SalesforceContact']> = ResolversObject<{
  account?: Resolver<Maybe<ResolversTypes['SalesforceAccount']>, ParentType, ContextType>;
  accountId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  accountName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  customFields?: Resolver<Array<ResolversTypes['SalesforceFieldValue']>, ParentType, ContextType>;
  department?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  fetchedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  firstName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastModifiedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  lastName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  mobilePhone?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  owner?: Resolver<Maybe<ResolversTypes['SalesforceUser']>, ParentType, ContextType>;
  phone?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  recordUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  stale?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  title?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type SalesforceContactFieldOptionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SalesforceContactFieldOption'] = ResolversParentTypes['SalesforceContactFieldOption']> = ResolversObject<{
  chosen?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  custom?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  label?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  notSyncableReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  syncable?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type SalesforceFieldDefinitionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SalesforceFieldDefinition'] = ResolversParentTypes['SalesforceFieldDefinition']> = ResolversObject<{
  available?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  label?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type SalesforceFieldValueResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SalesforceFieldValue'] = ResolversParentTypes['SalesforceFieldValue']> = ResolversObject<{
  label?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
}>;

export type SalesforceUserResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SalesforceUser'] = ResolversParentTypes['SalesforceUser']> = ResolversObject<{
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type SalesforceUserErrorResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SalesforceUserError'] = ResolversParentTypes['SalesforceUserError']> = ResolversObject<{
  code?: Resolver<ResolversTypes['SalesforceUserErrorCode'], ParentType, ContextType>;
  field?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type SetSalesforceContactFieldsPayloadResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SetSalesforceContactFieldsPayload'] = ResolversParentTypes['SetSalesforceContactFieldsPayload']> = ResolversObject<{
  connection?: Resolver<Maybe<ResolversTypes['SalesforceConnection']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['SalesforceUserError']>, ParentType, ContextType>;
}>;

export type Resolvers<ContextType = Context> = ResolversObject<{
  ConnectSalesforcePayload?: ConnectSalesforcePayloadResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DisconnectSalesforcePayload?: DisconnectSalesforcePayloadResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  Person?: PersonResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  SalesforceAccount?: SalesforceAccountResolvers<ContextType>;
  SalesforceApiUsage?: SalesforceApiUsageResolvers<ContextType>;
  SalesforceConnection?: SalesforceConnectionResolvers<ContextType>;
  SalesforceConnectionTestPayload?: SalesforceConnectionTestPayloadResolvers<ContextType>;
  SalesforceContact?: SalesforceContactResolvers<ContextType>;
  SalesforceContactFieldOption?: SalesforceContactFieldOptionResolvers<ContextType>;
  SalesforceFieldDefinition?: SalesforceFieldDefinitionResolvers<ContextType>;
  SalesforceFieldValue?: SalesforceFieldValueResolvers<ContextType>;
  SalesforceUser?: SalesforceUserResolvers<ContextType>;
  SalesforceUserError?: SalesforceUserErrorResolvers<ContextType>;
  SetSalesforceContactFieldsPayload?: SetSalesforceContactFieldsPayloadResolvers<ContextType>;
}>;

