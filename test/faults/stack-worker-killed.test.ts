// Issue 11 on the embedded default: `npm start` as a user runs it, a sync from node1 to node2 with
// enough keys that the import takes a while, and the worker process killed with SIGKILL in the
// middle of it. Nobody restarts anything: the stack's supervisor does, says so, and the sync ends
// with each key exactly once on node2 (counted with pkcs11-tool). Then a worker that keeps dying
// stops the stack with a message naming it and its log.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from '../../apps/cli/api-client';
import type { DemoFile } from '../../apps/stack/demo/demo-state';
import { isAlive } from '../../apps/stack/pid-files';
import { loadConfig } from '../../libs/config/load-config';
import type { ClusterMemberConfig, MemberConfig } from '../../libs/config/types';
import { openToken } from '../../libs/hsm';
import { runCli } from '../cli/support/run-cli';
import { freeStackPorts, startStackProcess } from '../support/stack-process';
import type { StackUnderTest } from '../support/stack-process';
import { waitFor } from '../support/wait-for';
import { countTokenObjects } from './support/token-objects';

const EC_KEYS = 60;
const RSA_KEYS = 4;
/** CKA_ID prefix "keysync." in hex: the cluster secrets and a joined token's transport key, not synced keys. */
const RESERVED_ID = /:6b657973796e632e/;

const home = mkdtempSync(join(tmpdir(), 'keysync-supervised-'));
let stack: StackUnderTest | undefined;
let demo: DemoFile;
let members: ClusterMemberConfig[];

beforeAll(async () => {
  stack = startStackProcess(home, await freeStackPorts());
  await stack.ready(240_000);
  demo = JSON.parse(readFileSync(join(home, 'demo.json'), 'utf8')) as DemoFile;
  members = loadConfig(join(home, 'config.json')).clusters[0]!.members;
  process.env.SOFTHSM2_CONF = demo.softhsm2Conf;
  // More keys on node1 than the demo's three, so that node2's import is still under way when the worker is killed.
  const token = await openToken({ pkcs11Module: demo.pkcs11Module, tokenLabel: 'node1', pin: { file: join(home, 'pins', 'node1.pin') } });
  try {
    for (let index = 1; index <= EC_KEYS; index += 1) await token.generateKey({ keyType: 'ec', curve: 'P-256', label: `ec-${index}`, id: index.toString(16).padStart(4, '0') });
    for (let index = 1; index <= RSA_KEYS; index += 1) await token.generateKey({ keyType: 'rsa', size: 2048, label: `rsa-${index}`, id: `f${index.toString(16).padStart(3, '0')}` });
  } finally {
    await token.close();
  }
}, 400_000);

afterAll(async () => {
  await stack?.terminate();
  rmSync(home, { recursive: true, force: true });
});

