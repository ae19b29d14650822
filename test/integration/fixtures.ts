/** People and contacts for the gateway tests: a person's email and the contact that should come back for it. */
import type { EmulatorContact } from '../../demo/salesforceEmulator';
import type { PersonRecord } from '../../demo/peopleSubgraph';

export function contactId(n: number): string {
  return `003${String(n).padStart(12, '0')}AAA`;
}

export function accountId(n: number): string {
  return `001${String(n).padStart(12, '0')}AAA`;
}

/** `count` people, each with a matching contact (person i ↔ contact i, same email up to case). */
export function matchingPeopleAndContacts(count: number, prefix = 'person'): { people: PersonRecord[]; contacts: EmulatorContact[] } {
  const people: PersonRecord[] = [];
  const contacts: EmulatorContact[] = [];
  for (let i = 0; i < count; i++) {
    const email = `${prefix}.${i}@example.com`;
    people.push({ id: `p-${prefix}-${i}`, email: i % 7 === 0 ? email.toUpperCase() : email, name: `Person ${i}` });
    contacts.push({
      Id: contactId(i),
      Email: email,
      FirstName: `First${i}`,
      LastName: `Last${i}`,
      Title: i % 2 === 0 ? 'Engineer' : null,
      Phone: `+1 555 ${String(i).padStart(4, '0')}`,
      Department: 'R&D',
      AccountId: accountId(i % 10),
      AccountName: `Account ${i % 10}`,
      LastModifiedDate: '2024-05-01T10:00:00.000+0000',
    });
  }
  return { people, contacts };
}

/** Emails that break naive SOQL building or naive matching, each with its own contact. */
export const TRICKY_EMAILS = [
  "o'brien@example.com",
  'back\\slash@example.com',
  'trailing\\@example.com',
  '100%_off@example.com',
  'under_score@example.com',
  'josé.müller@exämple.com',
  'MiXeD.CaSe@Example.COM',
  '"quoted"@example.com',
  "it's\\'tricky@example.com",
  'unicode.日本@example.jp',
] as const;
