/**
 * The demo's ports: fixed by default so the printed URLs stay the same from run to run, each overridable by its
 * own environment variable; a port that is taken is reported by the variable that moves it.
 */
import { createServer } from 'node:net';

export type DemoService = 'gateway' | 'subgraph' | 'people' | 'salesforce';

export type DemoPorts = Record<DemoService, number>;

export const DEFAULT_PORTS: Readonly<DemoPorts> = { gateway: 4000, subgraph: 4001, people: 4002, salesforce: 4003 };

export const PORT_VARIABLES: Readonly<Record<DemoService, string>> = {
  gateway: 'DEMO_GATEWAY_PORT',
  subgraph: 'DEMO_SUBGRAPH_PORT',
  people: 'DEMO_PEOPLE_PORT',
  salesforce: 'DEMO_SALESFORCE_PORT',
};

const SERVICE_NAMES: Readonly<Record<DemoService, string>> = {
  gateway: 'the gateway',
  subgraph: 'the Salesforce subgraph',
  people: 'the people subgraph',
  salesforce: 'the Salesforce emulator',
};

const SERVICES = Object.keys(DEFAULT_PORTS) as DemoService[];

/** A port variable that is not a port, or two services on one port. */
export class DemoPortsError extends Error {
  override readonly name = 'DemoPortsError';
}

/** Ports are bound on 127.0.0.1 and taken: says which, and which variable moves each. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';

  constructor(readonly taken: Array<{ service: DemoService; port: number }>) {
    super(
      taken
        .map(({ service, port }) => `Port ${port} (${PORT_VARIABLES[service]}, ${SERVICE_NAMES[service]}) is already in use.`)
        .concat(`Stop what uses ${taken.length > 1 ? 'them' : 'it'}, or choose free ports, for example: ${taken.map(({ service }) => `${PORT_VARIABLES[service]}=${5000 + SERVICES.indexOf(service)}`).join(' ')} npm run demo`)
        .join('\n'),
    );
  }
}

/** Each port from its variable (1–65535; 0 picks any free port), else the default. */
export function demoPorts(env: Record<string, string | undefined>): DemoPorts {
  const problems: string[] = [];
  const ports = Object.fromEntries(
    SERVICES.map((service) => {
      const variable = PORT_VARIABLES[service];
      const raw = env[variable]?.trim();
      if (raw === undefined || raw === '') return [service, DEFAULT_PORTS[service]];
      const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
      if (!(port >= 0 && port <= 65535)) problems.push(`${variable} must be a port number from 0 to 65535 (0: any free port), got "${raw.slice(0, 20)}"`);
      return [service, port];
    }),
  ) as DemoPorts;
  const fixed = SERVICES.filter((service) => ports[service] !== 0);
  for (const [i, service] of fixed.entries()) {
    const clash = fixed.slice(i + 1).find((other) => ports[other] === ports[service]);
    if (clash !== undefined) problems.push(`${PORT_VARIABLES[service]} and ${PORT_VARIABLES[clash]} are both ${ports[service]}; give each its own port`);
  }
  if (problems.length > 0) throw new DemoPortsError(problems.join('\n'));
  return ports;
}

/** Rejects with PortInUseError naming every fixed port that cannot be bound on 127.0.0.1 now. */
export async function checkPortsFree(ports: DemoPorts): Promise<void> {
  const taken: Array<{ service: DemoService; port: number }> = [];
  for (const service of SERVICES) {
    if (ports[service] !== 0 && !(await canListen(ports[service]))) taken.push({ service, port: ports[service] });
  }
  if (taken.length > 0) throw new PortInUseError(taken);
}

/** The error a server's listen gives for a taken port. */
export function isAddressInUse(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EADDRINUSE';
}

/** Starts a service on its port; a port taken meanwhile (after checkPortsFree) becomes a PortInUseError too. */
export async function onPort<T>(service: DemoService, ports: DemoPorts, start: (port: number) => Promise<T>): Promise<T> {
  try {
    return await start(ports[service]);
  } catch (error) {
    if (isAddressInUse(error)) throw new PortInUseError([{ service, port: ports[service] }]);
    throw error;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
