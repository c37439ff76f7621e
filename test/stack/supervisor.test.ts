// The supervisor of `npm start`'s parts (apps/stack/supervisor.ts) with stand-in processes: a dead
// part is restarted and its pid file rewritten, one that keeps dying is given up on by name, and a
// stop never races with a restart (no process is left running, no pid file left behind).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { supervise } from '../../apps/stack/supervisor';
import type { ProcessExit, SupervisedProcess, SupervisorOptions } from '../../apps/stack/supervisor';
import { waitFor } from '../support/wait-for';

const dir = mkdtempSync(join(tmpdir(), 'keysync-supervisor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface FakeProcess extends SupervisedProcess {
  die(exit: ProcessExit): void;
  stopped: boolean;
}

let nextPid = 1000;
function fakeProcess(): FakeProcess {
  let die: (exit: ProcessExit) => void = () => undefined;
  const exited = new Promise<ProcessExit>((resolve) => (die = resolve));
  const fake: FakeProcess = {
    pid: (nextPid += 1),
    exited,
    stopped: false,
    die: (exit) => die(exit),
    stop: async () => {
      fake.stopped = true;
      die({ code: 0, signal: null });
      return exited;
    },
  };
  return fake;
}

function harness(name: string, start?: () => Promise<SupervisedProcess>) {
  const started: FakeProcess[] = [];
  const warnings: string[] = [];
  const givenUp: string[] = [];
  const options: SupervisorOptions = {
    name,
    title: `the ${name}`,
    runDir: dir,
    logFile: join(dir, `${name}.log`),
    warn: (line) => warnings.push(line),
    onGiveUp: (reason) => givenUp.push(reason),
    policy: { initialDelayMs: 10, maxDelayMs: 40, maxExits: 4, windowMs: 60_000 },
    start:
      start ??
      (async () => {
        const fake = fakeProcess();
        started.push(fake);
        return fake;
      }),
  };
  const pidFile = (): string | null => (existsSync(join(dir, `${name}.pid`)) ? readFileSync(join(dir, `${name}.pid`), 'utf8').trim() : null);
  return { options, started, warnings, givenUp, pidFile };
}

describe('the supervisor', () => {
  it('restarts a part that dies, says so with its signal and log, and rewrites its pid file', async () => {
    const h = harness('worker');
    const supervisor = await supervise(h.options);
    expect(h.pidFile()).toBe(String(h.started[0]!.pid));
    h.started[0]!.die({ code: null, signal: 'SIGKILL' });
    await waitFor(() => h.started.length === 2 && h.pidFile() === String(h.started[1]!.pid), { timeoutMs: 5_000, description: 'the restart' });
    expect(h.warnings).toEqual([`the worker exited on its own (signal SIGKILL): restarting it in 10 ms; its log: ${join(dir, 'worker.log')}`]);
    expect(readFileSync(join(dir, 'worker.log'), 'utf8')).toContain('exited on its own (signal SIGKILL)');
    expect(supervisor.pid()).toBe(h.started[1]!.pid);
    await supervisor.stop();
    expect(h.started[1]!.stopped).toBe(true);
    expect(h.pidFile()).toBeNull();
    expect(h.givenUp).toEqual([]);
  });

  it('gives up on a part that keeps dying, naming it, its last exit and its log', async () => {
    const h = harness('api');
    const supervisor = await supervise(h.options);
    for (let round = 0; round < 4; round += 1) {
      await waitFor(() => h.started.length === round + 1, { timeoutMs: 5_000, description: `start ${round + 1}` });
      h.started[round]!.die({ code: 3, signal: null });
    }
    await waitFor(() => h.givenUp.length === 1, { timeoutMs: 5_000, description: 'the supervisor to give up' });
    expect(h.givenUp[0]).toBe(`the api keeps dying (4 exits within 60 s, the last: exit code 3). See its log, ${join(dir, 'api.log')}, fix what it says, then start again.`);
    expect(h.warnings.map((line) => /restarting it in (\d+ ms)/.exec(line)?.[1])).toEqual(['10 ms', '20 ms', '40 ms']);
    expect(h.started).toHaveLength(4);
    await supervisor.stop();
    expect(h.pidFile()).toBeNull();
  });

  it('starts nothing more once stopped during the backoff delay', async () => {
    const h = harness('slow');
    h.options.policy = { initialDelayMs: 60_000, maxDelayMs: 60_000, maxExits: 5, windowMs: 60_000 };
    const supervisor = await supervise(h.options);
    h.started[0]!.die({ code: 1, signal: null });
    await waitFor(() => h.warnings.length === 1, { timeoutMs: 5_000, description: 'the restart warning' });
    await supervisor.stop(); // does not wait out the minute
    expect(h.started).toHaveLength(1);
    expect(h.pidFile()).toBeNull();
  });

  it('stops the process of a restart that was in flight when the stop came', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: FakeProcess[] = [];
    const h = harness('inflight', async () => {
      if (started.length > 0) await gate; // the second start hangs until released
      const fake = fakeProcess();
      started.push(fake);
      return fake;
    });
    const supervisor = await supervise(h.options);
    started[0]!.die({ code: null, signal: 'SIGSEGV' });
    await waitFor(() => h.warnings.length === 1, { timeoutMs: 5_000, description: 'the restart warning' });
    const stopping = supervisor.stop();
    release();
    await stopping;
    expect(started).toHaveLength(2);
    expect(started[1]!.stopped).toBe(true);
    expect(h.pidFile()).toBeNull();
  });
});
