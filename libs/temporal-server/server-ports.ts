// Loopback ports for the Temporal server processes. Membership ports end up in a PostgreSQL
// smallint column (cluster_membership.rpc_port), so they must be below 32768: the OS's ephemeral
// ports (a "free port" from bind(0)) are above that. Ports are taken upward from a base instead,
// skipping any in use.
import { isPortFree } from '../config/ports';
import { SERVER_PORT_NAMES } from './server-config';
import type { ServerPorts } from './server-config';

export const DEFAULT_TEMPORAL_PORT_BASE = 17_233;

/** `count` distinct free loopback ports, from `base` upward, below 32768. */
export async function freePortsFrom(base: number, count: number, taken: ReadonlySet<number> = new Set()): Promise<number[]> {
  const found: number[] = [];
  for (let port = base; found.length < count; port++) {
    if (port >= 32_768) throw new Error(`No ${count} free loopback ports between ${base} and 32767 for the Temporal server.`);
    if (!taken.has(port) && (await isPortFree(port))) found.push(port);
  }
  return found;
}

/** One set of ports per server process. */
export async function allocateServerPorts(processes: number, base = DEFAULT_TEMPORAL_PORT_BASE, taken: ReadonlySet<number> = new Set()): Promise<ServerPorts[]> {
  const ports = await freePortsFrom(base, processes * SERVER_PORT_NAMES.length, taken);
  return Array.from({ length: processes }, (_, index) =>
    Object.fromEntries(SERVER_PORT_NAMES.map((name, offset) => [name, ports[index * SERVER_PORT_NAMES.length + offset]])) as unknown as ServerPorts,
  );
}
