import type { PersonResolvers } from '../__generated__/resolvers-types';
import { type Context, requireViewer } from '../context';
import { salesforceLookupError } from '../errors';
import { emailLookupKey } from '../loaders/contactLoader';
import type { Contact } from '../salesforce/contacts';

/** What the gateway sends us for a Person: its key and the `@requires` field. */
export interface PersonParent {
  id: string;
  email?: string | null;
}

export const Person: PersonResolvers = {
  __resolveReference: (reference) => reference,

  async salesforceContact(person, _args, context) {
    const contacts = await contactsFor(person, context);
    return contacts[0] ?? null;
  },

  salesforceContacts: (person, _args, context) => contactsFor(person, context),
};

/** Every contact with the person's email, most recently modified first: one shared lookup for both fields. */
async function contactsFor(person: PersonParent, context: Context): Promise<Contact[]> {
  requireViewer(context);
  const key = emailLookupKey(person.email);
  if (key === null) return [];
  try {
    return await context.loaders.contactsByEmail().load(key);
  } catch (error) {
    throw salesforceLookupError(error);
  }
}
