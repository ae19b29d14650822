/**
 * Email keys, Salesforce datetimes and the lookup's queries (notes §4: Email is compared case-insensitively and is
 * not unique; a query must fit the URI limit).
 */
import { SalesforceClient } from '../../src/salesforce/client';
import {
  chunkEmailsForQueries,
  CONTACT_FIELDS,
  findContactsByEmails,
  isPossibleEmail,
  normaliseEmail,
  parseSalesforceDateTime,
} from '../../src/salesforce/contacts';
import { DEFAULT_LOOKUP_LIMITS, LOOKUP_TOO_LARGE_CODE, type LookupLimitEvent, type LookupLimits, RECORDS_PER_EMAIL } from '../../src/salesforce/lookupLimits';
import { RequestSlots } from '../../src/salesforce/requestSlots';
import { fixedTokenSource } from '../../src/salesforce/tokens';
import { FakeHttp, fakeToken, jsonResponse } from './helpers';

describe('normaliseEmail', () => {
  it.each([
    ['jane@example.com', 'jane@example.com'],
    ['  Jane.Doe@Example.COM \t', 'jane.doe@example.com'],
    ['JOSÉ@EXÄMPLE.COM', 'josé@exämple.com'],
    ["O'Brien@X.com", "o'brien@x.com"],
  ])('%j → %j', (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
  });
});

