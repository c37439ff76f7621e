// Fault tests on the production shape (issue 11, DESIGN 15): one `npm run start:production` from
// dist on a fresh state folder, node2 and node3 joined, then, one after the other, each during a sync
// of fresh keys from node1 to node2 and node3 (real processes, real SIGKILLs):
// - one orchestrator killed, its restart held back (SIGSTOP) until the sync has finished, so the
//   other orchestrator is seen to carry the sync alone;
// - one Temporal server process killed;
// - PostgreSQL's postmaster killed;
// - the whole stack killed at once (the stack process and every process of run/*.pid), and
//   start:production started again on the same state folder: the running sync resumes;
// - last, an agent killed over and over until the supervisor gives up, which stops the stack
//   naming it and its log.
// Each sync ends completed with node2 and node3 in-sync and each key exactly once on each member
// (pkcs11-tool against the member's own softhsm2.conf, before and after each sync; during it the
// imports are followed through the token files, see support/import-progress.ts). Each kill lands
// at a random point of an import and is printed as a `[fault]` line: what, its pid, when (ms after
// the approvals) and how far the targets' imports had got.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../apps/stack/pid-files';
import type { ProductionDemoFile } from '../../apps/stack/production/production-demo-file';
import { waitFor } from '../support/wait-for';
import { importProgress, randomFraction, waitForImportPartWay } from './support/import-progress';
import type { ImportProgress } from './support/import-progress';
import { addKeysOnNode1, exactlyOnceProblems } from './support/member-tokens';
import { productionApi } from './support/production-api';
import type { ProductionApi } from './support/production-api';
import { freeProductionStackPorts, startStackProcess } from '../support/stack-process';
import type { StackUnderTest } from '../support/stack-process';
import { pidFiles, PRODUCTION_PARTS } from './support/production-pids';
import type { StackPorts } from '../../libs/config/ports';

const home = mkdtempSync(join(tmpdir(), 'keysync-production-faults-'));
const TARGETS = ['node2', 'node3'];
/** Per sync: enough keys that the targets' imports take a few seconds, so a kill lands part-way. */
const EC_KEYS = 120;
const RSA_KEYS = 2;
/** Generous: the CI machine has two cores and runs other test files beside this one. */
const SYNC_TIMEOUT_MS = 480_000;

let ports: StackPorts;
let stack: StackUnderTest;
let demo: ProductionDemoFile;
let api: ProductionApi;

function currentPids(): Record<string, number> {
  return pidFiles(home);
}

function pick<T>(choices: readonly T[]): T {
  return choices[Math.floor(Math.random() * choices.length)]!;
}

beforeAll(async () => {
  ports = await freeProductionStackPorts();
  stack = startStackProcess(home, ports, {}, 'production');
  await stack.ready(240_000);
  currentPids();
  demo = JSON.parse(readFileSync(join(home, 'demo.json'), 'utf8')) as ProductionDemoFile;
  api = productionApi(demo);
  for (const member of TARGETS) {
    const operationId = await api.startJoin(member);
    for (const approver of ['approver-1', 'approver-2'] as const) await api.approve(operationId, member, approver);
    const done = await api.waitForOperation(operationId, SYNC_TIMEOUT_MS);
    expect(done.state, `the join of ${member}: ${JSON.stringify(done)}`).toBe('completed');
  }
}, 600_000);

afterAll(async () => {
  if (stack && !stack.hasExited()) {
    stack.child.kill('SIGTERM');
    await Promise.race([stack.exited, new Promise((resolve) => setTimeout(resolve, 60_000))]);
  }
  // What a failing test may have left running: the parts the pid files still name.
  for (const pid of Object.values(currentPids())) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(home, { recursive: true, force: true });
}, 120_000);

interface SyncUnderFault {
  operationId: string;
  /** ms since the approvals. */
  since(): number;
  /** The targets' imports, followed from outside their tokens. */
  progress: ImportProgress[];
}

