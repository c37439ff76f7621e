// The console in a real browser (Debian's Chromium through playwright-core) on the real parts:
// the API in-process serving it, the run's Temporal dev server, the orchestrator and the node
// agents on SoftHSM tokens. Keys are made outside KeySync with pkcs11-tool, as a CA does.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApiHarness } from '../api/support/api-harness';
import { runCli } from '../cli/support/run-cli';
import { generateKeyWithPkcs11Tool } from '../drift/support/pkcs11-tool';
import { credentialStoreWorkflowId } from '../../libs/contract/workflow-ids';
import { waitFor } from '../support/wait-for';
import { type ClusterFixture, createClusterFixture } from '../workflows/support/cluster-fixture';
import { signText } from '../workflows/support/approvers';
import { launchChromium, requireBuiltConsole, screenshot, signInAs } from './support/browser';

describe('the console in a browser', () => {
  let fixture: ClusterFixture;
  let api: ApiHarness;
  let browser: Browser;
  let consoleUrl: string;

  beforeAll(async () => {
    requireBuiltConsole();
    fixture = await createClusterFixture({ members: ['node1', 'node2'], withSecrets: ['node1', 'node2'], syncPolicy: { approvals: 1, timeoutSeconds: 600 } });
    // The worker and the API read this same configuration object; the origin is added once the API has its port.
    const relyingParty = { rpId: 'localhost', origins: [] as string[] };
    fixture.cluster.webauthn = relyingParty;
    await fixture.startWorkers();
    api = await startApiHarness({ baseConfig: fixture.config, orchestratorTaskQueue: fixture.orchestratorQueue });
    // localhost, not 127.0.0.1: the RP id security keys are registered for (a secure context either way).
    consoleUrl = api.baseUrl.replace('127.0.0.1', 'localhost');
    relyingParty.origins.push(consoleUrl);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    // The credential store runs as long as its cluster: this test's cluster ends here.
    await fixture?.client.workflow
      .getHandle(credentialStoreWorkflowId(fixture.clusterId))
      .terminate('test over')
      .catch(() => undefined);
    await fixture?.close();
  });

  const makeKeyOnNode1 = async (label: string) => {
    const id = randomBytes(4).toString('hex');
    const node1 = fixture.cluster.members.find((member) => member.id === 'node1')!;
    await generateKeyWithPkcs11Tool(node1, fixture.pins.node1!, { id, label });
    return id;
  };
  const operation = async (operationId: string) => (await api.request('GET', `/v1/operations/${operationId}`, { as: 'auditor' })).body as { state: string; package: { digest: string; keys?: { class: string; id: string; label: string; fingerprint: string }[] } | null; members: { member: string; state: string; workflowId?: string; approvals?: { required: number; granted: { approverId: string; decision: string }[] } }[] };
  /** approver-1 approves node2's step with its Ed25519 key file, as `keysync approve` does, once node2 awaits it. */
  const approveNode2 = async (operationId: string) => {
    await waitFor(async () => (await operation(operationId)).members.find((member) => member.member === 'node2')?.state === 'awaiting-approval', {
      timeoutMs: 120_000,
      intervalMs: 250,
      description: 'node2 to await approval',
    });
    const approver = fixture.approvers.find((entry) => entry.config.id === 'approver-1')!;
    const { challenge } = (await api.request('GET', `/v1/operations/${operationId}/approvals/node2/challenge`, { as: 'approver-1' })).body as { challenge: string };
    const answer = await api.request('POST', `/v1/operations/${operationId}/approvals`, { as: 'approver-1', json: { member: 'node2', decision: 'approve', signature: signText(approver, challenge) } });
    expect(answer.status, answer.text).toBe(200);
  };

  it('is served at / with a strict Content-Security-Policy and cached hashed assets, beside an untouched /v1', async () => {
    const page = await fetch(`${consoleUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toContain('unsafe-inline');
    const html = await page.text();
    // No inline script: the one script is a file of this origin.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    const script = /src="(\/assets\/console-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${consoleUrl}${script}`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${consoleUrl}/assets/..%2Fpackage.json`)).status).toBe(404);
    const health = await fetch(`${consoleUrl}/v1/health`);
    expect(health.headers.get('content-type')).toContain('application/json');
    // Neither the page nor the API names its framework.
    expect(page.headers.get('x-powered-by')).toBeNull();
    expect(health.headers.get('x-powered-by')).toBeNull();
  });

  it('refuses a wrong token with the API’s own message, keeps a good one in sessionStorage only, and shows the members’ cluster secret check values', async () => {
    const context = await browser.newContext({ baseURL: consoleUrl });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByLabel('API token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Could not sign in\..*token.*HTTP 401/s);
    await screenshot(page, 'sign-in-refused');
    await page.getByLabel('API token').fill(api.tokens.operator);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: `Cluster ${api.cluster}` }).waitFor();
    expect(await page.evaluate<string[]>('Object.values(sessionStorage)')).toContain(api.tokens.operator);
    expect(await page.evaluate<number>('localStorage.length')).toBe(0);
    await page.locator('tr[data-member="node2"]').getByText('held').waitFor();
    // Both tokens hold the same cluster secrets: the same check values.
    const checkValues = await Promise.all(['node1', 'node2'].map((member) => page.locator(`tr[data-member="${member}"] [data-kcv]`).getAttribute('data-kcv')));
    expect(checkValues[0]).toMatch(/^[0-9a-f]+\/[0-9a-f]+$/);
    expect(checkValues[1]).toBe(checkValues[0]);
    await screenshot(page, 'cluster');
    await context.close();
  });

  it('shows a pkcs11-tool key present on node1 and missing on node2 in the matrix, syncs it from the Keys page, follows node2 to in-sync live and downloads the package', async () => {
    const keyId = await makeKeyOnNode1('console-sync');
    const { context, page, policyViolations } = await signInAs(browser, consoleUrl, api.tokens.operator);
    // The operation page reads every second, accepting a view a second old (the API's followed views).
    const operationReads: (string | undefined)[] = [];
    page.on('request', (request) => {
      if (request.method() === 'GET' && /^\/v1\/operations\/[^/]+$/.test(new URL(request.url()).pathname)) operationReads.push(request.headers()['cache-control']);
    });
    await page.getByRole('link', { name: 'Keys' }).click();
    const row = page.locator(`#key-matrix tr[data-key="${keyId}"]`);
    await row.waitFor();
    expect(await row.locator('td[data-member="node1"]').getAttribute('data-state')).toBe('present');
    expect(await row.locator('td[data-member="node2"]').getAttribute('data-state')).toBe('missing');
    await page.getByLabel('Filter').fill('console-sync');
    await row.getByRole('checkbox').check();
    await page.getByLabel('From member').selectOption('node1');
    await page.getByLabel('Reason for the sync').fill('console test');
    await screenshot(page, 'keys');
    await page.getByRole('button', { name: 'Sync 1 key group' }).click();
    await page.waitForURL(/#\/operations\/sync%3A/);
    const operationId = decodeURIComponent(page.url().split('#/operations/')[1]!);
    // A mark on the window: a reload would drop it.
    await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
    await page.locator('#operation-members tr[data-member="node2"][data-state="awaiting-approval"]').waitFor({ timeout: 120_000 });
    // The package's keys, the one selected, while the approvers are asked.
    await page.locator(`table.package-keys tr[data-key-id="${keyId}"]`).getByText('console-sync').waitFor();
    await screenshot(page, 'operation-awaiting-approval');
    await approveNode2(operationId);
    await page.locator('#operation-members tr[data-member="node2"][data-state="in-sync"]').waitFor({ timeout: 120_000 });
    await page.locator('#operation-state').getByText('completed').waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(operationReads.length).toBeGreaterThan(1);
    expect(new Set(operationReads)).toEqual(new Set(['max-age=1']));
    await screenshot(page, 'operation-in-sync');
    // Its package, downloaded by the operator, is the file its digest names.
    const [packageFile] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the package' }).click()]);
    const digest = (await operation(operationId)).package!.digest;
    expect(createHash('sha256').update(readFileSync(await packageFile.path())).digest('hex')).toBe(digest);
    // The Operations page lists it, completed.
    await page.getByRole('link', { name: 'Operations' }).click();
    await page.locator(`#operations tr[data-operation="${operationId}"]`).getByText('completed').waitFor();
    await screenshot(page, 'operations');
    // Every page so far ran under the strict policy without the browser refusing anything.
    expect(policyViolations).toEqual([]);
    await context.close();
  });

  it('starts a retire of the one selected key from the Keys page, which then waits for the approvers', async () => {
    const keyId = await makeKeyOnNode1('console-retire');
    const { context, page } = await signInAs(browser, consoleUrl, api.tokens.operator);
    await page.getByRole('link', { name: 'Keys' }).click();
    const row = page.locator(`#key-matrix tr[data-key="${keyId}"]`);
    await row.getByRole('checkbox').check();
    await page.getByLabel('Reason for the retire').fill('compromised in a console test');
    await page.getByRole('button', { name: 'Retire console-retire' }).click();
    await page.waitForURL(/#\/operations\/retire%3A/);
    const operationId = decodeURIComponent(page.url().split('#/operations/')[1]!);
    try {
      await page.getByText(`private console-retire (${keyId})`).waitFor();
      await page.locator('#operation-state').getByText('running').waitFor();
      const view = await waitFor(
        async () => {
          const answer = (await api.request('GET', `/v1/operations/${encodeURIComponent(operationId)}`, { as: 'auditor' })).body as { kind: string; requestedBy: string; retire?: { key: { id: string }; phase: string } };
          return answer.retire?.phase === 'approval' ? answer : null;
        },
        { timeoutMs: 60_000, intervalMs: 250, description: 'the retire to wait for approvals' },
      );
      expect(view).toMatchObject({ kind: 'retire', requestedBy: 'operator', retire: { key: { id: keyId } } });
    } finally {
      // Nobody approves it here: the test's own retire ends with the test.
      await fixture.client.workflow.getHandle(operationId).terminate('test over').catch(() => undefined);
      await context.close();
    }
  });

  it('offers cancel to an operator, who cancels a waiting sync, and not to an auditor', async () => {
    const keyId = await makeKeyOnNode1('console-cancel');
    const started = await api.request('POST', `/v1/clusters/${api.cluster}/syncs`, { as: 'operator', json: { source: 'node1', keyIds: [keyId], reason: 'to cancel' } });
    expect(started.status, started.text).toBe(202);
    const operationId = started.body.operationId as string;
    const hash = `/#/operations/${encodeURIComponent(operationId)}`;

    const auditor = await signInAs(browser, consoleUrl, api.tokens.auditor);
    await auditor.page.goto(hash);
    await auditor.page.locator('#operation-members tr[data-member="node2"]').waitFor();
    await auditor.page.locator('#operation-state').getByText('running').waitFor();
    expect(await auditor.page.locator('#cancel-operation').count()).toBe(0);
    await auditor.context.close();

    const operator = await signInAs(browser, consoleUrl, api.tokens.operator);
    await operator.page.goto(hash);
    const cancel = operator.page.getByRole('button', { name: 'Cancel operation' });
    await cancel.waitFor();
    operator.page.once('dialog', (dialog) => void dialog.accept());
    await cancel.click();
    await operator.page.locator('#operation-state').getByText('cancelled').waitFor({ timeout: 120_000 });
    expect((await operation(operationId)).state).toBe('cancelled');
    await screenshot(operator.page, 'operation-cancelled');
    await operator.context.close();
  });

  it('shows an auditor node2’s trail as a timeline whose entries download their history', async () => {
    const { context, page } = await signInAs(browser, consoleUrl, api.tokens.auditor);
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByLabel('Member').selectOption('node2');
    const entry = page.locator('#audit-timeline li').filter({ has: page.locator('[data-download^="sync:"]') }).first();
    await entry.waitFor();
    await screenshot(page, 'audit');
    const workflowId = (await entry.getAttribute('data-workflow'))!;
    const [download] = await Promise.all([page.waitForEvent('download'), entry.getByRole('button', { name: 'Download history' }).click()]);
    const saved = JSON.parse(readFileSync(await download.path(), 'utf8')) as { operationId: string; histories: unknown[] };
    expect(saved.operationId).toBe(workflowId);
    expect(saved.histories.length).toBeGreaterThan(0);
    await context.close();
  });

  it('registers a security key from the Security keys page, has the admin confirm it, and approves a real sync with it from the Approvals page; a second approver the policy asks for signs with keysync approve and a key file', async () => {
    const approver = await signInAs(browser, consoleUrl, api.tokens['approver-1']);
    // Chromium's virtual authenticator: a FIDO2 key whose PIN (user verification) always succeeds.
    const devtools = await approver.context.newCDPSession(approver.page);
    await devtools.send('WebAuthn.enable');
    await devtools.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: false, hasUserVerification: true, isUserVerified: true },
    });
    await approver.page.getByRole('link', { name: 'Security keys' }).click();
    await approver.page.getByLabel('Name (optional)').fill('virtual key');
    await approver.page.getByRole('button', { name: 'Register a security key' }).click();
    const pending = approver.page.locator('#credentials tr[data-state="pending"]').filter({ hasText: 'approver-1' });
    await pending.waitFor();
    const credentialId = (await pending.getAttribute('data-credential'))!;

    // A key not yet confirmed signs nothing: the inbox says so. node2 asks for two approvals here
    // (the worker and the API read this configuration object; only this sync starts under it).
    const keyId = await makeKeyOnNode1('console-fido');
    fixture.cluster.policy.members = { node2: { approvals: 2, timeoutSeconds: 600 } };
    const started = await api.request('POST', `/v1/clusters/${api.cluster}/syncs`, { as: 'operator', json: { source: 'node1', keyIds: [keyId], reason: 'approved with a security key' } }).finally(() => {
      delete fixture.cluster.policy.members;
    });
    expect(started.status, started.text).toBe(202);
    const operationId = started.body.operationId as string;
    await waitFor(async () => (await operation(operationId)).members.find((member) => member.member === 'node2')?.state === 'awaiting-approval', {
      timeoutMs: 120_000,
      intervalMs: 250,
      description: 'node2 to await approval',
    });
    await approver.page.getByRole('link', { name: 'Approvals' }).click();
    await approver.page.getByText('You have no confirmed security key').waitFor();

    const admin = await signInAs(browser, consoleUrl, api.tokens.admin);
    await admin.page.getByRole('link', { name: 'Security keys' }).click();
    await admin.page.getByRole('button', { name: 'Confirm approver-1’s key' }).click();
    await admin.page.locator(`#credentials tr[data-credential="${credentialId}"][data-state="confirmed"]`).waitFor();
    await screenshot(admin.page, 'security-keys');
    await admin.context.close();

    // No reload and no Refresh: the inbox polls, and offers the approval once the admin's confirmation shows.
    const card = approver.page.locator(`#approval-inbox article[data-operation="${operationId}"][data-member="node2"]`);
    await card.getByRole('button', { name: 'Approve with security key' }).waitFor({ timeout: 30_000 });
    // What is signed is shown as is: the canonical challenge naming node2 and the package digest,
    // and what that digest stands for: the package's one key, by class, id, label and fingerprint.
    const { digest, keys } = (await operation(operationId)).package!;
    await card.locator('code.challenge').filter({ hasText: `|node2|${digest}|approve` }).waitFor();
    expect(keys).toEqual([expect.objectContaining({ class: 'private', id: keyId, label: 'console-fido' })]);
    const keyRow = card.locator(`table.package-keys tr[data-key-id="${keyId}"]`);
    expect(await keyRow.locator('th').innerText()).toBe('console-fido');
    expect(await keyRow.locator('td').allInnerTexts()).toEqual(['private', keyId, keys![0]!.fingerprint]);
    await screenshot(approver.page, 'approvals');
    await card.getByRole('button', { name: 'Approve with security key' }).click();
    await card.getByText('Approved; the operation goes on.').waitFor();

    // The second approval, from a terminal: keysync approve with approver-2's Ed25519 key file.
    const keyFile = join(mkdtempSync(join(tmpdir(), 'keysync-console-')), 'approver-2.pem');
    const approver2 = fixture.approvers.find((entry) => entry.config.id === 'approver-2')!;
    writeFileSync(keyFile, approver2.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600 });
    const cli = await runCli(['approve', operationId, '--member', 'node2', '--key', keyFile], { KEYSYNC_API_URL: api.baseUrl, KEYSYNC_TOKEN: api.tokens['approver-2'] });
    rmSync(dirname(keyFile), { recursive: true, force: true });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`approver-2 approved node2 in ${operationId}: 2 of 2 approval(s) granted`);

    const done = await waitFor(async () => {
      const view = await operation(operationId);
      return view.state !== 'running' ? view : null;
    }, { timeoutMs: 120_000, intervalMs: 250, description: 'the sync to end' });
    expect(done.state).toBe('completed');
    const node2 = done.members.find((member) => member.member === 'node2');
    expect(node2?.state).toBe('in-sync');
    // Both approvals counted, as node2's own memberSync recorded them.
    const node2Sync = (await operation(node2!.workflowId!)).members[0];
    expect(node2Sync?.approvals?.granted.map((record) => [record.approverId, record.decision])).toEqual([
      ['approver-1', 'approve'],
      ['approver-2', 'approve'],
    ]);
    const credentials = (await api.request('GET', `/v1/clusters/${api.cluster}/approvers/credentials`, { as: 'auditor' })).body.credentials as { credentialId: string; state: string; confirmedBy?: string }[];
    expect(credentials.find((credential) => credential.credentialId === credentialId)).toMatchObject({ state: 'confirmed', confirmedBy: 'admin' });
    expect(approver.policyViolations).toEqual([]);
    await approver.context.close();
  });
});
