// The stack's ports (DESIGN section 9) and small checks on them, so a busy port is reported as
// such before a server fails with a less helpful message.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface StackPorts {
  api: number;
  temporal: number;
  ui: number;
}

export const DEFAULT_PORTS: Readonly<StackPorts> = { api: 3000, temporal: 7233, ui: 8233 };

function portFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a port number from 1 to 65535, got "${raw}".`);
  }
  return port;
}

/** Ports from KEYSYNC_API_PORT, KEYSYNC_TEMPORAL_PORT and KEYSYNC_UI_PORT, else the defaults. */
export function stackPorts(env: NodeJS.ProcessEnv = process.env): StackPorts {
  return {
    api: portFromEnv(env, 'KEYSYNC_API_PORT', DEFAULT_PORTS.api),
    temporal: portFromEnv(env, 'KEYSYNC_TEMPORAL_PORT', DEFAULT_PORTS.temporal),
    ui: portFromEnv(env, 'KEYSYNC_UI_PORT', DEFAULT_PORTS.ui),
  };
}

/** True when nothing listens on host:port (checked by binding it for a moment). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Where freePort looks: from here up to the OS's ephemeral range. */
const LISTEN_PORTS_FROM = 20_000;
/** Ports freePort gave in this process: a caller may not bind one until it has asked for the next. */
const handedOut = new Set<number>();

/**
 * A port nothing listens on now, below the OS's ephemeral range (Linux:
 * /proc/sys/net/ipv4/ip_local_port_range, 32768 to 60999 by default). The OS takes every outgoing
 * connection's local port from that range, the one it also hands out for port 0: a port found free
 * there can be taken by any client socket before the server binds it (CI saw "Address already in
 * use"). Another server may still bind the port first; the caller's own bind then fails.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const ephemeralFrom = ephemeralRangeStart();
  if (ephemeralFrom > LISTEN_PORTS_FROM + 1000) {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const port = LISTEN_PORTS_FROM + Math.floor(Math.random() * (ephemeralFrom - LISTEN_PORTS_FROM));
      if (handedOut.has(port) || !(await isPortFree(port, host))) continue;
      handedOut.add(port);
      return port;
    }
  }
  return portTheOsGives(host);
}

/** The first port of the OS's ephemeral range (Linux's default where it cannot be read). */
export function ephemeralRangeStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 0 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

/** A port the OS says is free right now, from its ephemeral range. */
function portTheOsGives(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('the OS gave no free port'))));
    });
  });
}