/** Fresh keys on node1, a sync of them to node2 and node3, both approved. */
async function startSyncOfFreshKeys(idPrefix: string, reason: string): Promise<SyncUnderFault> {
  await addKeysOnNode1(demo, home, idPrefix, EC_KEYS, RSA_KEYS);
  const progress = await importProgress(demo, TARGETS);
  const operationId = await api.startSync(TARGETS, reason);
  for (const member of TARGETS) await api.approve(operationId, member, 'approver-1');
  const approvedAt = Date.now();
  return { operationId, progress, since: () => Date.now() - approvedAt };
}

/** Waits until a target is at a random point of its import; where the targets are then. */
function waitForRandomPointOfImport(sync: SyncUnderFault): Promise<string> {
  return waitForImportPartWay(sync.progress, randomFraction());
}

/** SIGKILLs the part named in run/<name>.pid and prints the [fault] line; its pid. */
function kill(name: string, sync: SyncUnderFault, keys: string): number {
  const pid = currentPids()[name];
  if (!pid || !isAlive(pid)) throw new Error(`run/${name}.pid names no live process (${String(pid)})`);
  process.kill(pid, 'SIGKILL');
  console.log(`[fault] killed ${name} (pid ${pid}) at ${sync.since()} ms after the approvals, ${keys}`);
  return pid;
}

/** Waits for the supervisor to have restarted the part: a new live pid in its pid file. */
async function waitForRestart(name: string, killed: number, timeoutMs = 180_000): Promise<number> {
  return waitFor(
    () => {
      const pid = currentPids()[name];
      return pid && pid !== killed && isAlive(pid) ? pid : false;
    },
    { timeoutMs, intervalMs: 10, description: `the supervisor to restart ${name} (a new live pid in run/${name}.pid)` },
  );
}

/** Prints what the supervisor said on the terminal about the part (each restart, each failed start). */
function printSupervisorLines(title: string): void {
  for (const line of stack.output().split('\n').filter((candidate) => candidate.includes(`warning: ${title} `))) console.log(`[fault] the stack said: ${line}`);
}

/** The sync completed, both targets in-sync, each key exactly once everywhere. */
async function expectSyncCompleted(sync: SyncUnderFault): Promise<void> {
  const done = await api.waitForOperation(sync.operationId, SYNC_TIMEOUT_MS);
  console.log(`[fault] ${sync.operationId} ended ${done.state} at ${sync.since()} ms after the approvals`);
  expect(done.state, JSON.stringify(done)).toBe('completed');
  expect(done.members.map(({ member, state }) => ({ member, state }))).toEqual(TARGETS.map((member) => ({ member, state: 'in-sync' })));
  expect(await exactlyOnceProblems(demo, TARGETS)).toEqual([]);
}

