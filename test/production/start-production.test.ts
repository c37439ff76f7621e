// `npm run start:production` as a user runs it (the compiled entry, a fresh state folder): every
// process of the production shape up with its pid file, /v1/health seeing Temporal and every
// member's agent, node2 joined end to end through the API (two signed approvals, then its key
// sync: a package through S3, imported by node2's agent from its own host folder), no secret in
// the output or the logs; then node2's agent killed with SIGKILL during a sync's import, restarted by
// the supervisor with nobody's help, the sync ending in-sync with each key exactly once on node2
// (counted with pkcs11-tool); and a clean stop in order on SIGTERM.
import { execFile, spawn } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../apps/stack/pid-files';
import type { ProductionDemoFile } from '../../apps/stack/production/production-demo-file';
import { repoRoot } from '../../libs/config/paths';
import { freePort } from '../../libs/config/ports';
import type { MemberConfig } from '../../libs/config/types';
import { countTokenObjects } from '../faults/support/token-objects';
import { waitFor } from '../support/wait-for';

const home = mkdtempSync(join(tmpdir(), 'keysync-production-'));
const PARTS = ['postgresql', 'temporal-1', 'temporal-2', 'ui', 's3', 'api', 'orchestrator-1', 'orchestrator-2', 'agent-node1', 'agent-node2', 'agent-node3'];
let output = '';
let child: ReturnType<typeof spawn> | null = null;
/** CKA_ID prefix "keysync." in hex: the cluster secrets and a joined token's transport key, not synced keys. */
const RESERVED_ID = /:6b657973796e632e/;
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> = Promise.resolve({ code: null, signal: null });

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(home, { recursive: true, force: true });
});

function pidFiles(): Record<string, number> {
  const run = join(home, 'run');
  return Object.fromEntries(
    readdirSync(run)
      .filter((name) => name.endsWith('.pid'))
      .map((name) => [name.replace(/\.pid$/, ''), Number(readFileSync(join(run, name), 'utf8').trim())]),
  );
}