function workerPid(): number | null {
  const file = join(home, 'run', 'worker.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : null;
}

async function apiOperation(operationId: string): Promise<Operation> {
  const response = await fetch(`${demo.apiUrl}/v1/operations/${encodeURIComponent(operationId)}`, { headers: { authorization: `Bearer ${demo.tokens.operator}` } });
  if (!response.ok) throw new Error(`GET ${operationId}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Operation;
}

async function syncedObjects(memberId: string): Promise<Map<string, number>> {
  const configured = members.find((candidate) => candidate.id === memberId)!;
  const member = { ...configured, pkcs11Module: configured.pkcs11Module ?? demo.pkcs11Module } as MemberConfig;
  const pin = demo.members.find((candidate) => candidate.id === memberId)!.pin;
  const counts = await countTokenObjects(member, pin);
  return new Map([...counts].filter(([key]) => !RESERVED_ID.test(key)));
}

const privateKeys = (counts: Map<string, number>): number => [...counts.keys()].filter((key) => key.startsWith('private-key:')).length;

describe('npm start with its worker killed during an import', () => {
  it('restarts the worker by itself; the sync ends in-sync with each key exactly once, and the stack keeps running', async () => {
    const t0 = Date.now();
    const mark = (what: string): void => console.log(`[fault] ${what} at ${Date.now() - t0} ms`);
    const env = { KEYSYNC_HOME: home };
    const source = privateKeys(await syncedObjects('node1'));
    expect(source).toBeGreaterThanOrEqual(EC_KEYS + RSA_KEYS);

    const started = await runCli(['sync', '--from', 'node1', '--to', 'node2', '--reason', 'supervisor fault test'], env);
    const operationId = /started (sync:demo:\S+)/.exec(started.stdout)?.[1];
    expect(operationId, started.stdout + started.stderr).toBeDefined();
    await waitFor(async () => (await apiOperation(operationId!)).members.find((entry) => entry.member === 'node2')?.state === 'awaiting-approval', {
      timeoutMs: 120_000,
      intervalMs: 500,
      description: 'node2 to await approval',
    });
    const approval = await runCli(['approve', operationId!, '--member', 'node2', '--key', demo.approverKeys['approver-1']!], env);
    expect(approval.code, approval.stderr).toBe(0);
    mark('approved');

    const partial = await waitFor(
      async () => {
        const count = privateKeys(await syncedObjects('node2'));
        return count > 0 && count < source ? count : false;
      },
      { timeoutMs: 180_000, intervalMs: 50, description: 'node2 to be part-way through its import' },
    );
    const killed = workerPid()!;
    process.kill(killed, 'SIGKILL');
    mark(`killed the worker (pid ${killed}) with ${partial} of ${source} keys on node2`);

    await waitFor(() => /warning: the worker exited on its own \(signal SIGKILL\): restarting it in [\d.]+ m?s; its log: .*worker\.log/.test(stack!.output()), {
      timeoutMs: 30_000,
      description: 'the stack to say it restarts the worker',
    });
    await waitFor(() => workerPid() !== killed && isAlive(workerPid()!), { timeoutMs: 60_000, description: 'a new worker pid in run/worker.pid' });
    mark(`worker restarted (pid ${workerPid()})`);

    const finished = await waitFor(
      async () => {
        const operation = await apiOperation(operationId!);
        return operation.state === 'running' ? false : operation;
      },
      { timeoutMs: 300_000, intervalMs: 1_000, description: `${operationId} to finish` },
    );
    mark('sync finished');
    expect(finished.state).toBe('completed');
    expect(finished.members.map(({ member, state }) => ({ member, state }))).toEqual([{ member: 'node2', state: 'in-sync' }]);

    const founder = await syncedObjects('node1');
    const target = await syncedObjects('node2');
    expect([...target].filter(([, count]) => count !== 1), 'objects present more than once on node2').toEqual([]);
    expect([...target.keys()].sort()).toEqual([...founder.keys()].sort());

    expect((await fetch(`${demo.apiUrl}/v1/health`)).status).toBe(200);
    expect(stack!.child.exitCode).toBeNull();
    for (const member of demo.members) expect(stack!.output()).not.toContain(member.pin);
  }, 700_000);

  it('stops the stack, naming the worker and its log, when the worker keeps dying', async () => {
    // Kill each new worker as soon as run/worker.pid names it, until the supervisor gives up (the policy allows 4 restarts a minute).
    let kills = 0;
    await waitFor(
      () => {
        if (stack!.child.exitCode !== null) return true;
        const pid = workerPid();
        if (pid && isAlive(pid) && kills < 8) {
          process.kill(pid, 'SIGKILL');
          kills += 1;
        }
        return false;
      },
      { timeoutMs: 180_000, intervalMs: 100, description: 'the stack to give up on the worker' },
    );
    expect(stack!.child.exitCode).toBe(1);
    expect(stack!.output()).toMatch(/the worker keeps dying \(5 exits within 60 s, the last: signal SIGKILL\)\. See its log, \S+worker\.log, fix what it says, then start again\. Stopping the stack\./);
    expect(readFileSync(join(home, 'run', 'worker.log'), 'utf8')).toContain('the worker keeps dying');
    for (const name of ['api', 'worker', 'temporal', 'stack']) expect(existsSync(join(home, 'run', `${name}.pid`)), `${name}.pid`).toBe(false);
  }, 240_000);
});
