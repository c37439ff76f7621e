// FIDO2 security key approvals over HTTP (DESIGN 14) on real parts: the API in-process, the run's
// Temporal dev server, the real orchestrator and node agents on SoftHSM tokens. The test plays the
// authenticator (a node:crypto P-256 key, test/support/security-key.ts): approver-1 registers it
// (pending), its approval is refused as unknown-credential until the admin confirms it, then a
// sync is approved with it and approver-2's Ed25519 signature (two of two, four eyes), and every
// member ends in sync. Refused registrations name what was wrong; nothing secret reaches the logs.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialStoreWorkflowId } from '../../libs/contract/workflow-ids';
import { approveWithSecurityKey, flags, makeSecurityKey, registerSecurityKey } from '../support/security-key';
import type { TestSecurityKey } from '../support/security-key';
import { waitFor } from '../support/wait-for';
import { signText } from '../workflows/support/approvers';
import { type ClusterFixture, createClusterFixture } from '../workflows/support/cluster-fixture';
import { type ApiHarness, startApiHarness } from './support/api-harness';

const rpId = 'localhost';
const origin = 'http://localhost:8443';
const ceremony = { rpId, origin };

interface CredentialView {
  credentialId: string;
  approverId: string;
  state: string;
  confirmedBy?: string;
  confirmedAt?: string;
  name?: string;
}

