// `KEYSYNC_DEMO_HSM=mixed npm start` as a user runs it (the compiled entry, its own state folder):
// node3's token is Kryoptic's while node1 and node2 are SoftHSM's. demo.json names each member's
// module and the environment it reads, so pkcs11-tool can be pointed at any of them. node3 joins
// (RSA-OAEP SHA-1: the one hash SoftHSM has), keys made with pkcs11-tool on node1 are synced to it
// in aes-kwp (0x210A on SoftHSM, 0x210B on Kryoptic), and pkcs11-tool on node3 finds each once. A
// later start asking for the SoftHSM-only demo on that state is refused with what to do.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from '../../apps/cli/api-client';
import type { DemoFile } from '../../apps/stack/demo/demo-state';
import { runCli } from '../cli/support/run-cli';
import { countTokenObjects } from '../faults/support/token-objects';
import { freeStackPorts, startStackProcess } from '../support/stack-process';
import type { StackUnderTest } from '../support/stack-process';
import { waitFor } from '../support/wait-for';

type DemoMember = DemoFile['members'][number];

/** Keys a CA's tooling would make on node1, syncable (--extractable), with ids of their own. */
const PKCS11_TOOL_KEYS = [
  { args: ['--keypairgen', '--key-type', 'EC:prime256v1'], id: '4d01', label: 'tool-ec-p256', objects: ['private-key', 'public-key'] },
  { args: ['--keypairgen', '--key-type', 'EC:secp384r1'], id: '4d02', label: 'tool-ec-p384', objects: ['private-key', 'public-key'] },
  { args: ['--keypairgen', '--key-type', 'rsa:2048'], id: '4d03', label: 'tool-rsa-2048', objects: ['private-key', 'public-key'] },
  { args: ['--keygen', '--key-type', 'AES:32'], id: '4d04', label: 'tool-aes-256', objects: ['secret-key'] },
];

const home = mkdtempSync(join(tmpdir(), 'keysync-mixed-'));
const cliEnv = { KEYSYNC_HOME: home };
let stack: StackUnderTest | undefined;
let demo: DemoFile;

const member = (id: string): DemoMember & { pkcs11Module: string; environment: Record<string, string> } => demo.members.find((candidate) => candidate.id === id) as never;
/** pkcs11-tool's environment for a member: its module's own variables from demo.json. */
const toolEnv = (id: string): NodeJS.ProcessEnv => ({ ...process.env, ...member(id).environment });

