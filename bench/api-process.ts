// The bench's API, in its own process as `npm start` runs it (apps/api/main.js with KEYSYNC_CONFIG),
// so its memory is its own and status reads cross a real HTTP hop. One operator principal: its bearer
// token stays in this process; the API's configuration file holds only its digest.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeySyncConfig } from '../libs/config/types';
import { freePort } from '../libs/config/ports';
import { sha256Hex } from '../libs/digest';
import { startComponent } from '../apps/stack/component-process';
import { waitForHealth } from '../apps/stack/stack';

export interface BenchApi {
  url: string;
  pid: number;
  /** GET or POST with the operator's bearer token. */
  request(path: string, init?: { method?: 'GET' | 'POST'; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  stop(): Promise<void>;
}

export async function startBenchApi(dir: string, config: KeySyncConfig): Promise<BenchApi> {
  if (__filename.endsWith('.ts')) throw new Error('the bench starts the API from dist/: run it with `npm run bench`, which builds first');
  const token = randomBytes(24).toString('base64url');
  const configFile = join(dir, 'api-config.json');
  const withPrincipal: KeySyncConfig = { ...config, principals: [{ id: 'bench-operator', roles: ['operator'], tokenSha256: sha256Hex(token) }] };
  writeFileSync(configFile, JSON.stringify(withPrincipal, null, 2));
  const port = await freePort();
  const entry = join(__dirname, '..', 'apps', 'api', 'main.js');
  // Warnings and errors only, as for the worker: the figures stay readable; everything goes to api.log.
  const api = await startComponent('api', entry, [], { ...process.env, KEYSYNC_CONFIG: configFile, KEYSYNC_API_PORT: String(port), KEYSYNC_LOG_LEVEL: 'warn' }, join(dir, 'api.log'));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, api, 60_000);
  } catch (error) {
    await api.stop();
    throw error;
  }
  return {
    url,
    pid: api.pid,
    request: (path, init = {}) =>
      fetch(`${url}${path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      }),
    stop: async () => void (await api.stop()),
  };
}
