/**
 * Stored credentials this service cannot decrypt (sealed under a key it no longer has) are our problem, not
 * Salesforce's: lookups answer SALESFORCE_CREDENTIALS_UNREADABLE without asking Salesforce for a token, the admin
 * sees it on the connection and from testSalesforceConnection, and reconnecting fixes it. Through a real gateway.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { CREDENTIALS_UNREADABLE_MESSAGE, credentialsAad } from '../../src/connections/credentials';
import { SQLITE_FILE_NAME } from '../../src/connections/openStore';
import { encryptionKeyFromBase64, generateEncryptionKey, SecretBox } from '../../src/connections/secretBox';
import { SqliteConnectionStore } from '../../src/connections/sqliteStore';
import { type Stack, STACK_CONSUMER_KEY, STACK_CONSUMER_SECRET, startStack } from '../support/stack';
import { matchingPeopleAndContacts } from './fixtures';
import { connectionRecord } from '../support/records';

const fixture = matchingPeopleAndContacts(3, 'unreadable');
const PERSON_QUERY = `query Person($id: ID!) { person(id: $id) { id email salesforceContact { id } } }`;
const CONNECTION_QUERY = `{ salesforceConnection { status lastError } }`;
const TEST_MUTATION = `mutation { testSalesforceConnection { connection { status lastError } userErrors { code field message } } }`;

interface PersonData {
  person: { id: string; email: string; salesforceContact: { id: string } | null } | null;
}

describe('stored credentials this service cannot decrypt', () => {
  let stack: Stack;
  const tenantId = `unreadable-${randomUUID()}`;

  beforeAll(async () => {
    stack = await startStack({
      emulator: { contacts: fixture.contacts },
      people: fixture.people,
      env: { CONTACT_CACHE_TTL_MS: '0', SALESFORCE_BREAKER_THRESHOLD: '2', SALESFORCE_TOKEN_REFUSAL_TTL_MS: '60000' },
    });
    // The tenant's row as a replica with another ENCRYPTION_KEY (since lost) would have saved it.
    const lostKey = encryptionKeyFromBase64(generateEncryptionKey());
    const sealed = new SecretBox({ current: lostKey, all: [lostKey] }).seal(
      JSON.stringify({ consumerKey: STACK_CONSUMER_KEY, consumerSecret: STACK_CONSUMER_SECRET }),
      credentialsAad(tenantId, stack.emulator.url),
    );
    const store = SqliteConnectionStore.open(path.join(stack.subgraph.dataDir, SQLITE_FILE_NAME));
    await store.upsert(
      connectionRecord({
        tenantId,
        instanceUrl: stack.emulator.url,
        apiVersion: 'v60.0',
        consumerKeyHint: '••••0001',
        sealedCredentials: sealed,
        contactFields: ['Id', 'Email', 'FirstName', 'LastName'],
      }),
    );
    await store.close();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  beforeEach(() => stack.emulator.resetCounters());

  const lookup = (i: number) => stack.asMember<PersonData>(tenantId, PERSON_QUERY, { id: fixture.people[i]!.id });

  it('answers SALESFORCE_CREDENTIALS_UNREADABLE without asking Salesforce, every time, and logs it once', async () => {
    // More lookups than the breaker threshold: neither the breaker nor the token refusal cache takes it for Salesforce's.
    for (const i of [0, 1, 2, 0]) {
      const response = await lookup(i);
      expect(response.data?.person).toEqual({ id: fixture.people[i]!.id, email: fixture.people[i]!.email, salesforceContact: null });
      expect(response.errors).toHaveLength(1);
      expect(response.errors?.[0]).toMatchObject({
        message: CREDENTIALS_UNREADABLE_MESSAGE,
        path: ['person', 'salesforceContact'],
        extensions: { code: 'SALESFORCE_CREDENTIALS_UNREADABLE' },
      });
    }
    expect(stack.emulator.counters.token).toBe(0);
    expect(stack.emulator.requests).toEqual([]);

    const errors = stack.subgraph
      .logs()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.level === 50 && line.tenantId === tenantId);
    expect(errors).toEqual([
      expect.objectContaining({ msg: 'Stored Salesforce credentials cannot be decrypted with ENCRYPTION_KEY or ENCRYPTION_KEY_PREVIOUS' }),
    ]);
    expect(stack.subgraph.logs()).not.toContain(STACK_CONSUMER_SECRET);
    expect(stack.subgraph.logs()).not.toContain('SALESFORCE_AUTH_FAILED');
  });

  it('shows on the connection, and testSalesforceConnection says the same', async () => {
    const connection = await stack.asMember<{ salesforceConnection: { status: string; lastError: string } }>(tenantId, CONNECTION_QUERY);
    expect(connection.data?.salesforceConnection).toEqual({ status: 'ERROR', lastError: CREDENTIALS_UNREADABLE_MESSAGE });

    const tested = await stack.asAdmin<{ testSalesforceConnection: { connection: unknown; userErrors: unknown[] } }>(tenantId, TEST_MUTATION);
    expect(tested.errors).toBeUndefined();
    expect(tested.data?.testSalesforceConnection).toEqual({
      connection: { status: 'ERROR', lastError: CREDENTIALS_UNREADABLE_MESSAGE },
      userErrors: [{ code: 'SALESFORCE_CREDENTIALS_UNREADABLE', field: null, message: CREDENTIALS_UNREADABLE_MESSAGE }],
    });
    expect(stack.emulator.counters.token).toBe(0);
  });

  it('is fixed by reconnecting', async () => {
    const connected = await stack.connect(tenantId);
    expect(connected.data?.connectSalesforce.userErrors).toEqual([]);
    const response = await lookup(1);
    expect(response.errors).toBeUndefined();
    expect(response.data?.person?.salesforceContact).not.toBeNull();
  });
});