describe('the production shape under faults (start:production, real processes, SIGKILL)', () => {
  it('one orchestrator killed during a sync to node2 and node3: the other carries it to the end, each key once', async () => {
    const sync = await startSyncOfFreshKeys('a1', 'fault test: an orchestrator killed');
    const name = pick(['orchestrator-1', 'orchestrator-2']);
    const killed = kill(name, sync, await waitForRandomPointOfImport(sync));
    // Its restart is frozen as soon as the supervisor starts it, before it can poll, and thawed
    // only once the sync has finished: the sync cannot have been carried by the killed one.
    const restarted = await waitForRestart(name, killed);
    process.kill(restarted, 'SIGSTOP');
    console.log(`[fault] ${name} restarted by the supervisor (pid ${restarted}) at ${sync.since()} ms; held back with SIGSTOP until the sync has finished`);
    try {
      await expectSyncCompleted(sync);
    } finally {
      process.kill(restarted, 'SIGCONT');
    }
    printSupervisorLines(`the orchestrator ${name}`);
    expect(isAlive(restarted)).toBe(true);
    expect(stack.hasExited()).toBe(false);
  }, 900_000);

  it('one Temporal server process killed during a sync: restarted, the sync completes, each key once', async () => {
    const sync = await startSyncOfFreshKeys('a2', 'fault test: a Temporal server killed');
    const name = pick(['temporal-1', 'temporal-2']);
    const killed = kill(name, sync, await waitForRandomPointOfImport(sync));
    const restarted = await waitForRestart(name, killed);
    console.log(`[fault] ${name} restarted by the supervisor (pid ${restarted}) at ${sync.since()} ms`);
    await expectSyncCompleted(sync);
    printSupervisorLines(`the Temporal server ${name}`);
    expect(stack.output()).toContain(`the Temporal server ${name} exited on its own (signal SIGKILL): restarting it`);
    expect(stack.hasExited()).toBe(false);
  }, 900_000);

  it('PostgreSQL killed during a sync: restarted, Temporal and the sync recover, each key once', async () => {
    const sync = await startSyncOfFreshKeys('a3', 'fault test: PostgreSQL killed');
    const killed = kill('postgresql', sync, await waitForRandomPointOfImport(sync));
    const restarted = await waitForRestart('postgresql', killed);
    console.log(`[fault] postgresql restarted by the supervisor (pid ${restarted}) at ${sync.since()} ms`);
    await expectSyncCompleted(sync);
    printSupervisorLines('PostgreSQL');
    expect(stack.output()).toContain('PostgreSQL exited on its own (signal SIGKILL): restarting it');
    expect(stack.hasExited()).toBe(false);
  }, 900_000);

  it('the whole stack killed at once during a sync, then start:production again on the same state folder: the sync resumes and completes', async () => {
    const sync = await startSyncOfFreshKeys('a4', 'fault test: the whole stack killed');
    const keys = await waitForRandomPointOfImport(sync);
    const pids = currentPids();
    expect(Object.keys(pids).sort()).toEqual([...PRODUCTION_PARTS, 'stack'].sort());
    // As a power cut would leave it: every process gone in the same instant, nothing cleaned up.
    for (const pid of Object.values(pids)) {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    console.log(`[fault] killed the whole stack (stack pid ${pids.stack} and ${PRODUCTION_PARTS.length} parts) at ${sync.since()} ms after the approvals, ${keys}`);
    expect((await stack.exited).signal).toBe('SIGKILL');
    await waitFor(() => Object.values(pids).every((pid) => !isAlive(pid)), { timeoutMs: 30_000, description: 'every killed process to be gone' });

    stack = startStackProcess(home, ports, {}, 'production');
    await stack.ready(240_000);
    console.log(`[fault] start:production up again on the same state folder at ${sync.since()} ms`);
    const again = currentPids();
    expect(Object.keys(again).sort()).toEqual([...PRODUCTION_PARTS, 'stack'].sort());
    for (const [name, pid] of Object.entries(again)) expect(isAlive(pid), `${name} (pid ${pid}) after the restart`).toBe(true);
    await expectSyncCompleted(sync);
  }, 900_000);

  it('an agent that keeps dying stops the stack with a message naming it and its log; every process stopped', async () => {
    const name = 'agent-node3';
    const running = Object.values(currentPids());
    const t0 = Date.now();
    let kills = 0;
    let last = 0;
    // Each new process of the agent is killed as soon as its pid file names it, until the stack exits.
    await waitFor(
      () => {
        if (stack.hasExited()) return true;
        const pid = currentPids()[name];
        if (pid && pid !== last && isAlive(pid)) {
          process.kill(pid, 'SIGKILL');
          kills += 1;
          last = pid;
          running.push(pid);
          console.log(`[fault] killed ${name} (pid ${pid}), kill ${kills}, at ${Date.now() - t0} ms`);
        }
        return false;
      },
      { timeoutMs: 240_000, intervalMs: 20, description: `the stack to give up on ${name} and exit` },
    );
    const exit = await stack.exited;
    expect(exit.code).toBe(1);
    expect(kills).toBe(5);
    const log = join(home, 'run', `${name}.log`);
    expect(stack.output()).toContain(`the agent of node3 keeps dying (5 exits within 60 s, the last: signal SIGKILL). See its log, ${log}, fix what it says, then start again. Stopping the stack.`);
    expect(readFileSync(log, 'utf8')).toContain('the agent of node3 keeps dying');
    for (const pid of running) expect(isAlive(pid), `pid ${pid} after the stack gave up`).toBe(false);
    expect(readdirSync(join(home, 'run')).filter((file) => file.endsWith('.pid'))).toEqual([]);
  }, 300_000);
});
