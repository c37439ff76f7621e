// The `keysync` CLI as a user types it, against the real stack of `npm start` (Temporal dev server,
// worker with SoftHSM members, API) in a fresh state folder: a sync followed with --wait to
// in-sync while an approver signs with a key file, failures with clear errors and non-zero exits,
// audit export and offline verification (and its refusal of altered histories), and the Temporal
// UI path of docs/temporal-ui.md: start with the documented small input, approve by signal.
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoFile } from '../../apps/stack/demo/demo-state';
import type { Operation } from '../../apps/cli/api-client';
import type { VerifyReport } from '../../apps/cli/audit-verify';
import { AuditArchive } from '../../libs/audit-archive';
import { repoRoot } from '../../libs/config/paths';
import { freePort } from '../support/free-port';
import { freeStackPorts, startStackProcess } from '../support/stack-process';
import type { StackUnderTest } from '../support/stack-process';
import { waitFor } from '../support/wait-for';
import { cliJson, documentedArgs, runCli, startCli } from './support/run-cli';

/** The demo's EC key on node1 (apps/stack/demo/demo-tokens.ts): the first sync brings only it. */
const demoEcKeyId = '4943000000000001';
const demoRsaKeyId = '4d43000000000001';

const home = mkdtempSync(join(tmpdir(), 'keysync-cli-'));
const scratch = mkdtempSync(join(tmpdir(), 'keysync-cli-files-'));
const env = { KEYSYNC_HOME: home };
let stack: StackUnderTest | undefined;
let demo: DemoFile;
let temporalAddress: string;

beforeAll(async () => {
  const ports = await freeStackPorts();
  temporalAddress = `127.0.0.1:${ports.temporal}`;
  stack = startStackProcess(home, ports);
  await stack.ready(240_000);
  demo = JSON.parse(readFileSync(join(home, 'demo.json'), 'utf8')) as DemoFile;
}, 300_000);

