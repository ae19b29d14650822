/** Domain records for unit and store tests: a stored connection and a Contact, with overridable defaults. */
import { randomUUID } from 'node:crypto';
import type { ConnectionRecord } from '../../src/connections/types';
import type { Contact } from '../../src/salesforce/contacts';

/** A connected tenant's row as the stores keep it; every call gets a new tenant and credentials id. */
export function connectionRecord(overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  const now = new Date('2024-05-01T10:00:00.000Z');
  return {
    tenantId: `tenant-${randomUUID()}`,
    instanceUrl: 'https://acme.my.salesforce.com',
    apiVersion: 'v61.0',
    consumerKeyHint: '••••3xYz',
    sealedCredentials: 'v1.0123456789abcdef.iv.tag.ct',
    credentialsId: randomUUID(),
    orgId: null,
    contactFields: ['Email'],
    customFields: [],
    unavailableFields: [],
    status: 'CONNECTED',
    lastError: null,
    connectedAt: now,
    lastValidatedAt: now,
    updatedAt: now,
    ...overrides,
  };
}

/** A Contact with only its id, email and record URL set. */
export function contact(email: string, overrides: Partial<Contact> = {}): Contact {
  const id = overrides.id ?? `003-${email}`;
  return {
    id,
    email,
    firstName: null,
    lastName: null,
    name: null,
    title: null,
    phone: null,
    mobilePhone: null,
    department: null,
    accountId: null,
    accountName: null,
    account: null,
    owner: null,
    lastModifiedAt: null,
    recordUrl: `https://acme.lightning.force.com/lightning/r/Contact/${id}/view`,
    customFields: [],
    ...overrides,
  };
}
