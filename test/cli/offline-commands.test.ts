// Commands that need no API, run as a user types them: an approver signing a challenge read from
// the workflow's query (fully offline), and the refusals that protect them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyEd25519 } from '../../libs/approvals/challenge';
import { runCli } from './support/run-cli';

const dir = mkdtempSync(join(tmpdir(), 'keysync-cli-offline-'));
// No demo.json here and no API: anything that tried to reach one would fail.
const env = { KEYSYNC_HOME: join(dir, 'no-state') };
const challenge = `keysync-approval/1|sync:demo:s1:node2|node2|${'ab'.repeat(32)}|approve`;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('offline commands', () => {
  it('approve --challenge --print-only signs the given challenge with the key file, without any API', async () => {
    const key = join(dir, 'alice.pem');
    const made = await runCli(['approver-key', 'new', '--out', key, '--json'], env);
    const { publicKey } = JSON.parse(made.stdout) as { publicKey: string };

    const approve = ['approve', 'sync:demo:s1', '--member', 'node2', '--key', key, '--approver', 'alice', '--challenge', challenge, '--print-only'];
    const signed = await runCli(approve, env);
    expect(signed.code, signed.stderr).toBe(0);
    const approval = JSON.parse(signed.stdout) as { member: string; approverId: string; decision: string; signature: string };
    expect(approval).toMatchObject({ member: 'node2', approverId: 'alice', decision: 'approve' });
    expect(verifyEd25519(publicKey, challenge, approval.signature)).toBe(true);
    expect(signed.stderr).toContain('open workflow sync:demo:s1:node2');

    const rejected = JSON.parse((await runCli([...approve, '--reject'], env)).stdout) as { decision: string; signature: string };
    expect(rejected.decision).toBe('reject');
    expect(verifyEd25519(publicKey, challenge.replace(/approve$/, 'reject'), rejected.signature)).toBe(true);
  });

  it('refuses to sign for another member than the one named, or with a file that is not a private key', async () => {
    const key = join(dir, 'bob.pem');
    await runCli(['approver-key', 'new', '--out', key], env);
    const wrongMember = await runCli(['approve', 'sync:demo:s1', '--member', 'node3', '--key', key, '--approver', 'bob', '--challenge', challenge, '--print-only'], env);
    expect(wrongMember.code).toBe(2);
    expect(wrongMember.stderr).toContain('The challenge is for member node2, not node3; nothing was signed.');
    expect(wrongMember.stdout).toBe('');

    const notAKey = join(dir, 'not-a-key.pem');
    writeFileSync(notAKey, 'hello');
    const bad = await runCli(['approve', 'sync:demo:s1', '--member', 'node2', '--key', notAKey, '--approver', 'bob', '--challenge', challenge], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('is not a private key in PEM form');
  });

  it('says where to find the API when there is no demo.json and no --api', async () => {
    const result = await runCli(['status', 'sync:demo:s1'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No API address: pass --api <url> or set KEYSYNC_API_URL');
  });

  it('audit verify asks for the registered approver keys when the histories come without them', async () => {
    const history = join(dir, 'history.json');
    writeFileSync(history, JSON.stringify({ events: [] }));
    const result = await runCli(['audit', 'verify', history], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Pass --approvers <file> or --config <keysync config>');
  });
});
