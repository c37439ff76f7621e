// The API as the stack runs it: `node dist/apps/api/main.js` with KEYSYNC_CONFIG and
// KEYSYNC_API_PORT, answering over HTTP, and stopping cleanly on SIGTERM.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../libs/config/ports';
import { sha256Hex } from '../../libs/digest';
import { runApi } from '../support/api-process';
import { testTemporalAddress } from '../support/temporal';
import { waitFor } from '../support/wait-for';

describe('API process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keysync-api-main-'));
  const token = 'main-process-operator-token';
  let configPath = '';

  beforeAll(() => {
    configPath = join(dir, 'config.json');
    const config = {
      temporal: { address: testTemporalAddress(), namespace: 'default' },
      api: { port: 1 },
      packageStore: { dir: 'packages' },
      auditArchive: { dir: 'audit' },
      clusters: [
        {
          id: 'demo',
          founder: 'node1',
          members: [{ id: 'node1', pkcs11Module: '/usr/lib/softhsm/libsofthsm2.so', tokenLabel: 'node1', pin: { env: 'NODE1_PIN' } }],
          approvers: [{ id: 'approver-1', publicKey: Buffer.alloc(32, 7).toString('base64') }],
          policy: { sync: { approvals: 1, timeoutSeconds: 3600 }, join: { approvals: 1, timeoutSeconds: 3600 } },
        },
      ],
      principals: [{ id: 'operator', roles: ['operator'], tokenSha256: sha256Hex(token) }],
    };
    writeFileSync(configPath, JSON.stringify(config));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves on KEYSYNC_API_PORT from the KEYSYNC_CONFIG file and exits on SIGTERM, logging JSON without the token', async () => {
    const port = await freePort();
    const api = runApi({ KEYSYNC_CONFIG: configPath, KEYSYNC_API_PORT: String(port) });
    try {
      const died = api.exited.then((exit) => {
        throw new Error(`the API process exited (${JSON.stringify(exit)}) before answering: ${api.output()}`);
      });
      // Once health answered, the exit that SIGTERM causes is expected: nothing awaits `died` then.
      died.catch(() => undefined);
      const health = await Promise.race([
        waitFor(
          async () => {
            const response = await fetch(`http://127.0.0.1:${port}/v1/health`);
            return (await response.json()) as { temporal: { reachable: boolean; address: string } };
          },
          { timeoutMs: 60_000, description: 'the API process to answer /v1/health' },
        ),
        died,
      ]);
      expect(health.temporal).toEqual({ reachable: true, address: testTemporalAddress() });
      const clusters = await fetch(`http://127.0.0.1:${port}/v1/clusters`, { headers: { authorization: `Bearer ${token}` } });
      expect(clusters.status).toBe(200);
    } finally {
      api.kill('SIGTERM');
    }
    const exit = await api.exited;
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    const lines = api.output().trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(api.output()).toContain('"api listening"');
    expect(api.output()).not.toContain(token);
  });

  it('refuses to start on a configuration with a bad field, naming it', async () => {
    const badPath = join(dir, 'bad.json');
    writeFileSync(badPath, JSON.stringify({ temporal: { address: 7 } }));
    const api = runApi({ KEYSYNC_CONFIG: badPath, KEYSYNC_API_PORT: String(await freePort()) });
    const exit = await api.exited;
    expect(exit.code).toBe(1);
    expect(api.output()).toContain('temporal.address');
  });
});
