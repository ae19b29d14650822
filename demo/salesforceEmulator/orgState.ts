/**
 * The emulated org's state: its connected apps, stored contacts and declared Contact fields (hence its Contact
 * schema), API versions, page size, ids, API limit and usage, session timeout, field-level security and Contact
 * access. Seeded from EmulatorOptions; the emulator's test controls change it between requests.
 */
import { ContactSchema, declaredField, type FieldDef } from './contactSchema';
import { normaliseVersion } from './ids';
import type { EmulatorApp, EmulatorContact, EmulatorFieldDefinition, EmulatorOptions } from './types';

const DEFAULT_VERSIONS = ['58.0', '59.0', '60.0', '61.0', '62.0'];
const DEFAULT_PAGE_SIZE = 2000;
const DEFAULT_ORG_ID = '00D5e000000AbCdEAF';
const DEFAULT_USER_ID = '0055e000001XyZwAAK';
const DEFAULT_API_USAGE_MAX = 100_000;
const DEFAULT_SESSION_TIMEOUT_MS = 2 * 60 * 60 * 1000;

export class OrgState {
  readonly apps = new Map<string, EmulatorApp>();
  contacts: EmulatorContact[];
  readonly versions: string[];
  readonly retiredVersions: Set<string>;
  pageSize: number;
  readonly orgId: string;
  readonly userId: string;
  readonly apiUsageMax: number;
  readonly sessionTimeoutMs: number;
  readonly loginHost: boolean;
  hiddenFields: Set<string>;
  /** Declared Contact fields by lower-cased API name. */
  readonly declaredFields = new Map<string, FieldDef>();
  contactReadable: boolean;
  apiUsage = 0;

  constructor(options: EmulatorOptions) {
    for (const app of options.apps ?? []) this.addApp(app);
    this.contacts = [...(options.contacts ?? [])];
    this.versions = (options.versions ?? DEFAULT_VERSIONS).map(normaliseVersion);
    this.retiredVersions = new Set((options.retiredVersions ?? []).map(normaliseVersion));
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.orgId = options.orgId ?? DEFAULT_ORG_ID;
    this.userId = options.userId ?? DEFAULT_USER_ID;
    this.apiUsageMax = options.apiUsageMax ?? DEFAULT_API_USAGE_MAX;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    this.loginHost = options.loginHost ?? false;
    this.hiddenFields = new Set((options.hiddenFields ?? []).map((name) => name.toLowerCase()));
    this.contactReadable = options.contactReadable ?? true;
    this.defineFields(options.fields ?? []);
  }

  addApp(app: EmulatorApp): void {
    this.apps.set(app.consumerKey, { ...app });
  }

  defineFields(definitions: EmulatorFieldDefinition[]): void {
    for (const definition of definitions) this.declaredFields.set(definition.name.toLowerCase(), declaredField(definition));
  }

  schema(): ContactSchema {
    return new ContactSchema(this.contacts, this.hiddenFields, this.declaredFields.values());
  }
}
