// The suite's end-to-end walkthrough (README "Walkthrough"), written once and run against any
// stack described by a WalkthroughTarget: the embedded parts of test/api/walkthrough.test.ts and
// the `npm run start:production` shape of test/production/walkthrough.test.ts. Members join with
// two signed approvals; a key made on the founder with pkcs11-tool is synced with `keysync sync
// --wait` and one `keysync approve` per member; availability before and after; a cancel; the
// auditor's histories and trail; `keysync audit export` and its offline `keysync audit verify`;
// the package downloaded and uploaded by hand; the stack's own audit archive verified offline.
// What differs between stacks (where each member's token store is, how the API is reached, where
// the archive lies) is in the target, never in a branch here.
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { VerifyReport } from '../../apps/cli/audit-verify';
import { AuditArchive } from '../../libs/audit-archive';
import type { KeyAvailabilityResult } from '../../libs/contract/key-availability';
import type { MemberConfig } from '../../libs/config/types';
import { cliJson, runCli, startCli } from '../cli/support/run-cli';
import { generateKeyWithPkcs11Tool } from '../drift/support/pkcs11-tool';
import { waitFor } from './wait-for';

export type WalkthroughPrincipal = 'operator' | 'approver-1' | 'approver-2' | 'approver-3' | 'auditor' | 'admin';
export type WalkthroughApprover = 'approver-1' | 'approver-2' | 'approver-3';

export interface WalkthroughMember {
  id: string;
  pkcs11Module: string;
  tokenLabel: string;
  pin: string;
  /** What the member's PKCS#11 module needs to find its token store (SOFTHSM2_CONF of its host). */
  environment: Record<string, string>;
}

export interface WalkthroughTarget {
  apiUrl: string;
  cluster: string;
  tokens: Record<WalkthroughPrincipal, string>;
  /** Each approver's Ed25519 private key (PEM file), as `keysync approve --key` reads it. */
  approverKeys: Record<WalkthroughApprover, string>;
  /** The founder first: it holds the cluster secrets and is the source of every sync. */
  members: WalkthroughMember[];
  /** Members without the cluster secrets yet: each joins in the walkthrough, sponsored by the founder. */
  joiners: string[];
  /** Where the stack archives each closed history, and the configuration whose approvers it is checked against. */
  auditArchive: { dir: string; configFile: string };
}