describe('isPossibleEmail', () => {
  it.each([
    'jane@example.com',
    "o'brien@x.com",
    'a\\b@x.com',
    '100%_sure@x.com',
    'josé@exämple.com',
    '"quoted"@x.com',
    'first.last+tag@sub.example.co.uk',
    '用户@例子.公司',
  ])('%j is possible', (email) => {
    expect(isPossibleEmail(email)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['no @', 'jane.example.com'],
    ['nothing before @', '@x.com'],
    ['nothing after @', 'jane@'],
    ['an undotted domain', 'a@b'],
    ['a domain starting with a dot', 'a@.com'],
    ['a domain ending with a dot', 'a@x.'],
    ['a domain with an empty label', 'a@x..com'],
    ['a space inside', 'jane doe@x.com'],
    ['a space in the domain', 'jane@x .com'],
    ['a tab', 'jane\t@x.com'],
    ['a newline', 'jane@x.com\n'],
    ['a no-break space', 'jane\u00a0@x.com'],
    ['a line separator', 'jane\u2028@x.com'],
    ['NUL', 'ja\u0000ne@x.com'],
    ['BEL', 'ja\u0007ne@x.com'],
    ['ESC', 'ja\u001bne@x.com'],
    ['DEL', 'ja\u007fne@x.com'],
    ['a C1 control (U+0085 NEXT LINE)', 'ja\u0085ne@x.com'],
    ['a C1 control (U+009B CSI)', 'ja\u009bne@x.com'],
    ['a lone surrogate', 'ja\ud800ne@x.com'],
    ['longer than 254 characters', `${'a'.repeat(250)}@x.com`],
  ])('%s is impossible (%j)', (_what, email) => {
    expect(isPossibleEmail(email)).toBe(false);
  });
});

describe('parseSalesforceDateTime', () => {
  it.each([
    ['2024-05-01T10:00:00.000+0000', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00:00.000-0700', '2024-05-01T17:00:00.000Z'],
    ['2024-05-01T10:00:00.000+0530', '2024-05-01T04:30:00.000Z'],
    ['2024-05-01T10:00:00.000Z', '2024-05-01T10:00:00.000Z'],
  ])('%j → %s', (input, expected) => {
    expect(parseSalesforceDateTime(input)?.toISOString()).toBe(expected);
  });

  it.each([null, undefined, 1714557600000, '', 'yesterday', '2024-13-45T99:00:00.000+0000'])('%j → null', (input) => {
    expect(parseSalesforceDateTime(input)).toBeNull();
  });
});

describe('findContactsByEmails', () => {
  /** A fake org answering every query after `ms`, counting queries in flight; matches nothing unless told. */
  function slowOrg(ms: number, records: (url: string) => unknown[] = () => []) {
    const seen = { inFlight: 0, max: 0, queries: 0 };
    const http = new FakeHttp([], async (url) => {
      seen.queries += 1;
      seen.max = Math.max(seen.max, ++seen.inFlight);
      await new Promise((resolve) => setTimeout(resolve, ms));
      seen.inFlight -= 1;
      return jsonResponse(200, { totalSize: 0, done: true, records: records(url) });
    });
    return { http, seen };
  }

  function clientFor(http: FakeHttp, slots: RequestSlots): SalesforceClient {
    return new SalesforceClient(
      { tenantId: 't1', credentialsId: 'c1', instanceUrl: 'https://acme.my.salesforce.com', apiVersion: 'v60.0' },
      { http: http.asHttp(), tokens: fixedTokenSource(fakeToken('00Dxx!token')), slots },
    );
  }

  const selection = { standardFields: CONTACT_FIELDS, customFields: [], unavailableFields: [] };
  const emails = Array.from({ length: 1000 }, (_, i) => `person.number.${i}@example-company.com`);

  it('sends a lookup\'s queries together, as many at once as there are chunks within the bound', async () => {
    const { http, seen } = slowOrg(30);
    const client = clientFor(http, new RequestSlots({ perTenant: 10 }));
    const chunks = chunkEmailsForQueries(client, emails).length;
    expect(chunks).toBeGreaterThan(1);
    await findContactsByEmails(client, emails, selection);
    expect(seen.queries).toBe(chunks);
    expect(seen.max).toBe(chunks);
  });

  it('never has more queries in flight than the tenant\'s bound', async () => {
    const { http, seen } = slowOrg(20);
    const client = clientFor(http, new RequestSlots({ perTenant: 2 }));
    const many = Array.from({ length: 3000 }, (_, i) => `someone.${i}@example-company.com`);
    const chunks = chunkEmailsForQueries(client, many).length;
    expect(chunks).toBeGreaterThan(2);
    await findContactsByEmails(client, many, selection);
    expect(seen.queries).toBe(chunks);
    expect(seen.max).toBe(2);
  });

  it('merges every chunk\'s records by normalised email, most recently modified first', async () => {
    const record = (id: string, email: string, modified: string) => ({ attributes: { type: 'Contact' }, Id: id, Email: email, LastModifiedDate: modified });
    const { http, seen } = slowOrg(5, (url) => [
      ...(url.includes('person.number.0@') ? [record('003A', 'Person.Number.0@example-company.com', '2024-01-01T00:00:00.000+0000')] : []),
      ...(url.includes('person.number.999@')
        ? [record('003B', 'person.number.999@example-company.com', '2024-01-01T00:00:00.000+0000'), record('003C', 'PERSON.NUMBER.999@example-company.com', '2025-01-01T00:00:00.000+0000')]
        : []),
    ]);
    const found = await findContactsByEmails(clientFor(http, new RequestSlots({ perTenant: 4 })), emails, selection);
    expect(found.get('person.number.0@example-company.com')?.map((c) => c.id)).toEqual(['003A']);
    expect(found.get('person.number.999@example-company.com')?.map((c) => c.id)).toEqual(['003C', '003B']);
    expect(found.size).toBe(2);
    expect(seen.queries).toBeGreaterThan(1); // the two emails went in different queries
  });

  describe('limits', () => {
    const record = (id: number, email: string, day: number) => ({
      attributes: { type: 'Contact' },
      Id: `003${String(id).padStart(15, '0')}`,
      Email: email,
      LastModifiedDate: `2024-01-${String(day).padStart(2, '0')}T00:00:00.000+0000`,
    });

    function limitedClient(http: FakeHttp, limits: Partial<LookupLimits>, events: LookupLimitEvent[]): SalesforceClient {
      return new SalesforceClient(
        { tenantId: 't1', credentialsId: 'c1', instanceUrl: 'https://acme.my.salesforce.com', apiVersion: 'v60.0' },
        {
          http: http.asHttp(),
          tokens: fixedTokenSource(fakeToken('00Dxx!token')),
          lookupLimits: { ...DEFAULT_LOOKUP_LIMITS, ...limits, onLimit: (event) => events.push(event) },
        },
      );
    }

    it('keeps the most recently modified maxContactsPerEmail contacts of an email and reports how many were dropped', async () => {
      const http = new FakeHttp([], () =>
        jsonResponse(200, {
          totalSize: 8,
          done: true,
          records: [
            ...[3, 1, 5, 2, 4].map((day) => record(day, 'Shared@X.com', day)),
            ...[1, 2, 3].map((day) => record(10 + day, 'other@x.com', day)),
          ],
        }),
      );
      const events: LookupLimitEvent[] = [];
      const found = await findContactsByEmails(limitedClient(http, { maxContactsPerEmail: 3 }, events), ['shared@x.com', 'other@x.com'], selection);
      expect(found.get('shared@x.com')?.map((c) => c.lastModifiedAt?.getUTCDate())).toEqual([5, 4, 3]);
      expect(found.get('other@x.com')).toHaveLength(3);
      expect(events).toEqual([{ tenantId: 't1', reason: 'contacts_per_email', records: 2, emails: 1 }]);
      expect(JSON.stringify(events)).not.toContain('@');
    });

    it('fails a lookup that reads more records than it may, after reporting it once (counts, no emails)', async () => {
      let served = 0;
      const http = new FakeHttp([], () => {
        const records = Array.from({ length: 200 }, () => record(served++, 'flood@x.com', 1));
        return jsonResponse(200, { totalSize: 1e9, done: false, nextRecordsUrl: `/services/data/v60.0/query/01gxx0000002AbC-${served}`, records });
      });
      const events: LookupLimitEvent[] = [];
      const error = await findContactsByEmails(limitedClient(http, { maxRecords: 1000 }, events), ['flood@x.com'], selection).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'unavailable', errorCode: LOOKUP_TOO_LARGE_CODE });
      expect(http.gets).toHaveLength(6); // 1,200 records > 1,000: no seventh page
      expect(events).toEqual([{ tenantId: 't1', reason: 'lookup_records', records: 1200, bytes: expect.any(Number) }]);
    });

    it('lets a large batch read RECORDS_PER_EMAIL records per email when that is more than maxRecords', async () => {
      const many = Array.from({ length: 300 }, (_, i) => `p${i}@x.com`);
      const http = new FakeHttp([], (url) => {
        const asked = many.filter((email) => decodeURIComponent(url).includes(`'${email}'`));
        return jsonResponse(200, { totalSize: asked.length, done: true, records: asked.map((email, i) => record(i, email, 1)) });
      });
      const events: LookupLimitEvent[] = [];
      const found = await findContactsByEmails(limitedClient(http, { maxRecords: 100 }, events), many, selection);
      expect(found.size).toBe(300);
      expect(events).toEqual([]);
      // …and no more: 10 emails may read max(100, 50) records, and get 300.
      const few = many.slice(0, 10);
      const flooding = new FakeHttp([], () => jsonResponse(200, { totalSize: 300, done: true, records: many.map((email, i) => record(i, email, 1)) }));
      await expect(findContactsByEmails(limitedClient(flooding, { maxRecords: 100 }, events), few, selection)).rejects.toMatchObject({
        errorCode: LOOKUP_TOO_LARGE_CODE,
      });
    });

    it('shares one budget between the chunks of a lookup', async () => {
      const many = Array.from({ length: 1000 }, (_, i) => `person.number.${i}@example-company.com`);
      let served = 0;
      const http = new FakeHttp([], () => {
        const records = Array.from({ length: 2000 }, () => record(served++, 'person.number.1@example-company.com', 1));
        return jsonResponse(200, { totalSize: 2000, done: true, records });
      });
      const client = limitedClient(http, { maxRecords: 4000 }, []);
      const budget = Math.max(4000, many.length * RECORDS_PER_EMAIL);
      const chunks = chunkEmailsForQueries(client, many).length;
      // Each chunk alone is within the lookup's budget; together they are over it.
      expect(2000).toBeLessThan(budget);
      expect(chunks * 2000).toBeGreaterThan(budget);
      await expect(findContactsByEmails(client, many, selection)).rejects.toMatchObject({ errorCode: LOOKUP_TOO_LARGE_CODE });
    });
  });
});
