/**
 * OpenTelemetry's Node SDK, configured the standard way: by the `OTEL_*` variables (endpoint, protocol, headers,
 * service name and resource attributes, sampler, batch delays, propagators, `OTEL_SDK_DISABLED`). Only traces are
 * exported: metrics stay on /metrics (Prometheus) and logs on stdout.
 *
 * Tracing is on when an OTLP endpoint is given (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
 * or `OTEL_TRACES_EXPORTER` names an exporter, and neither `OTEL_SDK_DISABLED=true` nor `OTEL_TRACES_EXPORTER=none`
 * says otherwise. Off, the SDK is never loaded: the code's spans are the API's no-ops.
 *
 * No automatic instrumentation is registered: the spans this service makes (see README "Tracing") are made by its
 * own code, which knows what may be recorded (no email, no SOQL literal, no secret) and what may not.
 */
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { tracingStarted } from './spans';

export interface Tracing {
  /** Export what is still buffered, then stop (bounded by the exporter's own timeout). */
  shutdown(): Promise<void>;
}

/** The SERVICE_NAME resource attribute when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES gives one. */
export const DEFAULT_SERVICE_NAME = 'genfin-salesforce-subgraph';

const PROTOCOLS = new Set(['http/protobuf', 'http/json', 'grpc']);

/** A tracing variable that cannot work: the process refuses to start instead of running untraced unnoticed. */
export class TracingConfigError extends Error {}

/** Whether the environment asks for traces to be exported. */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (isTrue(env.OTEL_SDK_DISABLED)) return false;
  const exporters = listOf(env.OTEL_TRACES_EXPORTER);
  if (exporters.includes('none')) return false;
  if (exporters.length > 0) return true;
  return nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT) || nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Starts the SDK when the environment asks for it; null otherwise (nothing loaded). Throws TracingConfigError for a
 * protocol the SDK does not speak (it would otherwise fall back silently).
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): Tracing | null {
  if (!tracingRequested(env)) return null;
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (nonEmpty(protocol) && !PROTOCOLS.has(protocol.trim())) {
    throw new TracingConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL: expected one of ${[...PROTOCOLS].join(', ')}, got ${JSON.stringify(protocol)}`);
  }
  // Loaded here, and only here: a process without tracing never pays for the SDK and its exporters.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { resources } = sdk;
  const node: NodeSDK = new sdk.NodeSDK({
    // Below the detectors: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the env detector) win over it.
    resource: resources.defaultResource().merge(resources.resourceFromAttributes({ 'service.name': DEFAULT_SERVICE_NAME })),
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  node.start();
  tracingStarted();
  return {
    shutdown: () => node.shutdown(),
  };
}

function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}
