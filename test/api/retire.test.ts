// POST /v1/clusters/{cluster}/keys/{keyId}/retire over HTTP against real parts: the API in-process,
// the run's Temporal dev server, the real orchestrator and node agents on SoftHSM tokens. Bad input
// (DESIGN 13 and issue 13): an unknown id is a 404 naming the cluster, an id with several classes a
// 409 listing them, a key no member can export a 409 unless allowWithoutRecovery; then a retire
// approved over HTTP with member * (challenge, two signed approvals) ends with the key gone from
// every member and its recovery package reported; and the same through the CLI: `keysync retire
// --wait` approved by two `keysync approve --member '*'`, then `keysync audit export` and an
// offline `keysync audit verify` of the retire and each member's memberRetire.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../cli/support/run-cli';
import { waitFor } from '../support/wait-for';
import { signText } from '../workflows/support/approvers';
import { type ClusterFixture, createClusterFixture } from '../workflows/support/cluster-fixture';
import { keyObjectsOn, seedKeyEverywhere } from '../workflows/support/retire-helpers';
import { type ApiHarness, startApiHarness } from './support/api-harness';

interface RetireView {
  operationId: string;
  kind: string;
  state: string;
  requestedBy: string;
  members: { member: string; state: string; objectsDestroyed?: number }[];
  retire?: { key: { class: string; id: string; fingerprint: string }; phase: string; approvals: { required: number; granted: { approverId: string }[] }; tombstone: string | null };
  recoveryPackage?: { digest: string; expiresAt: string } | null;
}

