/**
 * The demo's Salesforce org and Genfin people: generated from a fixed seed, so every run (and every test) sees the
 * same data. The org has owners, accounts and a few hundred contacts, among them duplicate emails (two contacts
 * sharing one address), emails stored in mixed case and contacts without an email, plus custom fields: a picklist
 * tier, a currency, a flag, a date, a base64 photo (which cannot be synced) and a credit score hidden from the
 * integration user by field-level security.
 */
import type { PersonRecord } from './peopleSubgraph';
import type { EmulatorApp, EmulatorContact, EmulatorFieldDefinition, EmulatorOptions } from './salesforceEmulator';
import { pick, seededRandom } from './seededRandom';

/** The External Client App the demo tenants connect with (shown to the user for connecting `acme`). */
export const DEMO_APP: Required<Pick<EmulatorApp, 'consumerKey' | 'consumerSecret'>> = {
  consumerKey: '3MVG9GenfinDemoSandboxAppKey.Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90Uv12Wx34Yz56',
  consumerSecret: '7F3A9C21D4E86B5F0A1C2E3D4B5A69788C7D6E5F4A3B2C1D0E9F8A7B6C5D4E3F',
};

export const DEMO_API_VERSION = 'v60.0';
export const DEMO_ORG_ID = '00D5e00000GenFiEAA';
export const DEMO_DAILY_API_MAX = 15_000;
/** Requests the org has already used today when the demo starts (the admin page shows it as a bar). */
export const DEMO_DAILY_API_USED = 1_250;

export const TIERS = ['Platinum', 'Gold', 'Silver', 'Bronze'] as const;

export const DEMO_FIELDS: EmulatorFieldDefinition[] = [
  { name: 'Genfin_Tier__c', type: 'picklist', label: 'Genfin Tier', picklistValues: [...TIERS] },
  { name: 'Annual_Revenue__c', type: 'currency', label: 'Annual Revenue' },
  { name: 'Is_Key_Contact__c', type: 'boolean', label: 'Key Contact' },
  { name: 'Renewal_Date__c', type: 'date', label: 'Renewal Date' },
  { name: 'Preferred_Channel__c', type: 'picklist', label: 'Preferred Channel', picklistValues: ['Email', 'Phone', 'In person'] },
  { name: 'Badge_Photo__c', type: 'base64', label: 'Badge Photo' },
  { name: 'Credit_Score__c', type: 'double', label: 'Credit Score' },
];

/** Hidden by field-level security: describe leaves it out and a query naming it fails with INVALID_FIELD. */
export const DEMO_HIDDEN_FIELDS = ['Credit_Score__c'];

const CONTACT_COUNT = 320;
const PEOPLE_IN_ORG = 30;
const PEOPLE_NOT_IN_ORG = 10;

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Katherine', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Ken', 'Frances', 'Edsger',
  'Radia', 'Donald', 'Sophie', 'Tim', 'Hedy', 'Guido', 'Shafi', 'John', 'Lynn', 'Niklaus', 'Adele', 'Bjarne', 'Mary',
  'Vint', 'Joan', 'Leslie', 'Anita', 'Yukihiro', 'Evelyn'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Johnson', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov', 'Thompson', 'Allen',
  'Dijkstra', 'Perlman', 'Knuth', 'Wilson', 'Berners-Lee', 'Lamarr', 'van Rossum', 'Goldwasser', 'McCarthy', 'Conway',
  'Wirth', 'Goldberg', 'Stroustrup', 'Keller', 'Cerf', 'Clarke', 'Lamport', 'Borg', 'Matsumoto', 'Boyd'];
const ACCOUNTS = ['Analytical Engines Ltd', 'Harvard Mark Systems', 'Bletchley Analytics', 'Langley Flight Sciences',
  'Helsinki Kernel Works', 'Apollo Guidance Co', 'Bell Labs Partners', 'Kestrel Capital', 'Northwind Traders',
  'Contoso Pharmaceuticals', 'Fabrikam Insurance', 'Tailspin Toys'];
const OWNERS = [
  { id: '0055e00000Own0AAAA', name: 'Priya Raman', email: 'priya.raman@genfin-demo.example' },
  { id: '0055e00000Own0BAAA', name: 'Marcus Webb', email: 'marcus.webb@genfin-demo.example' },
  { id: '0055e00000Own0CAAA', name: 'Elena Sokolova', email: 'elena.sokolova@genfin-demo.example' },
  { id: '0055e00000Own0DAAA', name: 'Tomás Herrera', email: 'tomas.herrera@genfin-demo.example' },
  { id: '0055e00000Own0EAAA', name: 'Aiko Tanaka', email: 'aiko.tanaka@genfin-demo.example' },
];
const TITLES = ['CFO', 'Head of Finance', 'Controller', 'Treasury Manager', 'VP Operations', 'Procurement Lead', 'CEO', null];
const DEPARTMENTS = ['Finance', 'Operations', 'Executive', 'Procurement', null];


/** An 18-character Salesforce-style id: key prefix, zero-padded number, fixed suffix. */
function recordId(prefix: string, n: number): string {
  return `${prefix}5e00000${String(n).padStart(5, '0')}AAA`;
}

function accountDomain(account: string): string {
  return `${account.toLowerCase().replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '')}.example`;
}

function emailOf(first: string, last: string, account: string): string {
  return `${first}.${last.replace(/[^A-Za-z]/g, '')}@${accountDomain(account)}`.toLowerCase();
}

