// libs/temporal's dev server on its own: KeySync's search attributes reach a database made
// without them (start-dev applies its flags only to a new database), the retention is raised, the
// file is switched to a write-ahead log, the server runs with the stack's tuning, stop() ends the
// process, and a busy port is reported as such.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../apps/stack/pid-files';
import { freePort } from '../../libs/config/ports';
import { startDevServer } from '../../libs/temporal/dev-server';
import { requireTemporalCli } from '../../libs/temporal/find-cli';
import { KEYSYNC_SEARCH_ATTRIBUTES } from '../../libs/temporal/search-attributes';
import { serverDynamicConfig } from '../../libs/temporal/server-tuning';
import { waitFor } from '../support/wait-for';

const dir = mkdtempSync(join(tmpdir(), 'keysync-devserver-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function describeNamespace(address: string): Promise<{ attributes: string[]; retentionSeconds: number }> {
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    const { config } = await connection.workflowService.describeNamespace({ namespace: 'default' });
    return { attributes: Object.keys(customAttributes ?? {}), retentionSeconds: Number(config?.workflowExecutionRetentionTtl?.seconds ?? 0) };
  } finally {
    await connection.close();
  }
}

describe('the embedded Temporal dev server', () => {
  it('brings a database made without KeySync\'s search attributes up to date, with a long retention', async () => {
    const dbFile = join(dir, 'old.db');
    const port = await freePort();
    // A database as a plain `temporal server start-dev` makes it: no custom attributes, 24 h retention.
    const plain = spawn(requireTemporalCli(), ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--db-filename', dbFile], { stdio: 'ignore' });
    try {
      const before = await waitFor(() => describeNamespace(`127.0.0.1:${port}`), { timeoutMs: 60_000, description: 'the plain dev server' });
      expect(before.attributes).not.toContain('KeySyncCluster');
      expect(before.retentionSeconds).toBe(86_400);
    } finally {
      plain.kill('SIGTERM');
      await new Promise((resolve) => plain.once('exit', resolve));
    }

    const server = await startDevServer({ port: await freePort(), headless: true, dbFile });
    try {
      const after = await describeNamespace(server.address);
      expect(after.attributes).toEqual(expect.arrayContaining(Object.keys(KEYSYNC_SEARCH_ATTRIBUTES)));
      expect(after.retentionSeconds).toBe(3650 * 86_400);
      // The file now runs with a write-ahead log (sqliteFilePragmas), which SQLite keeps beside it while open.
      expect(existsSync(`${dbFile}-wal`)).toBe(true);
      // It runs with the stack's server tuning (libs/temporal/server-tuning.ts): its command line carries every value.
      const commandLine = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0');
      for (const [key, value] of Object.entries(serverDynamicConfig)) expect(commandLine).toContain(`${key}=${JSON.stringify(value)}`);
    } finally {
      await server.stop();
    }
    expect(isAlive(server.pid)).toBe(false);
  });

  it('refuses a busy port with a message that names it and the variable that moves it', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      await expect(startDevServer({ port, headless: true })).rejects.toThrow(
        new RegExp(`Port ${port} \\(Temporal frontend\\) is already in use.*KEYSYNC_TEMPORAL_PORT`),
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