describe('retire over HTTP', () => {
  let fixture: ClusterFixture;
  let api: ApiHarness;
  const retirePath = (keyId: string) => `/v1/clusters/${api.cluster}/keys/${keyId}/retire`;
  const read = async (operationId: string): Promise<RetireView> =>
    (await api.request('GET', `/v1/operations/${encodeURIComponent(operationId)}`, { as: 'auditor' })).body as unknown as RetireView;
  /** approver-1 and approver-2 each fetch the challenge (member *), sign it and send it; the challenge they signed. */
  const approveOverHttp = async (operationId: string): Promise<string> => {
    const challenge = await waitFor(async () => {
      const answer = await api.request('GET', `/v1/operations/${encodeURIComponent(operationId)}/approvals/*/challenge`, { as: 'approver-1' });
      return answer.status === 200 ? (answer.body.challenge as string) : null;
    }, { description: `the challenge of ${operationId}` });
    for (const [index, name] of (['approver-1', 'approver-2'] as const).entries()) {
      const answer = await api.request('POST', `/v1/operations/${encodeURIComponent(operationId)}/approvals`, {
        as: name,
        json: { member: '*', decision: 'approve', signature: signText(fixture.approvers[index]!, challenge) },
      });
      expect(answer.status, `${name}'s approval`).toBe(200);
    }
    return challenge;
  };
  const ended = (operationId: string): Promise<RetireView> =>
    waitFor(async () => {
      const current = await read(operationId);
      return current.state !== 'running' ? current : null;
    }, { timeoutMs: 60_000, description: `${operationId} to end` });

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: ['node1', 'node2'], withSecrets: ['node1', 'node2'] });
    await fixture.startWorkers();
    await seedKeyEverywhere(fixture, 'node1', 'c0de01', 'to-retire');
    // Different keys under one id on two members: a conflict for an operator, never a retire.
    await fixture.withToken('node2', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'twin-node2', id: 'c0de06' }));
    await fixture.withToken('node1', async (token) => {
      await token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'twin-node1', id: 'c0de06' });
      // One id, two classes: a retire must say which.
      await token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'twin-private', id: 'c0de02' });
      await token.generateKey({ keyType: 'aes', size: 256, label: 'twin-secret', id: 'c0de02' });
      await token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'stays-inside', id: 'c0de03', extractable: false });
    });
    // The configuration's retire policy: the recovery package is kept 7 days, not the default 30.
    fixture.cluster.policy.retire = { approvals: 2, timeoutSeconds: 600, recoveryDays: 7 };
    api = await startApiHarness({ baseConfig: fixture.config, orchestratorTaskQueue: fixture.orchestratorQueue });
  });

  afterAll(async () => {
    await api?.close();
    await fixture?.close();
  });

  it('GET /v1/clusters/{cluster} shows the retire policy', async () => {
    const cluster = await api.request('GET', `/v1/clusters/${api.cluster}`, { as: 'auditor' });
    expect((cluster.body.policy as { retire: unknown }).retire).toEqual({ approvals: 2, timeoutSeconds: 600, recoveryDays: 7 });
  });

  it('an unknown key id is a 404 naming the cluster; an unknown cluster a 404 too', async () => {
    const unknown = await api.request('POST', retirePath('beef'), { as: 'operator', json: { reason: 'no such key' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('key-not-found');
    expect(unknown.body.message).toContain(`Cluster ${api.cluster} has no key with id beef`);
    const cluster = await api.request('POST', '/v1/clusters/nowhere/keys/c0de01/retire', { as: 'operator', json: { reason: 'no such cluster' } });
    expect(cluster.status).toBe(404);
    expect(cluster.body.code).toBe('cluster-not-found');
  });

  it('an id that names several classes is a 409 listing them; with class it retires that key alone', async () => {
    const ambiguous = await api.request('POST', retirePath('c0de02'), { as: 'operator', json: { reason: 'which one' } });
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.code).toBe('key-class-ambiguous');
    expect(ambiguous.body.message).toMatch(/several classes .*: private, secret\. Send class \(private or secret\)/);
    const chosen = await api.request('POST', retirePath('c0de02'), { as: 'operator', json: { reason: 'the secret one', class: 'secret' } });
    expect(chosen.status).toBe(202);
    expect(chosen.body.kind).toBe('retire');
    const view = await waitFor(async () => {
      const current = await read(chosen.body.operationId as string);
      return current.retire ? current : null;
    }, { description: 'the retire of the secret key to answer' });
    expect(view.retire?.key).toMatchObject({ class: 'secret', id: 'c0de02' });
    // Approved, it destroys the secret key only: the private key under that id stays, and node2, which never held it, has nothing to destroy.
    const operationId = chosen.body.operationId as string;
    expect(await approveOverHttp(operationId)).toMatch(/\|\*\|retire:secret:c0de02:[0-9a-f]+\|approve$/);
    const done = await ended(operationId);
    expect(done.state).toBe('completed');
    expect(done.members.map((member) => [member.member, member.state, member.objectsDestroyed])).toEqual([
      ['node1', 'retired', 1],
      ['node2', 'retired', 0],
    ]);
    expect(await keyObjectsOn(fixture, 'node1', 'c0de02')).toEqual({ 'private-key': 1, 'public-key': 1 });
    // A class the id does not have: unknown.
    const none = await api.request('POST', retirePath('c0de03'), { as: 'operator', json: { reason: 'no secret there', class: 'secret' } });
    expect(none.status).toBe(404);
    expect(none.body.message).toContain('no secret key with id c0de03');
  });

  it('a key no member can export is a 409 saying why; allowWithoutRecovery true retires it, without a recovery package', async () => {
    const refused = await api.request('POST', retirePath('c0de03'), { as: 'operator', json: { reason: 'not exportable' } });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('key-not-exportable');
    expect(refused.body.message).toMatch(/not exportable on any member .*no recovery package .*allowWithoutRecovery: true/);
    const allowed = await api.request('POST', retirePath('c0de03'), { as: 'operator', json: { reason: 'destroy it anyway', allowWithoutRecovery: true } });
    expect(allowed.status).toBe(202);
    const view = await waitFor(async () => {
      const current = await read(allowed.body.operationId as string);
      return current.retire ? current : null;
    }, { description: 'the retire of the non-exportable key to answer' });
    expect(view.recoveryPackage).toBeNull();
    expect(view.retire?.phase).toBe('approval');
    await approveOverHttp(allowed.body.operationId as string);
    const done = await ended(allowed.body.operationId as string);
    expect(done).toMatchObject({ state: 'completed', recoveryPackage: null, package: null });
    expect(done.members.map((member) => [member.member, member.state, member.objectsDestroyed])).toEqual([
      ['node1', 'retired', 2],
      ['node2', 'retired', 0],
    ]);
    expect(await keyObjectsOn(fixture, 'node1', 'c0de03')).toEqual({});
  });

  it('different keys under the id on different members are a 409 naming their fingerprints', async () => {
    const conflict = await api.request('POST', retirePath('c0de06'), { as: 'operator', json: { reason: 'which one is right' } });
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('key-differs');
    expect(conflict.body.message).toMatch(/hold different keys under id c0de06 \(fingerprints [0-9a-f]{64}, [0-9a-f]{64}\)/);
  });

  it('bad input is a 400 naming each field; only an operator may retire', async () => {
    const bad = await api.request('POST', retirePath('c0de01'), { as: 'operator', json: { class: 'public', allowWithoutRecovery: 'yes' } });
    expect(bad.status).toBe(400);
    const fields = (bad.body.details as { field: string }[]).map((detail) => detail.field).sort();
    expect(fields).toEqual(['allowWithoutRecovery', 'class', 'reason']);
    const id = await api.request('POST', retirePath('xyz'), { as: 'operator', json: { reason: 'not hex' } });
    expect(id.status).toBe(400);
    expect((id.body.details as { field: string }[]).map((detail) => detail.field)).toEqual(['keyId']);
    const extra = await api.request('POST', retirePath('c0de01'), { as: 'operator', json: { reason: 'x', member: 'node1' } });
    expect(extra.status).toBe(400);
    const approver = await api.request('POST', retirePath('c0de01'), { as: 'approver-1', json: { reason: 'not mine to ask' } });
    expect(approver.status).toBe(403);
  });

  it('is approved with member * over HTTP, keeps a recovery package for policy.retire.recoveryDays and removes the key from every member', async () => {
    const started = await api.request('POST', retirePath('c0de01'), { as: 'operator', json: { reason: 'CA key compromised' } });
    expect(started.status).toBe(202);
    const operationId = started.body.operationId as string;
    expect(operationId).toMatch(new RegExp(`^retire:${api.cluster}:[0-9a-f-]{36}$`));
    expect(started.headers.get('location')).toBe(`/v1/operations/${encodeURIComponent(operationId)}`);

    const challengePath = `/v1/operations/${encodeURIComponent(operationId)}/approvals/*/challenge`;
    const challenge = await waitFor(async () => {
      const answer = await api.request('GET', challengePath, { as: 'approver-1' });
      return answer.status === 200 ? (answer.body.challenge as string) : null;
    }, { description: 'the retire challenge' });
    const view = await read(operationId);
    expect(challenge).toBe(`keysync-approval/1|${operationId}|*|retire:private:c0de01:${view.retire?.key.fingerprint}|approve`);
    // Per member is refused: a retire is approved once for all.
    const perMember = await api.request('GET', `/v1/operations/${encodeURIComponent(operationId)}/approvals/node1/challenge`, { as: 'approver-1' });
    expect(perMember.status).toBe(409);
    expect(perMember.body.message).toMatch(/use member \*/);

    const approve = (name: 'approver-1' | 'approver-2', index: number) =>
      api.request('POST', `/v1/operations/${encodeURIComponent(operationId)}/approvals`, {
        as: name,
        json: { member: '*', decision: 'approve', signature: signText(fixture.approvers[index]!, challenge) },
      });
    const forged = await api.request('POST', `/v1/operations/${encodeURIComponent(operationId)}/approvals`, {
      as: 'approver-1',
      json: { member: '*', decision: 'approve', signature: signText(fixture.approvers[1]!, challenge) },
    });
    expect(forged.status).toBe(403);
    expect(forged.body.code).toBe('approval-bad-signature');
    expect((await approve('approver-1', 0)).status).toBe(200);
    expect((await approve('approver-2', 1)).status).toBe(200);

    const done = await waitFor(async () => {
      const current = await read(operationId);
      return current.state !== 'running' ? current : null;
    }, { timeoutMs: 60_000, description: 'the retire to end' });
    expect(done).toMatchObject({ kind: 'retire', state: 'completed', requestedBy: 'operator' });
    expect(done.members.map((member) => [member.member, member.state, member.objectsDestroyed])).toEqual([
      ['node1', 'retired', 3],
      ['node2', 'retired', 3],
    ]);
    expect(done.recoveryPackage?.digest).toMatch(/^[0-9a-f]{64}$/);
    const keptDays = (Date.parse(done.recoveryPackage!.expiresAt) - Date.now()) / 86_400_000;
    expect(keptDays).toBeGreaterThan(6.9);
    expect(keptDays).toBeLessThanOrEqual(7);
    expect(done.retire?.approvals.granted.map((record) => record.approverId)).toEqual(['approver-1', 'approver-2']);
    for (const member of ['node1', 'node2']) expect(await keyObjectsOn(fixture, member, 'c0de01'), `c0de01 objects on ${member}`).toEqual({});
  });

  it("keysync retire --wait, approved by two keysync approve --member '*', exits 0 once retired everywhere; the member trail lists it and its audit export verifies offline", async () => {
    await seedKeyEverywhere(fixture, 'node1', 'c0de04', 'rotated-ca');
    const retire = startCli(['--api', api.baseUrl, '--token', api.tokens.operator, 'retire', 'c0de04', '--cluster', api.cluster, '--reason', 'rotated', '--wait'], { NO_COLOR: '1' });
    const [, operationId] = await retire.waitForStdout(/^started (retire:\S+)$/m);
    for (const [index, name] of (['approver-1', 'approver-2'] as const).entries()) {
      const pem = join(fixture.dir, `${name}.pem`);
      writeFileSync(pem, fixture.approvers[index]!.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
      const approve = await runCli(['--api', api.baseUrl, '--token', api.tokens[name], 'approve', operationId!, '--member', '*', '--key', pem, '--approver', name], {});
      expect(approve.code, approve.stderr).toBe(0);
      expect(approve.stdout).toContain(`${name} approved * in ${operationId}: ${index + 1} of 2 approval(s) granted.`);
    }
    const done = await retire.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain(`keysync approve ${operationId} --member '*'`);
    expect(done.stdout).toMatch(/^ {2}node1 {2}retired {2}objects 3 destroyed {2}attempts 1$/m);
    expect(done.stdout.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^${operationId!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: retired on every member; recovery package [0-9a-f]{64} until \\S+\\.$`));
    for (const member of ['node1', 'node2']) expect(await keyObjectsOn(fixture, member, 'c0de04'), `c0de04 objects on ${member}`).toEqual({});

    // Each member's audit trail lists its memberRetire; the export holds the retire and every memberRetire, and verifies offline.
    const trail = await api.request('GET', `/v1/clusters/${api.cluster}/members/node2/audit`, { as: 'auditor' });
    expect(trail.body.entries).toEqual(expect.arrayContaining([expect.objectContaining({ workflowId: `${operationId}:node2`, workflowType: 'memberRetire', kind: 'member-retire', state: 'retired' })]));
    const auditor = ['--api', api.baseUrl, '--token', api.tokens.auditor];
    const exportDir = join(fixture.dir, 'retire-audit');
    const exported = await runCli([...auditor, 'audit', 'export', operationId!, '--out', exportDir], {});
    expect(exported.code, exported.stderr).toBe(0);
    const verified = await runCli(['audit', 'verify', exportDir, '--json'], {});
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const report = JSON.parse(verified.stdout) as { ok: boolean; histories: { workflowType: string; replay: { ok: boolean }; approvals: { approverId: string; member: string; verdict: string }[] }[] };
    expect(report.ok).toBe(true);
    expect(report.histories.map((history) => [history.workflowType, history.replay.ok]).sort()).toEqual([
      ['memberRetire', true],
      ['memberRetire', true],
      ['retire', true],
    ]);
    expect(report.histories.find((history) => history.workflowType === 'retire')!.approvals.map((approval) => [approval.approverId, approval.member, approval.verdict])).toEqual([
      ['approver-1', '*', 'valid'],
      ['approver-2', '*', 'valid'],
    ]);
  });
});
