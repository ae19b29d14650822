import type { PersonResolvers } from '../__generated__/resolvers-types';
import { type Context, requireViewer } from '../context';
import { emailLimitExceeded, representationLimitExceeded, salesforceLookupError } from '../errors';
import { emailLookupKey } from '../loaders/contactLoader';
import type { ContactAnswer } from '../loaders/sharedContactLookups';
import type { Contact } from '../salesforce/contacts';

/** A contact as SalesforceContact resolves it: with when Salesforce gave it, and whether it stands in for a failure. */
export type ServedContact = Contact & { fetchedAt: Date; stale: boolean };

/** What the gateway sends us for a Person: its key and the `@requires` field. */
export interface PersonParent {
  id: string;
  email?: string | null;
}

export const Person: PersonResolvers = {
  /**
   * The gateway's representation, checked: past the request's bound the entity is an error of its own, and an
   * `email` that is not a string (a caller's mistake, or probing) is treated as absent, with a warning.
   * Synchronous on the way through (no promise per entity); the refusal is a rejection, not a throw, so that it
   * fails that entity alone and not the whole `_entities` list.
   */
  __resolveReference(reference: Record<string, unknown>, context) {
    if (!context.budget.takeRepresentation()) return Promise.reject(representationLimitExceeded(context.budget.limits.maxRepresentations));
    const { id, email } = reference;
    if (email !== undefined && email !== null && typeof email !== 'string') {
      context.logger.warn({ emailType: typeof email }, 'Person representation with a non-string email; treated as no email');
      return { id: id as string, email: null };
    }
    return { id: id as string, email: email as string | null | undefined };
  },

  salesforceContact: (person, _args, context) => lookUp(person, context, (answer) => served(answer, answer.contacts[0]), null),

  salesforceContacts: (person, _args, context) => lookUp(person, context, (answer) => answer.contacts.map((contact) => served(answer, contact)), []),
};

/**
 * The person's contacts as `serve` shapes them, from the lookup of every contact with the person's email (most
 * recently modified first; one shared lookup for both fields), or `none` when the person has no email a contact
 * could have. One promise per person on top of the loader's: a warm page of people is mostly this.
 */
function lookUp<T>(person: PersonParent, context: Context, serve: (answer: ContactAnswer) => T, none: T): T | Promise<T> {
  requireViewer(context);
  const key = emailLookupKey(person.email);
  if (key === null) return none;
  if (!context.budget.admitEmail(key)) throw emailLimitExceeded(context.budget.limits.maxEmails);
  return context.loaders
    .contactsByEmail()
    .load(key)
    .then(serve, (error: unknown) => {
      throw salesforceLookupError(error);
    });
}

/** A contact as served: with when Salesforce gave it, and whether it stands in for a failure. */
function served(answer: ContactAnswer, contact: Contact): ServedContact;
function served(answer: ContactAnswer, contact: Contact | undefined): ServedContact | null;
function served(answer: ContactAnswer, contact: Contact | undefined): ServedContact | null {
  return contact === undefined ? null : { ...contact, fetchedAt: answer.fetchedAt, stale: answer.stale };
}