/** How a person might type an address: a capital at the start of each part (`Ada.Lovelace@Bletchley-analytics.Example`). */
function mixedCase(email: string): string {
  return email.replace(/(^|[.@])([a-z])/g, (_, separator: string, letter: string) => separator + letter.toUpperCase());
}

function lastModified(random: () => number): string {
  const day = new Date(Date.UTC(2025, 0, 1) + Math.floor(random() * 300) * 86_400_000 + Math.floor(random() * 86_400) * 1000);
  return day.toISOString().replace('Z', '+0000');
}

/** One contact per (first, last) pair, spread over the accounts and owners, with the custom fields filled in. */
function generateContacts(): EmulatorContact[] {
  const random = seededRandom(20_240_601);
  const contacts: EmulatorContact[] = [];
  for (let i = 0; i < CONTACT_COUNT; i++) {
    const first = FIRST_NAMES[i % FIRST_NAMES.length] as string;
    const last = LAST_NAMES[(i * 7 + Math.floor(i / LAST_NAMES.length)) % LAST_NAMES.length] as string;
    const accountIndex = i % ACCOUNTS.length;
    const account = ACCOUNTS[accountIndex] as string;
    const owner = OWNERS[i % OWNERS.length] as (typeof OWNERS)[number];
    const email = emailOf(first, last, account);
    contacts.push({
      Id: recordId('003', i + 1),
      FirstName: first,
      LastName: last,
      // Every 9th contact's address is stored as a person typed it; every 25th has none.
      Email: i % 25 === 24 ? null : i % 9 === 0 ? mixedCase(email) : email,
      Title: pick(random, TITLES),
      Phone: `+1 415 555 ${String(1000 + i).slice(-4)}`,
      MobilePhone: i % 3 === 0 ? `+1 628 555 ${String(2000 + i).slice(-4)}` : null,
      Department: pick(random, DEPARTMENTS),
      AccountId: recordId('001', accountIndex + 1),
      AccountName: account,
      OwnerId: owner.id,
      OwnerName: owner.name,
      OwnerEmail: owner.email,
      MailingStreet: `${100 + i} Market Street`,
      MailingCity: pick(random, ['San Francisco', 'London', 'Berlin', 'Toronto', 'Singapore']),
      MailingPostalCode: String(10_000 + i * 37).slice(0, 5),
      LastModifiedDate: lastModified(random),
      Genfin_Tier__c: pick(random, TIERS),
      Annual_Revenue__c: Math.round(random() * 500_000_000) / 100,
      Is_Key_Contact__c: random() < 0.3,
      Renewal_Date__c: `2026-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`,
      Preferred_Channel__c: pick(random, ['Email', 'Phone', 'In person']),
      Credit_Score__c: Math.round(300 + random() * 550),
    });
  }
  return contacts;
}

/** A second contact for some addresses (the same person entered twice), modified earlier than the first. */
function duplicatesOf(contacts: readonly EmulatorContact[]): EmulatorContact[] {
  return contacts
    .filter((contact, i) => i % 40 === 3 && contact.Email !== null)
    .map((contact, n) => ({
      ...contact,
      Id: recordId('003', CONTACT_COUNT + n + 1),
      Title: 'Former contact',
      Email: String(contact.Email).toUpperCase(),
      LastModifiedDate: '2023-03-14T09:26:53.000+0000',
      Genfin_Tier__c: 'Bronze',
    }));
}

export const DEMO_CONTACTS: EmulatorContact[] = (() => {
  const contacts = generateContacts();
  return [...contacts, ...duplicatesOf(contacts)];
})();

/** Everything the emulator needs to be the demo's org. */
export function demoOrg(): EmulatorOptions {
  return {
    apps: [{ ...DEMO_APP }],
    contacts: DEMO_CONTACTS,
    fields: DEMO_FIELDS,
    hiddenFields: DEMO_HIDDEN_FIELDS,
    orgId: DEMO_ORG_ID,
    apiUsageMax: DEMO_DAILY_API_MAX,
  };
}

/**
 * Genfin's people: the first ones are contacts of the org (their email typed with other capitals now and then),
 * the rest are not in the org at all.
 */
export const DEMO_PEOPLE: PersonRecord[] = (() => {
  const withEmail = DEMO_CONTACTS.filter((contact) => contact.Email !== null);
  const inOrg = Array.from({ length: PEOPLE_IN_ORG }, (_, i) => withEmail[i * 7] as EmulatorContact).map((contact, i) => ({
    id: `person-${i + 1}`,
    name: `${contact.FirstName} ${contact.LastName}`,
    email: i % 4 === 1 ? String(contact.Email).toUpperCase() : String(contact.Email).toLowerCase(),
  }));
  const outside = Array.from({ length: PEOPLE_NOT_IN_ORG }, (_, i) => ({
    id: `person-${PEOPLE_IN_ORG + i + 1}`,
    name: `${FIRST_NAMES[(i * 3 + 1) % FIRST_NAMES.length]} Newcomer`,
    email: `newcomer.${i + 1}@not-in-salesforce.example`,
  }));
  // Interleaved, so the first page of people shows both kinds.
  return inOrg.flatMap((person, i) => (i % 3 === 2 && outside[Math.floor(i / 3)] ? [person, outside[Math.floor(i / 3)] as PersonRecord] : [person]));
})();