interface OperationView {
  state: string;
  package: { digest: string; keyCount: number } | null;
  members: { member: string; state: string; keysImported: number; keysSkipped: number; workflowId?: string }[];
  join?: { keySyncWorkflowId: string };
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

/** Registers the walkthrough's steps in the calling describe block; `target` is read once its beforeAll has run. */
export function walkthroughSteps(target: () => WalkthroughTarget): void {
  const scratch = mkdtempSync(join(tmpdir(), 'keysync-walkthrough-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const t = (): WalkthroughTarget => target();
  const founder = (): WalkthroughMember => t().members[0]!;
  const others = (): string[] => t().members.slice(1).map((member) => member.id);

  const request = async (method: string, path: string, as: WalkthroughPrincipal, options: { json?: unknown; body?: Buffer; headers?: Record<string, string> } = {}): Promise<Answer> => {
    const headers: Record<string, string> = { authorization: `Bearer ${t().tokens[as]}`, ...options.headers };
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${t().apiUrl}${path}`, { method, headers, body: options.json !== undefined ? JSON.stringify(options.json) : options.body });
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = {};
    }
    return { status: response.status, body, text };
  };
  /** The CLI as the principal's user runs it: only the API address and that principal's token. */
  const cliEnv = (as: WalkthroughPrincipal): NodeJS.ProcessEnv => ({ KEYSYNC_HOME: scratch, KEYSYNC_API_URL: t().apiUrl, KEYSYNC_TOKEN: t().tokens[as] });
  const operation = async (operationId: string) => (await request('GET', `/v1/operations/${operationId}`, 'auditor')).body as unknown as OperationView;
  const untilFinished = (operationId: string, description: string) =>
    waitFor(
      async () => {
        const view = await operation(operationId);
        return view.state !== 'running' ? view : null;
      },
      { timeoutMs: 240_000, intervalMs: 250, description },
    );
  /**
   * The challenge once the member awaits approval. A sync answers the challenge as soon as its package
   * exists, before the member's own workflow (which takes the approval) runs: an approval sent then
   * is a 409 nothing-to-approve, so an approver waits for awaiting-approval, as the CLI's users do.
   */
  const challengeFor = async (operationId: string, member: string, as: WalkthroughApprover) => {
    await waitFor(async () => (await operation(operationId)).members.find((entry) => entry.member === member)?.state === 'awaiting-approval', {
      timeoutMs: 240_000,
      intervalMs: 250,
      description: `${member} of ${operationId} to await approval`,
    });
    return waitFor(
      async () => {
        const answer = await request('GET', `/v1/operations/${operationId}/approvals/${member}/challenge`, as);
        return answer.status === 200 ? (answer.body.challenge as string) : null;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: `a challenge for ${member}` },
    );
  };
  const signWithKeyFile = (as: WalkthroughApprover, text: string) => sign(null, Buffer.from(text, 'utf8'), createPrivateKey(readFileSync(t().approverKeys[as], 'utf8'))).toString('base64');
  const approveOverApi = async (operationId: string, member: string, as: WalkthroughApprover) => {
    const challenge = await challengeFor(operationId, member, as);
    return request('POST', `/v1/operations/${operationId}/approvals`, as, { json: { member, decision: 'approve', signature: signWithKeyFile(as, challenge) } });
  };
  const approveWithCli = async (operationId: string, member: string, as: WalkthroughApprover) => {
    await challengeFor(operationId, member, as);
    const approval = await runCli(['approve', operationId, '--member', member, '--key', t().approverKeys[as]], cliEnv(as));
    expect(approval.code, approval.stderr).toBe(0);
    expect(approval.stdout).toContain(`${as} approved ${member} in ${operationId}`);
  };
  /** A key made outside KeySync, as a CA renewal does: pkcs11-tool on the founder's token, in the founder's environment. */
  const makeKeyOnFounder = (id: string, label: string) => {
    const member = founder();
    return generateKeyWithPkcs11Tool({ id: member.id, pkcs11Module: member.pkcs11Module, tokenLabel: member.tokenLabel } as MemberConfig, member.pin, { id, label, env: member.environment });
  };
  const availability = async (keyId: string) => {
    const answer = await request('GET', `/v1/clusters/${t().cluster}/keys/${keyId}/availability`, 'auditor');
    expect(answer.status, answer.text).toBe(200);
    return answer.body as unknown as KeyAvailabilityResult;
  };

  it('health shows Temporal reachable and every member’s agent up', async () => {
    const health = await waitFor(
      async () => {
        const answer = (await (await fetch(`${t().apiUrl}/v1/health`)).json()) as { status: string; members: { member: string }[] };
        return answer.status === 'ok' ? answer : null;
      },
      { timeoutMs: 90_000, intervalMs: 500, description: 'every agent up' },
    );
    expect(health.members.map((member) => member.member)).toEqual(t().members.map((member) => member.id));
  });

  it('joins each new member with two signed approvals; a second approval by the same approver is a 409 approval-duplicate with the reason', async () => {
    for (const member of t().joiners) {
      const started = await request('POST', `/v1/clusters/${t().cluster}/members`, 'admin', { json: { member, sponsor: founder().id } });
      expect(started.status, started.text).toBe(202);
      const operationId = started.body.operationId as string;

      expect((await approveOverApi(operationId, member, 'approver-1')).status).toBe(200);
      const again = await approveOverApi(operationId, member, 'approver-1');
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('approval-duplicate');
      expect(String(again.body.message)).toMatch(/counts once.*already counted/);
      expect((await approveOverApi(operationId, member, 'approver-2')).status).toBe(200);

      const done = await untilFinished(operationId, `the join of ${member} to finish`);
      expect(done.state).toBe('completed');
      expect(done.members).toEqual([expect.objectContaining({ member, state: 'in-sync' })]);

      // The join's histories: its own, then its key sync's and that sync's member sync.
      const keySyncId = done.join!.keySyncWorkflowId;
      const histories = await request('GET', `/v1/operations/${operationId}/history`, 'auditor');
      expect((histories.body.histories as { workflowId: string }[]).map((history) => history.workflowId)).toEqual([operationId, keySyncId, `${keySyncId}:${member}`]);
    }
  }, 600_000);

  let syncId = '';
  let digest = '';

  it('a key made on the founder with pkcs11-tool is on the founder only: availability says who lacks it', async () => {
    await makeKeyOnFounder('b2', 'renewed-ca');
    const before = await availability('b2');
    expect(before).toMatchObject({ keyId: 'b2', available: false, lacking: others(), conflicting: false, operationId: null });
  });

  it('keysync sync --wait brings it to every member once each approves with keysync approve (a forged approval is a 403 approval-bad-signature)', async () => {
    const sync = startCli(['sync', '--cluster', t().cluster, '--from', founder().id, '--keys', 'b2', '--reason', 'CA renewal', '--wait'], cliEnv('operator'));
    const [, operationId] = await sync.waitForStdout(/started (sync:\S+)/, 120_000);
    syncId = operationId!;

    const [firstTarget] = others();
    await challengeFor(syncId, firstTarget!, 'approver-3');
    const forged = await request('POST', `/v1/operations/${syncId}/approvals`, 'approver-3', {
      json: { member: firstTarget, decision: 'approve', signature: signWithKeyFile('approver-3', 'not the challenge') },
    });
    expect(forged.status).toBe(403);
    expect(forged.body.code).toBe('approval-bad-signature');
    expect(String(forged.body.message)).toMatch(/does not verify.*sign exactly that string/);

    for (const member of others()) await approveWithCli(syncId, member, 'approver-1');
    const finished = await sync.exited;
    expect(finished.code, finished.stdout + finished.stderr).toBe(0);
    expect(finished.stdout).toContain(`${syncId}: every member is in-sync.`);

    const done = await operation(syncId);
    expect(done.state).toBe('completed');
    expect(done.members.map((member) => [member.member, member.state, member.keysImported])).toEqual(others().map((member) => [member, 'in-sync', 1]));
    digest = done.package!.digest;
  }, 600_000);

  it('availability then finds the key on every member', async () => {
    const after = await availability('b2');
    expect(after).toMatchObject({ keyId: 'b2', available: true, lacking: [], conflicting: false });
    expect(after.members).toEqual(t().members.map((member) => ({ member: member.id, presence: 'present' })));
  });

  it('cancels a sync waiting for approval: it reads cancelled, and a second cancel is a 409', async () => {
    await makeKeyOnFounder('c3', 'cancelled-key');
    const started = await request('POST', `/v1/clusters/${t().cluster}/syncs`, 'operator', { json: { source: founder().id, keyIds: ['c3'], reason: 'to be cancelled' } });
    expect(started.status, started.text).toBe(202);
    const operationId = started.body.operationId as string;
    await challengeFor(operationId, others()[0]!, 'approver-1');
    expect((await request('POST', `/v1/operations/${operationId}/cancel`, 'operator')).status).toBe(202);
    const done = await untilFinished(operationId, 'the sync to end cancelled');
    expect(done.state).toBe('cancelled');
    expect(done.members.every((member) => member.state === 'failed')).toBe(true);
    const again = await request('POST', `/v1/operations/${operationId}/cancel`, 'operator');
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('operation-closed');
  }, 300_000);

  it('gives the auditor the raw histories (no PIN in them) and each member’s audit trail', async () => {
    const answer = await request('GET', `/v1/operations/${syncId}/history`, 'auditor');
    expect(answer.status).toBe(200);
    const ids = (answer.body.histories as { workflowId: string }[]).map((history) => history.workflowId);
    expect(ids).toEqual([syncId, ...others().map((member) => `${syncId}:${member}`)]);
    for (const member of t().members) expect(answer.text).not.toContain(member.pin);

    const member = others()[0]!;
    const trail = await waitFor(
      async () => {
        const audit = await cliJson<{ entries: { workflowId: string; state?: string }[] }>(['audit', 'member', '--cluster', t().cluster, '--member', member], cliEnv('auditor'));
        return audit.entries.some((entry) => entry.workflowId === `${syncId}:${member}` && entry.state === 'in-sync') ? audit.entries : null;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: `${member}’s member sync in its audit trail` },
    );
    expect(trail.some((entry) => entry.workflowId === syncId)).toBe(true);
  }, 120_000);

  it('keysync audit export writes the sync’s histories and approver keys; keysync audit verify replays them offline and finds each approval valid', async () => {
    const exportDir = join(scratch, 'export');
    const exported = await runCli(['audit', 'export', syncId, '--out', exportDir], cliEnv('auditor'));
    expect(exported.code, exported.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(exportDir, 'manifest.json'), 'utf8')) as { histories: { workflowId: string }[] };
    expect(manifest.histories.map((entry) => entry.workflowId).sort()).toEqual([syncId, ...others().map((member) => `${syncId}:${member}`)].sort());

    // Offline: no API address, no token.
    const verified = await runCli(['audit', 'verify', exportDir, '--json'], { KEYSYNC_HOME: scratch });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const report = JSON.parse(verified.stdout) as VerifyReport;
    expect(report.ok).toBe(true);
    const approvals = report.histories.flatMap((history) => history.approvals.map((approval) => [approval.member, approval.approverId, approval.verdict]));
    expect(approvals.sort()).toEqual(others().map((member) => [member, 'approver-1', 'valid']));
  }, 180_000);

  it('downloads the package and uploads it by hand to a member, which skips the key it already holds', async () => {
    const member = others()[0]!;
    const download = await fetch(`${t().apiUrl}/v1/packages/${digest}`, { headers: { authorization: `Bearer ${t().tokens.operator}` } });
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(digest);

    const uploaded = await request('POST', `/v1/clusters/${t().cluster}/members/${member}/packages?digest=${digest}`, 'operator', {
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(uploaded.status, uploaded.text).toBe(202);
    const operationId = uploaded.body.operationId as string;
    expect((await approveOverApi(operationId, member, 'approver-2')).status).toBe(200);
    const done = await untilFinished(operationId, 'the upload’s member sync to finish');
    expect(done).toMatchObject({ state: 'completed', package: { digest, keyCount: 1 } });
    expect(done.members).toEqual([expect.objectContaining({ member, state: 'in-sync', keysImported: 0, keysSkipped: 1 })]);
  }, 300_000);

  it('keysync audit verify replays the stack’s own audit archive against the configuration’s approvers, its index chain intact', async () => {
    const { dir, configFile } = t().auditArchive;
    const archive = new AuditArchive(dir);
    // Archiving runs after each workflow closes: wait until the sync's member syncs are in.
    await waitFor(async () => (await archive.list({ workflowId: `${syncId}:${others()[0]!}` })).length > 0, {
      timeoutMs: 90_000,
      intervalMs: 500,
      description: 'the sync’s member sync to be archived',
    });
    const result = await runCli(['audit', 'verify', dir, '--config', configFile, '--cluster', t().cluster, '--json'], { KEYSYNC_HOME: scratch });
    const report = JSON.parse(result.stdout) as VerifyReport & { archiveChain: { ok: boolean; entries: number } };
    expect(result.code, JSON.stringify(report.histories.filter((history) => !history.ok), null, 2)).toBe(0);
    expect(report.archiveChain).toMatchObject({ ok: true });
    expect(report.histories.length).toBe(report.archiveChain.entries);
    const verdicts = report.histories.flatMap((history) => history.approvals.map((approval) => `${history.workflowType}:${approval.decision}:${approval.verdict}`));
    expect(verdicts).toEqual(expect.arrayContaining(['join:approve:valid', 'memberSync:approve:valid']));
  }, 180_000);
}
