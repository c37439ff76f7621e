// FIDO2 security key approvals over HTTP (DESIGN 14) on real parts: the API in-process, the run's
// Temporal dev server, the real orchestrator and node agents on SoftHSM tokens. The test plays the
// authenticator (a node:crypto P-256 key, test/support/security-key.ts): approver-1 registers it
// (pending), its approval is refused as unknown-credential until the admin confirms it, then a
// sync is approved with it and approver-2's Ed25519 signature (two of two, four eyes), and every
// member ends in sync. Refused registrations name what was wrong; nothing secret reaches the logs.
// The admin confirms with `keysync credentials confirm`; `keysync audit export` carries the
// credential store's history, and `keysync audit verify` accepts the security key approval offline
// and refuses it when the store's confirmation is missing or forged.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../apps/cli/audit-verify';
import { AuditArchive } from '../../libs/audit-archive';
import { runCli } from '../cli/support/run-cli';
import { approveSignal, memberStateQuery } from '../../libs/contract/messages';
import { credentialStoreWorkflowId } from '../../libs/contract/workflow-ids';
import { approveWithSecurityKey, flags, makeSecurityKey, registerSecurityKey } from '../support/security-key';
import type { TestSecurityKey } from '../support/security-key';
import { waitFor } from '../support/wait-for';
import { signText } from '../workflows/support/approvers';
import { fetchHistoryJson, recordHistory, secretsIn, secretsToLookFor } from '../workflows/support/histories';
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
  const scratch = mkdtempSync(join(tmpdir(), 'keysync-fido-'));
  const cliEnv = (as: 'auditor' | 'admin'): NodeJS.ProcessEnv => ({ KEYSYNC_HOME: scratch, KEYSYNC_API_URL: api.baseUrl, KEYSYNC_TOKEN: api.tokens[as] });
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
    rmSync(scratch, { recursive: true, force: true });
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
    // The same by signal (the Temporal UI's way): recorded as refused, and ignored.
    const member = fixture.client.workflow.getHandle(`${operationId}:node2`);
    await member.signal(approveSignal, approveWithSecurityKey(key, challenge, 'node2', ceremony));
    const refusals = await waitFor(async () => {
      const { approvals } = await member.query(memberStateQuery);
      return approvals.refused.length > 0 ? approvals : null;
    }, { description: 'the signal recorded as refused' });
    expect(refusals.refused).toEqual([expect.objectContaining({ approverId: 'approver-1', code: 'unknown-credential' })]);
    expect(refusals.granted).toEqual([]);
  }, 120_000);

  it('only an admin confirms, once; the record says who and when', async () => {
    const confirmPath = `${credentialsPath()}/${key.credentialId}/confirm`;
    expect((await api.request('POST', confirmPath, { as: 'approver-1' })).status).toBe(403);
    const unknown = await api.request('POST', `${credentialsPath()}/${'A'.repeat(43)}/confirm`, { as: 'admin' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('credential-unknown');
    const listed = await runCli(['credentials', 'list', '--cluster', api.cluster], cliEnv('auditor'));
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`approver-1\\s+${key.credentialId}\\s+test key\\s+pending`));
    expect(listed.stdout).toContain('keysync credentials confirm <approverId> <credentialId>');
    const confirmed = await runCli(['credentials', 'confirm', 'approver-1', key.credentialId, '--cluster', api.cluster, '--json'], cliEnv('admin'));
    expect(confirmed.code, confirmed.stderr).toBe(0);
    const record = JSON.parse(confirmed.stdout) as CredentialView;
    expect(record).toMatchObject({ state: 'confirmed', confirmedBy: 'admin' });
    expect(Date.parse(record.confirmedAt!)).not.toBeNaN();
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
    // For replay (test/workflows/replay.test.ts): a memberSync approved with a security key, refused
    // twice in its update handler and once by signal first, and the credential store that confirmed the key.
    const memberId = `${operationId}:node2`;
    const storeId = credentialStoreWorkflowId(api.cluster);
    const [memberHistory, storeHistory] = [await fetchHistoryJson(fixture.client, memberId), await fetchHistoryJson(fixture.client, storeId)];
    // Neither holds a PIN, a wrapped key or an API token.
    const secrets = [...secretsToLookFor(fixture.pins, fixture.packagesDir), ...Object.values(api.tokens)];
    expect(secretsIn(memberHistory, secrets), 'secrets in the member sync').toBe(0);
    expect(secretsIn(storeHistory, secrets), 'secrets in the credential store').toBe(0);
    recordHistory('member-sync-security-key', memberId, memberHistory);
    recordHistory('approver-credentials', storeId, storeHistory);
  }, 180_000);

  it('keysync audit export carries the credential store; keysync audit verify accepts the security key approval offline and refuses it without a valid confirmation', async () => {
    const exportDir = join(scratch, 'export');
    const exported = await runCli(['audit', 'export', operationId, '--out', exportDir], cliEnv('auditor'));
    expect(exported.code, exported.stderr).toBe(0);
    const manifestPath = join(exportDir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { histories: { workflowId: string; file: string; sha256: string }[] };
    const store = manifest.histories.find((entry) => entry.workflowId === credentialStoreWorkflowId(api.cluster));
    expect(store, 'the credential store history in the export').toBeDefined();

    const verify = async () => {
      const result = await runCli(['audit', 'verify', exportDir, '--json'], { KEYSYNC_HOME: scratch });
      return { code: result.code, report: JSON.parse(result.stdout) as VerifyReport };
    };
    const good = await verify();
    expect(good.code, JSON.stringify(good.report.histories.filter((history) => !history.ok), null, 2)).toBe(0);
    const member = good.report.histories.find((history) => history.workflowId === `${operationId}:node2`)!;
    // approver-1's security key refused while pending, then from another origin (both updates failed in
    // the handler, which asked the store: the gate had not yet seen the key confirmed; the signal between
    // them recorded as refused), then valid;
    // approver-2's Ed25519 signature valid.
    expect(member.approvals.map((approval) => [approval.approverId, approval.via, approval.verdict])).toEqual([
      ['approver-1', 'update', 'refused-by-workflow'],
      ['approver-1', 'signal', 'refused-by-workflow'],
      ['approver-1', 'update', 'refused-by-workflow'],
      ['approver-1', 'update', 'valid'],
      ['approver-2', 'update', 'valid'],
    ]);

    // Forged: the store's confirmation rewritten as approver-1 confirming its own key (the digest recomputed too).
    const storeFile = join(exportDir, store!.file);
    const original = readFileSync(storeFile, 'utf8');
    const history = JSON.parse(original) as { events: Record<string, { acceptedRequest?: { input?: { name?: string; args?: { payloads: { data: string }[] } } } }>[] };
    const confirm = history.events.map((event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input).find((input) => input?.name === 'confirm-credential')!;
    const payload = confirm.args!.payloads[0]!;
    payload.data = Buffer.from(JSON.stringify({ ...(JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as object), by: 'approver-1' })).toString('base64');
    const rewrite = (json: string) => {
      writeFileSync(storeFile, json);
      store!.sha256 = createHash('sha256').update(json).digest('hex');
      writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    };
    rewrite(JSON.stringify(history));
    const forged = await verify();
    expect(forged.code).toBe(1);
    expect(forged.report.histories.find((entry) => entry.workflowId === `${operationId}:node2`)!.problems.join('\n')).toMatch(
      new RegExp(`security key credential ${key.credentialId} was not confirmed for approver-1 by an admin`),
    );

    // Missing: the export without the credential store's history.
    rewrite(original);
    rmSync(storeFile);
    manifest.histories = manifest.histories.filter((entry) => entry !== store);
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    const missing = await verify();
    expect(missing.code).toBe(1);
    expect(missing.report.histories.find((entry) => entry.workflowId === `${operationId}:node2`)!.problems.join('\n')).toMatch(/was not confirmed for approver-1 by an admin/);
  }, 180_000);

  it('the stack’s audit archive verifies the security key approval with the store’s history brought by keysync credentials export, and not without it', async () => {
    const archiveDir = fixture.config.auditArchive.dir;
    await waitFor(async () => (await new AuditArchive(archiveDir).list({ workflowId: `${operationId}:node2` })).length > 0, {
      timeoutMs: 90_000,
      intervalMs: 500,
      description: 'the member sync to be archived',
    });
    const configFile = join(scratch, 'config.json');
    writeFileSync(configFile, JSON.stringify(api.config), { mode: 0o600 });
    const storeFile = join(scratch, 'credentials.json');
    const exported = await runCli(['credentials', 'export', '--cluster', api.cluster, '--out', storeFile], cliEnv('auditor'));
    expect(exported.code, exported.stderr).toBe(0);

    const verify = async (...extra: string[]) => {
      const result = await runCli(['audit', 'verify', archiveDir, '--config', configFile, '--cluster', api.cluster, ...extra, '--json'], { KEYSYNC_HOME: scratch });
      const report = JSON.parse(result.stdout) as VerifyReport;
      return { code: result.code, member: report.histories.find((history) => history.workflowId === `${operationId}:node2`)!, report };
    };
    const without = await verify();
    expect(without.code).toBe(1);
    expect(without.member.problems.join('\n')).toMatch(/pass keysync credentials export's file with --credentials/);
    const withStore = await verify('--credentials', storeFile);
    expect(withStore.code, JSON.stringify(withStore.report.histories.filter((history) => !history.ok), null, 2)).toBe(0);
    expect(withStore.member.approvals.filter((approval) => approval.verdict === 'valid').map((approval) => approval.approverId)).toEqual(['approver-1', 'approver-2']);
  }, 180_000);

  it('writes no assertion signature, client data or attestation to the API log', () => {
    const logs = api.logText();
    const assertion = approveWithSecurityKey(key, challenge, 'node2', ceremony).webauthn!;
    expect(logs).not.toContain(assertion.clientDataJSON);
    expect(logs).not.toContain(createHash('sha256').update(challenge).digest('base64url'));
  });
});