describe('security key approvals over HTTP', () => {
  let fixture: ClusterFixture;
  let api: ApiHarness;
  let key: TestSecurityKey;
  let operationId = '';
  let challenge = '';
  const credentialsPath = () => `/v1/clusters/${api.cluster}/approvers/approver-1/credentials`;
  const options = async (): Promise<string> => {
    const answer = await api.request('POST', `${credentialsPath()}/options`, { as: 'approver-1' });
    expect(answer.status, answer.text).toBe(200);
    return answer.body.challenge as string;
  };
  const list = async (): Promise<CredentialView[]> => {
    const answer = await api.request('GET', `/v1/clusters/${api.cluster}/approvers/credentials`, { as: 'auditor' });
    expect(answer.status, answer.text).toBe(200);
    return answer.body.credentials as CredentialView[];
  };
  const approve = (as: 'approver-1' | 'approver-2', json: unknown) => api.request('POST', `/v1/operations/${encodeURIComponent(operationId)}/approvals`, { as, json });

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: ['node1', 'node2'], withSecrets: ['node1', 'node2'], syncPolicy: { approvals: 2, timeoutSeconds: 600 } });
    // The worker and the API read the same configuration object: both see the relying party.
    fixture.cluster.webauthn = { rpId, origins: [origin] };
    await fixture.withToken('node1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'fido-approved', id: 'f1d0' }));
    await fixture.startWorkers();
    api = await startApiHarness({ baseConfig: fixture.config, orchestratorTaskQueue: fixture.orchestratorQueue });
    key = makeSecurityKey('approver-1');
  });

  afterAll(async () => {
    await api?.close();
    // The store runs as long as its cluster: this test's cluster ends here.
    await fixture?.client.workflow
      .getHandle(credentialStoreWorkflowId(fixture.clusterId))
      .terminate('test over')
      .catch(() => undefined);
    await fixture?.close();
  });

  it('gives registration options for oneself only: ES256, user verification required, the RP id, a fresh challenge', async () => {
    const answer = await api.request('POST', `${credentialsPath()}/options`, { as: 'approver-1' });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({
      rp: { id: rpId },
      user: { id: Buffer.from('approver-1').toString('base64url'), name: 'approver-1' },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      authenticatorSelection: { userVerification: 'required', residentKey: 'discouraged' },
      attestation: 'none',
      excludeCredentials: [],
    });
    expect(answer.body.challenge).toMatch(/^[A-Za-z0-9_-]{70,}$/);
    const other = await api.request('POST', `${credentialsPath()}/options`, { as: 'approver-2' });
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('not-this-approver');
  });

  it('refuses a registration from another origin, for another RP id, without user verification, or over a forged challenge, naming what was wrong', async () => {
    const cases: [Parameters<typeof registerSecurityKey>[2], string, RegExp][] = [
      [{ ...ceremony, origin: 'https://evil.example' }, await options(), /origin "https:\/\/evil.example" is not among the allowed origins/],
      [{ ...ceremony, rpId: 'evil.example' }, await options(), /rpIdHash is not SHA-256 of the RP id localhost/],
      [{ ...ceremony, flags: flags.up | flags.at }, await options(), /user-verified flag \(UV\)/],
      [ceremony, Buffer.alloc(56, 7).toString('base64url'), /was not issued by this API/],
    ];
    for (const [ceremonyOptions, registrationChallenge, reason] of cases) {
      const answer = await api.request('POST', credentialsPath(), { as: 'approver-1', json: registerSecurityKey(key, registrationChallenge, ceremonyOptions) });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body.code).toBe('invalid-registration');
      expect(answer.body.message).toMatch(reason);
    }
    expect(await list()).toEqual([]);
  });

  it('registers the security key pending; approver-2 cannot register it for approver-1', async () => {
    const registration = registerSecurityKey(key, await options(), ceremony);
    const foreign = await api.request('POST', credentialsPath(), { as: 'approver-2', json: registration });
    expect(foreign.status).toBe(403);
    const answer = await api.request('POST', credentialsPath(), { as: 'approver-1', json: { ...registration, name: 'test key' } });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body).toMatchObject({ credentialId: key.credentialId, approverId: 'approver-1', state: 'pending', name: 'test key', publicKey: key.publicKey, rpId });
    expect(await list()).toEqual([expect.objectContaining({ credentialId: key.credentialId, state: 'pending' })]);
    const again = await api.request('POST', credentialsPath(), { as: 'approver-1', json: registerSecurityKey(key, await options(), ceremony) });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('credential-exists');
  });

  it('a sync waits for two approvals; the pending credential’s approval is refused as unknown-credential', async () => {
    const started = await api.request('POST', `/v1/clusters/${api.cluster}/syncs`, { as: 'operator', json: { source: 'node1', reason: 'security key approval' } });
    expect(started.status, started.text).toBe(202);
    operationId = started.body.operationId as string;
    challenge = await waitFor(async () => {
      const answer = await api.request('GET', `/v1/operations/${encodeURIComponent(operationId)}/approvals/node2/challenge`, { as: 'approver-1' });
      return answer.status === 200 ? (answer.body.challenge as string) : null;
    }, { timeoutMs: 60_000, description: 'node2 awaiting approval' });
    const refused = await approve('approver-1', approveWithSecurityKey(key, challenge, 'node2', ceremony));
    expect(refused.status, refused.text).toBe(403);
    expect(refused.body.code).toBe('approval-unknown-credential');
    expect(refused.body.message).toMatch(/is not confirmed for approver-1/);
  }, 120_000);

  it('only an admin confirms, once; the record says who and when', async () => {
    const confirmPath = `${credentialsPath()}/${key.credentialId}/confirm`;
    expect((await api.request('POST', confirmPath, { as: 'approver-1' })).status).toBe(403);
    const unknown = await api.request('POST', `${credentialsPath()}/${'A'.repeat(43)}/confirm`, { as: 'admin' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('credential-unknown');
    const confirmed = await api.request('POST', confirmPath, { as: 'admin' });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body).toMatchObject({ state: 'confirmed', confirmedBy: 'admin' });
    expect(Date.parse(confirmed.body.confirmedAt as string)).not.toBeNaN();
    const twice = await api.request('POST', confirmPath, { as: 'admin' });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('credential-wrong-state');
    expect(await list()).toEqual([expect.objectContaining({ credentialId: key.credentialId, state: 'confirmed', confirmedBy: 'admin' })]);
  });

  it('refuses the confirmed key’s assertion over another challenge or origin, then counts it once; approver-2’s Ed25519 signature makes two and the sync completes', async () => {
    const otherOperation = challenge.replace(operationId, `${operationId}x`);
    const wrongChallenge = await approve('approver-1', approveWithSecurityKey(key, otherOperation, 'node2', ceremony));
    expect(wrongChallenge.status, wrongChallenge.text).toBe(403);
    expect(wrongChallenge.body.code).toBe('approval-bad-signature');
    const wrongOrigin = await approve('approver-1', approveWithSecurityKey(key, challenge, 'node2', { ...ceremony, origin: 'https://evil.example' }));
    expect(wrongOrigin.status).toBe(403);
    expect(wrongOrigin.body.message).toMatch(/origin "https:\/\/evil.example" is not among the allowed origins/);
    const both = await approve('approver-1', { ...approveWithSecurityKey(key, challenge, 'node2', ceremony), signature: 'A'.repeat(86) + '==' });
    expect(both.status).toBe(400);

    const first = await approve('approver-1', approveWithSecurityKey(key, challenge, 'node2', ceremony));
    expect(first.status, first.text).toBe(200);
    expect((first.body.approvals as { granted: { approverId: string }[] }).granted.map((record) => record.approverId)).toEqual(['approver-1']);
    const again = await approve('approver-1', approveWithSecurityKey(key, challenge, 'node2', ceremony));
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('approval-duplicate');

    const second = await approve('approver-2', { member: 'node2', decision: 'approve', signature: signText(fixture.approvers[1]!, challenge) });
    expect(second.status, second.text).toBe(200);
    const done = await waitFor(async () => {
      const answer = await api.request('GET', `/v1/operations/${encodeURIComponent(operationId)}`, { as: 'auditor' });
      return answer.body.state !== 'running' ? answer.body : null;
    }, { timeoutMs: 120_000, description: 'the sync to end' });
    expect(done.state).toBe('completed');
    expect((done.members as { member: string; state: string; keysImported: number }[]).find((member) => member.member === 'node2')).toMatchObject({ state: 'in-sync', keysImported: 1 });
  }, 180_000);

  it('writes no assertion signature, client data or attestation to the API log', () => {
    const logs = api.logText();
    const assertion = approveWithSecurityKey(key, challenge, 'node2', ceremony).webauthn!;
    expect(logs).not.toContain(assertion.clientDataJSON);
    expect(logs).not.toContain(createHash('sha256').update(challenge).digest('base64url'));
  });
});
