// A server's children may outlive it and still write to the pipes it shared with them (PostgreSQL's
// backends after its postmaster was killed): spawnWatched keeps logging them rather than writing to
// a log already ended, which threw in the stack and took the whole stack down.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnWatched } from '../../libs/child-process';
import { waitFor } from '../support/wait-for';

const dir = mkdtempSync(join(tmpdir(), 'keysync-watched-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spawnWatched', () => {
  it('logs what a child left behind writes after the process itself has exited', async () => {
    const logFile = join(dir, 'server.log');
    // The shell exits at once; the subshell it leaves behind writes a moment later, on the same pipe.
    const server = await spawnWatched('sh', ['-c', '(sleep 0.5; echo written-after-exit) & echo written-before-exit'], {}, { what: 'sh', logFile });
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await waitFor(() => readFileSync(logFile, 'utf8').includes('written-after-exit'), { timeoutMs: 10_000, description: 'the late line in the log' });
    expect(readFileSync(logFile, 'utf8')).toContain('written-before-exit');
  });
});