afterAll(async () => {
  await stack?.terminate();
  rmSync(home, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

async function apiOperation(operationId: string): Promise<Operation> {
  const response = await fetch(`${demo.apiUrl}/v1/operations/${encodeURIComponent(operationId)}`, { headers: { authorization: `Bearer ${demo.tokens.operator}` } });
  if (!response.ok) throw new Error(`GET ${operationId}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Operation;
}

/** Polls the API (not the CLI under test) until the member waits for an approval. */
function memberAwaitingApproval(operationId: string, member: string): Promise<true> {
  return waitFor(async () => (await apiOperation(operationId)).members.find((entry) => entry.member === member)?.state === 'awaiting-approval', {
    timeoutMs: 90_000,
    intervalMs: 500,
    description: `${member} of ${operationId} to await approval`,
  });
}

interface PayloadJson {
  metadata: Record<string, string>;
  data: string;
}

interface HistoryEventJson {
  workflowExecutionUpdateAcceptedEventAttributes?: { acceptedRequest: { input: { args: { payloads: PayloadJson[] } } } };
  workflowExecutionSignaledEventAttributes?: { signalName: string; input: { payloads: PayloadJson[] } };
}

/** Edits the first approval (update or signal) of a history file in place, as a forger would. */
function alterApproval(file: string, change: (approval: Record<string, string>) => void): void {
  const history = JSON.parse(readFileSync(file, 'utf8')) as { events: HistoryEventJson[] };
  const payload = history.events
    .map(
      (event) =>
        event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest.input.args.payloads[0] ??
        (event.workflowExecutionSignaledEventAttributes?.signalName === 'approve-signal' ? event.workflowExecutionSignaledEventAttributes.input.payloads[0] : undefined),
    )
    .find((candidate) => candidate !== undefined);
  if (!payload) throw new Error(`${file} holds no approval`);
  const approval = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as Record<string, string>;
  change(approval);
  payload.data = Buffer.from(JSON.stringify(approval)).toString('base64');
  writeFileSync(file, JSON.stringify(history));
}

/** A folder with one exported history and the export's approvers.json, without the manifest (so its digest check is not what fails). */
function looseCopy(exportDir: string, historyFile: string, name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(exportDir, 'approvers.json'), join(dir, 'approvers.json'));
  copyFileSync(historyFile, join(dir, basename(historyFile)));
  return join(dir, basename(historyFile));
}

describe('keysync on the real stack', () => {
  let syncedOperation = '';
  let exportDir = '';
  let memberHistory = '';

  it('makes an approver key pair through the installed bin: a private PEM for its owner only, the public key to register', async () => {
    const pem = join(scratch, 'alice.pem');
    const output = execFileSync(process.execPath, [join(repoRoot(), 'bin', 'keysync.js'), 'approver-key', 'new', '--out', pem, '--id', 'alice', '--json'], { encoding: 'utf8' });
    const answer = JSON.parse(output) as { publicKey: string; approver: { id: string; publicKey: string } };
    const raw = createPublicKey(readFileSync(pem, 'utf8')).export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
    expect(answer.publicKey).toBe(raw);
    expect(answer.approver).toEqual({ id: 'alice', publicKey: raw });
    expect(statSync(pem).mode & 0o777).toBe(0o600);

    const again = await runCli(['approver-key', 'new', '--out', pem], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('exists already');
    expect(createPublicKey(readFileSync(pem, 'utf8')).export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64')).toBe(raw);
  });

  it('sync --wait shows node2 awaiting approval, then in-sync once approver-1 signs with a key file, and exits 0', async () => {
    const sync = startCli(['sync', '--from', 'node1', '--to', 'node2', '--keys', demoEcKeyId, '--reason', 'cli test', '--wait'], env);
    const [, operationId] = await sync.waitForStdout(/started (sync:demo:\S+)/);
    syncedOperation = operationId as string;
    await memberAwaitingApproval(syncedOperation, 'node2');
    // The approval comes once the CLI has shown the wait: it polls every second, and an approval made sooner can end the wait before it looks.
    await sync.waitForStdout(/^ {2}node2 {2}awaiting-approval /m);

    const approval = await runCli(['approve', syncedOperation, '--member', 'node2', '--key', demo.approverKeys['approver-1']!], env);
    expect(approval.stderr).toBe('');
    expect(approval.code).toBe(0);
    expect(approval.stdout).toContain(`approver-1 approved node2 in ${syncedOperation}: 1 of 1 approval(s) granted`);

    const finished = await sync.exited;
    expect(finished.code, finished.stdout + finished.stderr).toBe(0);
    // Plain lines (no TTY): one per change of node2's line, from awaiting approval to in-sync.
    expect(finished.stdout).toMatch(/^ {2}node2 {2}awaiting-approval {2}keys 0 of 1 imported {2}attempts 0 {2}awaiting approval: 0 of 1/m);
    expect(finished.stdout).toMatch(/^ {2}node2 {2}in-sync {2}keys 1 of 1 imported {2}attempts 1$/m);
    expect(finished.stdout).not.toContain('\u001b[');
    expect(finished.stdout).toContain(`${syncedOperation}: every member is in-sync.`);

    const status = await cliJson<Operation>(['status', syncedOperation], env);
    expect(status).toMatchObject({ operationId: syncedOperation, kind: 'sync', state: 'completed', requestedBy: 'operator', package: { keyCount: 1 } });
    expect(status.members).toEqual([expect.objectContaining({ member: 'node2', state: 'in-sync', keysImported: 1 })]);
  });

  it('sync --wait exits 1 and says why when a member ends failed (node3 holds no cluster secrets)', async () => {
    const result = await runCli(['sync', '--from', 'node1', '--to', 'node3', '--keys', demoEcKeyId, '--wait'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/node3 {2}failed \(wrong-cluster\)/);
    expect(result.stdout).toMatch(/ended failed: not in-sync: node3 \(wrong-cluster\)/);
  });

  it('approve --reject fails the member with reason rejected, and sync --wait exits 1', async () => {
    const sync = startCli(['sync', '--from', 'node1', '--to', 'node2', '--keys', demoRsaKeyId, '--wait'], env);
    const [, operationId] = await sync.waitForStdout(/started (sync:demo:\S+)/);
    await memberAwaitingApproval(operationId as string, 'node2');
    const rejection = await runCli(['approve', operationId as string, '--member', 'node2', '--key', demo.approverKeys['approver-2']!, '--reject'], env);
    expect(rejection.code, rejection.stderr).toBe(0);
    expect(rejection.stdout).toContain(`approver-2 rejected node2 in ${operationId as string}`);
    const finished = await sync.exited;
    expect(finished.code).toBe(1);
    expect(finished.stdout).toMatch(/node2 {2}failed \(rejected\) .*approver-2 rejected/);
  });

  it('Ctrl-C stops following, not the sync; cancel stops it; status --wait then reports it cancelled and exits 1', async () => {
    const following = startCli(['sync', '--from', 'node1', '--to', 'node2', '--keys', demoRsaKeyId, '--wait'], env);
    const [, operationId] = await following.waitForStdout(/started (sync:demo:\S+)/);
    await memberAwaitingApproval(operationId as string, 'node2');
    following.child.kill('SIGINT');
    const interrupted = await following.exited;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain(`it goes on. Follow it again with: keysync status ${operationId as string} --wait`);
    expect((await apiOperation(operationId as string)).state).toBe('running');

    const cancel = await runCli(['cancel', operationId as string], env);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain(`cancel requested for ${operationId as string}`);
    const status = await runCli(['status', operationId as string, '--wait'], env);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/node2 {2}failed \(cancelled\)/);
    expect(status.stdout).toMatch(/ended cancelled/);
  });

  it('prints the API’s error code and message, and exits 1, for an operation that does not exist', async () => {
    const human = await runCli(['status', 'sync:demo:no-such-sync'], env);
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(/^error There is no operation sync:demo:no-such-sync\..* \[operation-not-found\]$/m);

    const json = await runCli(['status', 'sync:demo:no-such-sync', '--json'], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'operation-not-found', status: 404 } });
  });

  it('refuses a token without the role (403) and an unreachable API (exit 3) with what to do', async () => {
    const forbidden = await runCli(['sync', '--from', 'node1', '--to', 'node2', '--as', 'auditor'], env);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain('Use the token of a principal with that role');

    const closedPort = await freePort();
    const unreachable = await runCli(['status', syncedOperation, '--api', `http://127.0.0.1:${closedPort}`, '--token', 'x'], env);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain(`Could not reach the KeySync API at http://127.0.0.1:${closedPort}`);
  });

  it('audit export writes the histories and the registered approver keys; audit verify replays them and finds the signature valid', async () => {
    exportDir = join(scratch, 'export');
    const exported = await runCli(['audit', 'export', syncedOperation, '--out', exportDir], env);
    expect(exported.code, exported.stderr).toBe(0);
    const approvers = JSON.parse(readFileSync(join(exportDir, 'approvers.json'), 'utf8')) as { approvers: Array<{ id: string }> };
    expect(approvers.approvers.map((approver) => approver.id)).toEqual(['approver-1', 'approver-2', 'approver-3']);
    const manifest = JSON.parse(readFileSync(join(exportDir, 'manifest.json'), 'utf8')) as { histories: Array<{ workflowId: string; file: string }> };
    expect(manifest.histories.map((entry) => entry.workflowId).sort()).toEqual([syncedOperation, `${syncedOperation}:node2`]);
    memberHistory = join(exportDir, manifest.histories.find((entry) => entry.workflowId === `${syncedOperation}:node2`)!.file);

    const verified = await runCli(['audit', 'verify', exportDir, '--json'], env);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const report = JSON.parse(verified.stdout) as VerifyReport;
    expect(report.ok).toBe(true);
    expect(report.histories.map((history) => [history.workflowType, history.replay.ok]).sort()).toEqual([
      ['keySync', true],
      ['memberSync', true],
    ]);
    const member = report.histories.find((history) => history.workflowType === 'memberSync')!;
    expect(member.approvals).toEqual([expect.objectContaining({ approverId: 'approver-1', member: 'node2', decision: 'approve', via: 'update', verdict: 'valid' })]);

    const human = await runCli(['audit', 'verify', exportDir], env);
    expect(human.stdout).toContain('Verified 2 histories: all replay, 1 signed approval(s) valid.');
  });

  it('audit verify fails (exit 1) on a history whose approval signature was altered', async () => {
    const file = looseCopy(exportDir, memberHistory, 'altered-signature');
    alterApproval(file, (approval) => {
      const signature = Buffer.from(approval.signature!, 'base64');
      signature[10]! ^= 0x01;
      approval.signature = signature.toString('base64');
    });
    const result = await runCli(['audit', 'verify', file, '--json'], env);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as VerifyReport;
    expect(report.ok).toBe(false);
    expect(report.histories[0]!.approvals[0]).toMatchObject({ approverId: 'approver-1', verdict: 'invalid' });
    expect(report.histories[0]!.approvals[0]!.reason).toContain("the signature does not verify with approver-1's registered key");
  });

  it('audit verify fails (exit 1) on a history whose approval payload names another approver or another decision', async () => {
    const otherApprover = looseCopy(exportDir, memberHistory, 'altered-approver');
    alterApproval(otherApprover, (approval) => (approval.approverId = 'approver-2'));
    const byOther = await runCli(['audit', 'verify', otherApprover, '--json'], env);
    expect(byOther.code).toBe(1);
    const report = JSON.parse(byOther.stdout) as VerifyReport;
    expect(report.histories[0]!.approvals[0]).toMatchObject({ approverId: 'approver-2', verdict: 'invalid' });
    expect(report.histories[0]!.problems.join('\n')).toContain("no valid signed approval in the history backs it");

    const otherDecision = looseCopy(exportDir, memberHistory, 'altered-decision');
    alterApproval(otherDecision, (approval) => (approval.decision = 'reject'));
    const rejected = await runCli(['audit', 'verify', otherDecision], env);
    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toContain('FAIL');
    expect(rejected.stdout).toMatch(/signature does not verify .*\|reject/);
  });

  it('audit verify fails when the export’s approver keys are not the registered ones (a history checked against an impostor key set)', async () => {
    const impostorKeys = join(scratch, 'impostor-approvers.json');
    const pem = join(scratch, 'impostor.pem');
    const made = await cliJson<{ publicKey: string }>(['approver-key', 'new', '--out', pem], env);
    writeFileSync(impostorKeys, JSON.stringify({ approvers: [{ id: 'approver-1', publicKey: made.publicKey }] }));
    const result = await runCli(['audit', 'verify', exportDir, '--approvers', impostorKeys, '--json'], env);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as VerifyReport;
    const member = report.histories.find((history) => history.workflowType === 'memberSync')!;
    expect(member.problems.join('\n')).toContain('carries a key for approver-1 other than the registered one');
  });

  it('join --wait brings node3 in once two approvers sign the transport key, and exits 0', async () => {
    const join = startCli(['join', '--member', 'node3', '--sponsor', 'node1', '--wait'], env);
    const [, operationId] = await join.waitForStdout(/started (join:demo:node3)/);
    // The approvals go in once the command itself has shown node3 waiting for them (its line is read
    // from the API, so the join then takes approvals): waiting on the API alone raced the command's
    // one-second poll, which could miss the state when two approvals came quickly.
    await join.waitForStdout(/node3 {2}awaiting-approval /);
    for (const approver of ['approver-1', 'approver-2']) {
      const approval = await runCli(['approve', operationId as string, '--member', 'node3', '--key', demo.approverKeys[approver]!], env);
      expect(approval.code, approval.stderr).toBe(0);
      expect(approval.stdout).toContain(`${approver} approved node3 in join:demo:node3`);
    }
    const finished = await join.exited;
    expect(finished.code, finished.stdout + finished.stderr).toBe(0);
    expect(finished.stdout).toMatch(/node3 {2}awaiting-approval .*awaiting approval: 0 of 2/);
    expect(finished.stdout).toMatch(/node3 {2}in-sync {2}keys 3 of 3 imported/);
  });

  it('package download writes the sync’s package, checked against its digest', async () => {
    const { package: exported } = await apiOperation(syncedOperation);
    const out = join(scratch, 'package.ksp');
    const result = await runCli(['package', 'download', exported!.digest, '--out', out], env);
    expect(result.code, result.stderr).toBe(0);
    expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(exported!.digest);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('package upload imports a downloaded package on node3 after approval; keys it holds already are skipped', async () => {
    const upload = startCli(['package', 'upload', join(scratch, 'package.ksp'), '--member', 'node3', '--wait'], env);
    const [, operationId] = await upload.waitForStdout(/started (sync:demo:\S+)/);
    await memberAwaitingApproval(operationId as string, 'node3');
    expect((await runCli(['approve', operationId as string, '--member', 'node3', '--key', demo.approverKeys['approver-3']!], env)).code).toBe(0);
    const finished = await upload.exited;
    expect(finished.code, finished.stdout + finished.stderr).toBe(0);
    expect(finished.stdout).toMatch(/node3 {2}in-sync {2}keys 0 of 1 imported, 1 already there/);
  });

  it('audit member lists node2’s memberSync of that sync', async () => {
    const trail = await cliJson<{ entries: Array<{ workflowId: string }> }>(['audit', 'member', '--member', 'node2'], env);
    expect(trail.entries.map((entry) => entry.workflowId)).toContain(`${syncedOperation}:node2`);
  });
});

describe('the Temporal UI path of docs/temporal-ui.md', () => {
  const doc = readFileSync(join(repoRoot(), 'docs', 'temporal-ui.md'), 'utf8');
  const commands = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) => block[1]!.split('\n')).filter((line) => line.startsWith('keysync '));
  const printInputLine = commands.find((line) => line.includes('--print-input'))!;
  const approveLine = commands.find((line) => line.includes('--print-only'))!;
  const documentedId = /sync:demo:ui-\d+/.exec(approveLine)![0];
  // The input the operator pastes: the doc's JSON block that names the cluster by its id.
  const documentedInput = [...doc.matchAll(/```json\n([\s\S]*?)```/g)]
    .map((block) => JSON.parse(block[1]!) as Record<string, unknown>)
    .find((input) => typeof input.cluster === 'string')!;

  it('documents a small input: the cluster by id, no approver keys or policy', () => {
    expect(documentedInput).toMatchObject({ cluster: 'demo', source: 'node1', targets: ['node2'] });
    expect(Object.keys(documentedInput).sort()).toEqual(['cluster', 'reason', 'requestedBy', 'source', 'targets']);
  });

  it('prints the alternative whole-snapshot input with the same fields, the cluster as a snapshot', async () => {
    const printed = await runCli(documentedArgs(printInputLine), env);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stderr).toMatch(/Task Queue +keysync/);
    expect(printed.stderr).toMatch(/Workflow Type +keySync/);
    const input = JSON.parse(printed.stdout) as Record<string, unknown>;
    expect(Object.keys(input).sort()).toEqual(Object.keys(documentedInput).sort());
    const snapshot = input.cluster as { id: string; approvers: Array<{ id: string }> };
    expect(snapshot.id).toBe('demo');
    expect(snapshot.approvers.map((approver) => approver.id)).toContain('approver-1');
  });

  it('starts a keySync with exactly the documented small input, approves it by signal with a --print-only payload, and it completes', async () => {
    const workflowId = `sync:demo:ui-${Date.now()}`;
    const connection = await Connection.connect({ address: temporalAddress });
    const client = new Client({ connection, namespace: 'default' });
    try {
      // What the UI's start form does: type name, queue, id, and the JSON as a json/plain payload.
      await client.workflow.start('keySync', { taskQueue: 'keysync', workflowId, args: [documentedInput] });
      await memberAwaitingApproval(workflowId, 'node2');

      const args = documentedArgs(approveLine.replace(documentedId, workflowId).replace('.keysync/', `${home}/`));
      const signed = await runCli(args, env);
      expect(signed.code, signed.stderr).toBe(0);
      expect(signed.stderr).toContain(`open workflow ${workflowId}:node2`);
      expect(signed.stderr).toContain('a Signal named approve-signal');
      const approval = JSON.parse(signed.stdout) as Record<string, string>;
      expect(Object.keys(approval).sort()).toEqual(['approverId', 'decision', 'member', 'signature']);
      expect(approval).toMatchObject({ member: 'node2', approverId: 'approver-1', decision: 'approve' });

      // What the UI's signal form does: the signal's wire name and the pasted JSON.
      await client.workflow.getHandle(`${workflowId}:node2`).signal('approve-signal', approval);
      const result = (await client.workflow.getHandle(workflowId).result()) as Operation;
      expect(result.state).toBe('completed');
      expect(result.members).toEqual([expect.objectContaining({ member: 'node2', state: 'in-sync' })]);
      expect(result.members[0]!.keysImported).toBeGreaterThan(0);
      expect(result).toMatchObject({ cluster: 'demo', requestedBy: documentedInput.requestedBy, reason: documentedInput.reason });
      // The cluster the sync applied is in its history, as resolveCluster's result: the demo's registered approvers.
      const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
      expect(events.find((event) => event.activityTaskScheduledEventAttributes)?.activityTaskScheduledEventAttributes?.activityType?.name).toBe('resolveCluster');
      const resolved = events.find((event) => event.activityTaskCompletedEventAttributes)?.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
      const snapshot = JSON.parse(Buffer.from(resolved!.data!).toString('utf8')) as { id: string; approvers: Array<{ id: string }> };
      expect(snapshot.id).toBe('demo');
      expect(snapshot.approvers.map((approver) => approver.id).sort()).toEqual(Object.keys(demo.approverKeys).sort());
    } finally {
      await connection.close();
    }

    const status = await cliJson<Operation>(['status', workflowId], env);
    expect(status.state).toBe('completed');

    const dir = join(scratch, 'ui-export');
    expect((await runCli(['audit', 'export', workflowId, '--out', dir], env)).code).toBe(0);
    const verified = await runCli(['audit', 'verify', dir, '--json'], env);
    expect(verified.code, verified.stdout).toBe(0);
    const member = (JSON.parse(verified.stdout) as VerifyReport).histories.find((history) => history.workflowType === 'memberSync')!;
    expect(member.approvals).toEqual([expect.objectContaining({ approverId: 'approver-1', via: 'signal', verdict: 'valid' })]);
  });
});

