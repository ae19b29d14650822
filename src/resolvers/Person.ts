import type { PersonResolvers } from '../__generated__/resolvers-types';
import { requireViewer } from '../context';
import { salesforceLookupError } from '../errors';
import { emailLookupKey } from '../loaders/contactLoader';

/** What the gateway sends us for a Person: its key and the `@requires` field. */
export interface PersonParent {
  id: string;
  email?: string | null;
}

export const Person: PersonResolvers = {
  __resolveReference: (reference) => reference,

  async salesforceContact(person, _args, context) {
    requireViewer(context);
    const key = emailLookupKey(person.email);
    if (key === null) return null;
    try {
      const contacts = await context.loaders.contactsByEmail().load(key);
      return contacts[0] ?? null;
    } catch (error) {
      throw salesforceLookupError(error);
    }
  },
};
