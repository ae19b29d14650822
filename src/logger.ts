/**
 * Structured JSON logs. Anything that could carry a credential is redacted by path, whatever logs it. A line written
 * while a traced request is served carries its trace_id and span_id (the active span's).
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { activeTraceIds } from './observability/tracing/spans';

export type { Logger };

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["router-authorization"]',
  'headers.authorization',
  'headers["router-authorization"]',
  'authorization',
  'accessToken',
  'access_token',
  'consumerSecret',
  'client_secret',
  'token',
  '*.accessToken',
  '*.consumerSecret',
  '*.token',
  'input.consumerSecret',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'genfin-salesforce-subgraph' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, mixin: activeTraceIds };
  return destination === undefined ? pino(options) : pino(options, destination);
}
