// The stack's ports (DESIGN section 9) and small checks on them, so a busy port is reported as
// such before a server fails with a less helpful message.
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

/** A port the OS says is free right now (another process may still take it before you do). */
export function freePort(host = '127.0.0.1'): Promise<number> {
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
