/**
 * The choices an admin has for the synced Contact fields: every field the Run-As user can read (describe leaves
 * out what field-level security hides), whether setSalesforceContactFields would accept it, and whether it is
 * synced now. The same rules as contactFieldsInput.ts, so the picker never offers what the mutation refuses.
 */
import type { ContactDescribe } from '../salesforce/describe';
import { syncReason } from './contactFieldsInput';
import type { ContactFieldDefinition } from './types';

export interface ContactFieldOption {
  name: string;
  label: string;
  type: string;
  custom: boolean;
  syncable: boolean;
  /** Why it cannot be synced; null when it can. */
  notSyncableReason: string | null;
  /** Among the fields synced now. */
  chosen: boolean;
}

/** In describe's order, which is the order Salesforce lists them in Setup. */
export function contactFieldOptions(describe: ContactDescribe, chosen: readonly ContactFieldDefinition[]): ContactFieldOption[] {
  const chosenNames = new Set(chosen.map((field) => field.name.toLowerCase()));
  return [...describe.fields.values()].map((field) => {
    const reason = syncReason(field);
    return {
      name: field.name,
      label: field.label,
      type: field.type,
      custom: field.custom,
      syncable: reason === null,
      notSyncableReason: reason,
      chosen: chosenNames.has(field.name.toLowerCase()),
    };
  });
}