describe('npm run start:production', () => {
  let apiUrl = '';
  let demo: ProductionDemoFile;
  let pids: Record<string, number> = {};
  const api = async (method: string, path: string, as: keyof ProductionDemoFile['tokens'], json?: unknown) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${demo.tokens[as]}`, ...(json ? { 'content-type': 'application/json' } : {}) },
      ...(json ? { body: JSON.stringify(json) } : {}),
    });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
  };

  it('comes up on a fresh state folder: every process with its pid file, the banner, demo.json in the npm start shape', async () => {
    const entry = join(repoRoot(), 'dist', 'apps', 'stack', 'production', 'main.js');
    expect(existsSync(entry), `${entry}: run \`npm run build\` first`).toBe(true);
    const apiPort = await freePort();
    // Temporal's ports are taken upward from a base below 32768 (membership ports must fit a smallint).
    const temporalBase = 20_000 + Math.floor(Math.random() * 10_000);
    child = spawn(process.execPath, [entry], {
      cwd: repoRoot(),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KEYSYNC_HOME: home, KEYSYNC_API_PORT: String(apiPort), KEYSYNC_TEMPORAL_PORT: String(temporalBase), KEYSYNC_UI_PORT: String(await freePort()), KEYSYNC_CONFIG: '', SOFTHSM2_CONF: '' },
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    exited = new Promise((resolve) => child!.once('exit', (code, signal) => resolve({ code, signal })));
    await waitFor(
      () => {
        if (child!.exitCode !== null) throw new Error(`start:production exited (${child!.exitCode}):\n${output.slice(-4000)}`);
        return output.includes('Press Ctrl-C to stop.');
      },
      { timeoutMs: 150_000, intervalMs: 200, description: 'the banner' },
    );
    apiUrl = `http://127.0.0.1:${apiPort}`;
    expect(output).toContain(`${apiUrl}/v1/openapi.json`);

    pids = pidFiles();
    expect(Object.keys(pids).sort()).toEqual([...PARTS, 'stack'].sort());
    for (const [name, pid] of Object.entries(pids)) expect(isAlive(pid), name).toBe(true);

    demo = JSON.parse(readFileSync(join(home, 'demo.json'), 'utf8')) as ProductionDemoFile;
    expect(demo).toMatchObject({ apiUrl, cluster: 'demo' });
    expect(demo.members.map((member) => member.id)).toEqual(['node1', 'node2', 'node3']);
    for (const member of demo.members) {
      expect(member.environment.SOFTHSM2_CONF).toBe(join(home, 'hosts', member.id, 'softhsm2.conf'));
      expect(readFileSync(join(home, 'hosts', member.id, `${member.id}.pin`), 'utf8').trim()).toBe(member.pin);
      expect(existsSync(join(home, 'hosts', member.id, 'tls', 'cert.pem'))).toBe(true);
    }
    for (const secret of ['demo.json', 'config.json', 'secrets/postgres-password', 'secrets/s3-secret-access-key', 'temporal-server/temporal-1.yaml']) {
      expect(statSync(join(home, secret)).mode & 0o777, secret).toBe(0o600);
    }
  }, 180_000);

  it('reports Temporal and every member’s agent in /v1/health', async () => {
    const health = await waitFor(
      async () => {
        const answer = (await (await fetch(`${apiUrl}/v1/health`)).json()) as { temporal: { reachable: boolean }; members: Array<{ member: string; agent: string }> };
        return answer.temporal.reachable && answer.members.every((member) => member.agent === 'up') ? answer : null;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'every agent up' },
    );
    expect(health.members.map((member) => member.member)).toEqual(['node1', 'node2', 'node3']);
  });

  it('joins node2 end to end: two signed approvals, then its key sync imports the founder’s keys', async () => {
    const started = await api('POST', `/v1/clusters/${demo.cluster}/members`, 'admin', { member: 'node2', sponsor: 'node1' });
    expect(started.status).toBe(202);
    const operationId = started.body.operationId as string;
    for (const approver of ['approver-1', 'approver-2'] as const) {
      const challenge = await waitFor(
        async () => {
          const answer = await api('GET', `/v1/operations/${operationId}/approvals/node2/challenge`, approver);
          return answer.status === 200 ? (answer.body.challenge as string) : null;
        },
        { timeoutMs: 60_000, intervalMs: 250, description: 'a challenge for node2' },
      );
      const privateKey = createPrivateKey(readFileSync(demo.approverKeys[approver]!, 'utf8'));
      const signature = sign(null, Buffer.from(challenge, 'utf8'), privateKey).toString('base64');
      expect((await api('POST', `/v1/operations/${operationId}/approvals`, approver, { member: 'node2', decision: 'approve', signature })).status).toBe(200);
    }
    const done = await waitFor(
      async () => {
        const view = (await api('GET', `/v1/operations/${operationId}`, 'auditor')).body as { state: string; members: Array<{ member: string; state: string; keysImported: number }> };
        return view.state !== 'running' ? view : null;
      },
      { timeoutMs: 120_000, intervalMs: 500, description: 'the join to finish' },
    );
    expect(done.state).toBe('completed');
    expect(done.members).toEqual([expect.objectContaining({ member: 'node2', state: 'in-sync' })]);
    // The founder's three demo keys, through a package in the S3 store.
    expect(done.members[0]!.keysImported).toBe(3);
  }, 180_000);

  it('restarts node2’s agent killed with SIGKILL during a sync’s import; the sync ends in-sync with each key exactly once', async () => {
    const t0 = Date.now();
    const mark = (what: string): void => console.log(`[fault] ${what} at ${Date.now() - t0} ms`);
    const productionMembers: Array<ProductionDemoFile['members'][number]> = demo.members;
    const member = (id: string) => productionMembers.find((candidate) => candidate.id === id)!;
    // pkcs11-tool reads the member's own softhsm2.conf (each host folder has its own token store).
    const objects = async (id: string): Promise<Map<string, number>> => {
      process.env.SOFTHSM2_CONF = member(id).environment.SOFTHSM2_CONF;
      const counts = await countTokenObjects({ id, pkcs11Module: member(id).pkcs11Module, tokenLabel: id } as MemberConfig, member(id).pin);
      return new Map([...counts].filter(([key]) => !RESERVED_ID.test(key)));
    };
    const privateKeys = (counts: Map<string, number>): number => [...counts.keys()].filter((key) => key.startsWith('private-key:')).length;
    // A few dozen more keys on node1, through the token API in a process of its own (node1's softhsm2.conf), so that node2's import takes a while.
    const hsm = join(repoRoot(), 'dist', 'libs', 'hsm', 'index.js');
    const script = `const { openToken } = require(${JSON.stringify(hsm)});
(async () => {
  const token = await openToken({ pkcs11Module: ${JSON.stringify(member('node1').pkcs11Module)}, tokenLabel: 'node1', pin: { file: ${JSON.stringify(join(home, 'hosts', 'node1', 'node1.pin'))} } });
  try {
    for (let i = 1; i <= 48; i += 1) await token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'ec-' + i, id: 'c0' + i.toString(16).padStart(2, '0') });
    for (let i = 1; i <= 4; i += 1) await token.generateKey({ keyType: 'rsa', size: 2048, label: 'rsa-' + i, id: 'c1' + i.toString(16).padStart(2, '0') });
  } finally {
    await token.close();
  }
})().catch((error) => { console.error(error); process.exit(1); });`;
    await promisify(execFile)(process.execPath, ['-e', script], { env: { ...process.env, ...member('node1').environment } });
    const source = privateKeys(await objects('node1'));
    expect(source).toBeGreaterThanOrEqual(52);

    const started = await api('POST', `/v1/clusters/${demo.cluster}/syncs`, 'operator', { source: 'node1', targets: ['node2'], reason: 'production agent fault test' });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const operationId = started.body.operationId as string;
    const challenge = await waitFor(
      async () => {
        // The sync answers the challenge once its package exists, before node2's member sync (which takes the approval) runs: wait for awaiting-approval.
        const view = (await api('GET', `/v1/operations/${operationId}`, 'auditor')).body as { members?: Array<{ member: string; state: string }> };
        if (view.members?.find((entry) => entry.member === 'node2')?.state !== 'awaiting-approval') return null;
        const answer = await api('GET', `/v1/operations/${operationId}/approvals/node2/challenge`, 'approver-1');
        return answer.status === 200 ? (answer.body.challenge as string) : null;
      },
      { timeoutMs: 120_000, intervalMs: 250, description: 'node2 awaiting approval, and its challenge' },
    );
    const signature = sign(null, Buffer.from(challenge, 'utf8'), createPrivateKey(readFileSync(demo.approverKeys['approver-1']!, 'utf8'))).toString('base64');
    expect((await api('POST', `/v1/operations/${operationId}/approvals`, 'approver-1', { member: 'node2', decision: 'approve', signature })).status).toBe(200);
    mark('approved');

    const before = privateKeys(await objects('node2'));
    const partial = await waitFor(
      async () => {
        const count = privateKeys(await objects('node2'));
        return count > before && count < source ? count : false;
      },
      { timeoutMs: 180_000, intervalMs: 50, description: 'node2 to be part-way through its import' },
    );
    const killed = pidFiles()['agent-node2']!;
    process.kill(killed, 'SIGKILL');
    mark(`killed agent-node2 (pid ${killed}) with ${partial} of ${source} keys on node2`);

    const restartLine = /warning: the agent of node2 exited on its own \(signal SIGKILL\): restarting it in [\d.]+ m?s; its log: \S+agent-node2\.log/;
    await waitFor(() => restartLine.test(output), { timeoutMs: 30_000, description: 'the terminal to say it restarts the agent' });
    const restarted = await waitFor(
      () => {
        const pid = pidFiles()['agent-node2'];
        return pid && pid !== killed && isAlive(pid) ? pid : false;
      },
      { timeoutMs: 60_000, description: 'a new pid in run/agent-node2.pid' },
    );
    mark(`agent-node2 restarted (pid ${restarted})`);
    expect(readFileSync(join(home, 'run', 'agent-node2.log'), 'utf8')).toMatch(/the agent of node2 exited on its own \(signal SIGKILL\)/);

    const done = await waitFor(
      async () => {
        const view = (await api('GET', `/v1/operations/${operationId}`, 'auditor')).body as { state: string; members: Array<{ member: string; state: string }> };
        return view.state !== 'running' ? view : null;
      },
      { timeoutMs: 300_000, intervalMs: 1_000, description: `${operationId} to finish` },
    );
    mark('sync finished');
    expect(done.state).toBe('completed');
    expect(done.members.map(({ member: id, state }) => ({ member: id, state }))).toEqual([{ member: 'node2', state: 'in-sync' }]);
    const founder = await objects('node1');
    const target = await objects('node2');
    expect([...target].filter(([, count]) => count !== 1), 'objects present more than once on node2').toEqual([]);
    expect([...target.keys()].sort()).toEqual([...founder.keys()].sort());
    expect(child!.exitCode).toBeNull();
    pids = pidFiles();
  }, 600_000);

  it('prints and logs no secret', () => {
    const logs = readdirSync(join(home, 'run'))
      .filter((name) => name.endsWith('.log'))
      .map((name) => readFileSync(join(home, 'run', name), 'utf8'))
      .join('\n');
    const secrets = [
      ...Object.values(demo.tokens),
      ...demo.members.map((member) => member.pin),
      readFileSync(join(home, 'secrets', 'postgres-password'), 'utf8').trim(),
      readFileSync(join(home, 'secrets', 's3-secret-access-key'), 'utf8').trim(),
    ];
    for (const secret of secrets) {
      expect(output.includes(secret)).toBe(false);
      expect(logs.includes(secret)).toBe(false);
    }
  });

  it('stops every process on SIGTERM and removes the pid files', async () => {
    child!.kill('SIGTERM');
    const exit = await exited;
    expect(exit.code).toBe(0);
    for (const [name, pid] of Object.entries(pids)) expect(isAlive(pid), name).toBe(false);
    expect(readdirSync(join(home, 'run')).filter((name) => name.endsWith('.pid'))).toEqual([]);
  }, 90_000);
});
