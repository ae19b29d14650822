/**
 * A strict Salesforce REST emulator, shared by the tests, the bench and the demo (`npm run demo`): a real HTTP
 * server (node:http, on 127.0.0.1) that speaks the wire contract in the project's Salesforce API notes — the Client
 * Credentials token endpoint, revoke, introspect, the API version list, Contact describe, limits, and the query /
 * queryMore resources over a set of stored Contacts, with Sforce-Limit-Info on every authenticated answer.
 *
 * It is deliberately NOT lenient: a client that sends a wrong request gets the error real Salesforce sends
 * (status code, JSON body, headers), so tests catch client bugs instead of hiding them.
 */
export type {
  EmulatorApp,
  EmulatorContact,
  EmulatorCounters,
  EmulatorFault,
  EmulatorFieldDefinition,
  EmulatorFieldType,
  EmulatorHold,
  EmulatorOptions,
  EmulatorRequestLog,
  FaultKind,
  QueryFlood,
  QueryFloodCounters,
} from './types';
export { SalesforceEmulator } from './emulator';