async function apiOperation(operationId: string): Promise<Operation> {
  const response = await fetch(`${demo.apiUrl}/v1/operations/${encodeURIComponent(operationId)}`, { headers: { authorization: `Bearer ${demo.tokens.operator}` } });
  if (!response.ok) throw new Error(`GET ${operationId}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Operation;
}

/** Approves once node3 awaits approval (an approval sent earlier finds nothing to approve). */
async function approveNode3(operationId: string, approvers: string[]): Promise<void> {
  await waitFor(async () => (await apiOperation(operationId)).members.find((entry) => entry.member === 'node3')?.state === 'awaiting-approval', {
    timeoutMs: 120_000,
    intervalMs: 500,
    description: `node3 to await approval in ${operationId}`,
  });
  for (const approver of approvers) {
    const approval = await runCli(['approve', operationId, '--member', 'node3', '--key', demo.approverKeys[approver]!, '--as', approver], cliEnv);
    expect(approval.code, approval.stderr).toBe(0);
  }
}

async function finished(operationId: string): Promise<Operation> {
  return waitFor(
    async () => {
      const operation = await apiOperation(operationId);
      return operation.state === 'running' ? false : operation;
    },
    { timeoutMs: 180_000, intervalMs: 1_000, description: `${operationId} to finish` },
  );
}

beforeAll(async () => {
  stack = startStackProcess(home, await freeStackPorts(), { KEYSYNC_DEMO_HSM: 'mixed' });
  await stack.ready(240_000);
  demo = JSON.parse(readFileSync(join(home, 'demo.json'), 'utf8')) as DemoFile;
}, 300_000);

afterAll(async () => {
  await stack?.terminate();
  rmSync(home, { recursive: true, force: true });
});

describe('the mixed demo: node3 on Kryoptic beside SoftHSM', () => {
  it('demo.json gives each member its module and the environment that module reads', () => {
    expect(demo.hsm).toBe('mixed');
    for (const id of ['node1', 'node2']) {
      expect(member(id).pkcs11Module).toBe(demo.pkcs11Module);
      expect(member(id).environment).toEqual({ SOFTHSM2_CONF: demo.softhsm2Conf });
    }
    expect(member('node3').pkcs11Module).toMatch(/libkryoptic_pkcs11\.so$/);
    expect(existsSync(member('node3').environment.KRYOPTIC_CONF!)).toBe(true);
  });

  it('node3 joins sponsored by node1 with RSA-OAEP SHA-1, and gets the demo keys', async () => {
    const started = await runCli(['join', '--member', 'node3', '--sponsor', 'node1', '--reason', 'mixed demo'], cliEnv);
    expect(started.code, started.stderr).toBe(0);
    await approveNode3('join:demo:node3', ['approver-1', 'approver-2']);
    const join = await finished('join:demo:node3');
    expect(join.state).toBe('completed');
    expect(join.join?.oaepHash).toBe('sha1');
    expect(join.tokens?.map((token) => [token.member, token.role, token.manufacturer, token.oaepHashes])).toEqual([
      ['node1', 'sponsor', 'SoftHSM project', ['sha1']],
      ['node3', 'joining', 'Kryoptic Project', ['sha256', 'sha1']],
    ]);
    expect(join.members[0]).toMatchObject({ member: 'node3', state: 'in-sync', keysImported: 3 });
  });

  it('keys made with pkcs11-tool on node1 are synced to node3 in aes-kwp, and pkcs11-tool on node3 finds each once', async () => {
    const node1 = member('node1');
    for (const key of PKCS11_TOOL_KEYS) {
      execFileSync(
        'pkcs11-tool',
        ['--module', node1.pkcs11Module, '--token-label', 'node1', '--login', '--pin', node1.pin, ...key.args, '--id', key.id, '--label', key.label, '--extractable'],
        { env: toolEnv('node1'), stdio: 'ignore' },
      );
    }
    const node3 = member('node3');
    const before = await countTokenObjects({ pkcs11Module: node3.pkcs11Module, tokenLabel: 'node3' }, node3.pin, toolEnv('node3'));
    expect(PKCS11_TOOL_KEYS.filter((key) => [...before.keys()].some((entry) => entry.endsWith(`:${key.id}`)))).toEqual([]);

    const started = await runCli(['sync', '--from', 'node1', '--to', 'node3', '--reason', 'mixed demo sync'], cliEnv);
    const operationId = /started (sync:demo:\S+)/.exec(started.stdout)?.[1];
    expect(operationId, started.stdout + started.stderr).toBeDefined();
    await approveNode3(operationId!, ['approver-3']);
    const sync = await finished(operationId!);
    expect(sync.state).toBe('completed');
    expect(sync.members[0]).toMatchObject({ member: 'node3', state: 'in-sync', keysImported: PKCS11_TOOL_KEYS.length });
    expect(sync.wrapFormat).toBe('aes-kwp');
    expect(sync.tokens?.map((token) => [token.member, token.role, token.manufacturer, token.wrapMechanism])).toEqual([
      ['node1', 'source', 'SoftHSM project', '0x210A'],
      ['node3', 'target', 'Kryoptic Project', '0x210B'],
    ]);
    const status = await runCli(['status', operationId!], cliEnv);
    expect(status.stdout).toContain('wrap format aes-kwp');
    expect(status.stdout).toMatch(/target node3: Kryoptic Project .*mechanism 0x210B/);

    const after = await countTokenObjects({ pkcs11Module: node3.pkcs11Module, tokenLabel: 'node3' }, node3.pin, toolEnv('node3'));
    for (const key of PKCS11_TOOL_KEYS) {
      for (const kind of key.objects) expect(after.get(`${kind}:${key.id}`), `${kind} ${key.label} on node3`).toBe(1);
    }
  });

  it('a later start that asks for the SoftHSM-only demo on this state stops and says what to do', async () => {
    await stack!.terminate();
    const again = startStackProcess(home, await freeStackPorts(), { KEYSYNC_DEMO_HSM: 'softhsm' });
    const exit = await again.exited;
    expect(exit.code).not.toBe(0);
    expect(again.output()).toContain(`The demo state in ${home} was made with KEYSYNC_DEMO_HSM=mixed`);
    expect(again.output()).toContain('delete');
  });
});