describe('audit verify on the stack’s own audit archive', () => {
  it('replays every archived history, finds every approval valid against config.json’s approvers, and the index chain intact', async () => {
    const archive = new AuditArchive(join(home, 'audit'));
    // Archiving runs after each workflow closes: wait until this file's operations are all in.
    await waitFor(async () => (await archive.list({ kind: 'join' })).length > 0 && (await archive.list({ member: 'node3' })).length >= 3, {
      timeoutMs: 60_000,
      description: 'the join and node3’s syncs to be archived',
    });
    const result = await runCli(['audit', 'verify', join(home, 'audit'), '--config', join(home, 'config.json'), '--json'], env);
    const report = JSON.parse(result.stdout) as VerifyReport & { archiveChain: { ok: boolean; entries: number } };
    expect(result.code, JSON.stringify(report.histories.filter((history) => !history.ok), null, 2)).toBe(0);
    expect(report.archiveChain).toMatchObject({ ok: true });
    expect(report.histories.length).toBe(report.archiveChain.entries);
    const verdicts = report.histories.flatMap((history) => history.approvals.map((approval) => `${history.workflowType}:${approval.via}:${approval.decision}:${approval.verdict}`));
    // The key-file approvals and the rejection by update, the join's two, and the Temporal UI's signal.
    expect(verdicts).toEqual(expect.arrayContaining(['memberSync:update:approve:valid', 'memberSync:update:reject:valid', 'join:update:approve:valid', 'memberSync:signal:approve:valid']));
  });
});
