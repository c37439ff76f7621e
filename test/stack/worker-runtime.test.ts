// The worker's memory bounds and CPU priority (apps/stack/worker-runtime.ts) reach a real process
// started the way the stacks and the bench start the worker (startWorkerProcess), and the deploy
// files state the same.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { WORKER_NICE, WORKER_NODE_FLAGS, startWorkerProcess, workerEnvironment } from '../../apps/stack/worker-runtime';
import { repoRoot } from '../../libs/config/paths';
import { waitFor } from '../support/wait-for';

const dir = mkdtempSync(join(tmpdir(), 'keysync-worker-runtime-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MB = 1024 * 1024;
const semiSpaceMb = Number(/^--max-semi-space-size=(\d+)$/.exec(WORKER_NODE_FLAGS.find((flag) => flag.startsWith('--max-semi-space-size=')) ?? '')?.[1]);
const arenas = workerEnvironment({}).MALLOC_ARENA_MAX;

describe('the worker process runtime', () => {
  it('caps glibc arenas and V8 semi-spaces, and lowers the CPU priority, of a process started as the stacks start the worker', async () => {
    // Allocates short-lived objects for a while (the young generation grows to its limit), then reports,
    // with its nice value and its scheduling group's (where the kernel has them).
    const script = join(dir, 'report.js');
    writeFileSync(
      script,
      `const v8 = require('node:v8');
       for (let i = 0; i < 2e6; i += 1) globalThis.sink = { i, text: 'x'.repeat(64) + i };
       const young = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
       const fs = require('node:fs');
       const autogroup = fs.existsSync('/proc/self/autogroup') ? fs.readFileSync('/proc/self/autogroup', 'utf8') : null;
       process.stdout.write(JSON.stringify({ arenas: process.env.MALLOC_ARENA_MAX, execArgv: process.execArgv, youngBytes: young.space_size, nice: require('node:os').getPriority(), autogroup }) + '\\n');`,
    );
    const logFile = join(dir, 'report.log');
    const run = await startWorkerProcess('report', script, [], { PATH: process.env.PATH }, logFile);
    expect(await run.exited).toEqual({ code: 0, signal: null });
    const report = JSON.parse(
      // The process has exited, but its output may still be on its way to the log file.
      await waitFor(() => existsSync(logFile) && readFileSync(logFile, 'utf8').endsWith('\n') && readFileSync(logFile, 'utf8'), { timeoutMs: 10_000, description: 'the report line in the log' }),
    ) as { arenas: string; execArgv: string[]; youngBytes: number; nice: number; autogroup: string | null };
    expect(report.arenas).toBe('2');
    expect(report.execArgv).toEqual(expect.arrayContaining([...WORKER_NODE_FLAGS]));
    // Two semi-spaces at most (V8's default limit here is 16 MB each, 32 MB in all).
    expect(report.youngBytes).toBeGreaterThan(0);
    expect(report.youngBytes).toBeLessThanOrEqual(2 * semiSpaceMb * MB);
    expect(WORKER_NICE).toBeGreaterThan(0);
    expect(report.nice).toBe(WORKER_NICE);
    if (report.autogroup !== null) expect(report.autogroup).toMatch(new RegExp(`\\bnice ${WORKER_NICE}\\s*$`));
  });

  it('leaves an operator\'s MALLOC_ARENA_MAX as given', () => {
    expect(workerEnvironment({ MALLOC_ARENA_MAX: '4', OTHER: 'x' })).toEqual({ MALLOC_ARENA_MAX: '4', OTHER: 'x' });
  });

  it('is stated the same by the systemd units of the worker and docker-compose.yml (memory and priority), and the Dockerfile (memory)', () => {
    for (const unit of ['keysync-agent@.service', 'keysync-orchestrator.service']) {
      const text = readFileSync(join(repoRoot(), 'deploy', 'systemd', unit), 'utf8');
      const execStart = /^ExecStart=(.*)$/m.exec(text)?.[1] ?? '';
      for (const flag of WORKER_NODE_FLAGS) expect(execStart.split(' '), unit).toContain(flag);
      expect(text, unit).toMatch(new RegExp(`^Environment=MALLOC_ARENA_MAX=${arenas}$`, 'm'));
      expect(text, unit).toMatch(new RegExp(`^Nice=${WORKER_NICE}$`, 'm'));
    }
    const dockerfile = readFileSync(join(repoRoot(), 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(new RegExp(`MALLOC_ARENA_MAX=${arenas}\\b`));
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
    for (const flag of WORKER_NODE_FLAGS) expect(cmd).toContain(flag);
    const compose = parse(readFileSync(join(repoRoot(), 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { command?: string[] | string; cpu_shares?: number }> };
    const workers = Object.entries(compose.services).filter(([, service]) => [service.command ?? []].flat().join(' ').includes('dist/apps/worker/main.js'));
    expect(workers.map(([name]) => name).sort()).toEqual(['node1-agent', 'node2-agent', 'node3-agent', 'orchestrator']);
    for (const [name, service] of workers) {
      for (const flag of WORKER_NODE_FLAGS) expect([service.command].flat().join(' ').split(/[\s"]+/), name).toContain(flag);
      // Below Docker's default weight (1024), as the worker's nice value is below the API's priority.
      expect(service.cpu_shares, name).toBeGreaterThan(0);
      expect(service.cpu_shares, name).toBeLessThan(1024);
    }
    expect(compose.services.api?.cpu_shares).toBeUndefined();
  });
});
