// `npm run start:production` as a user runs it (the compiled entry, a fresh state folder): every
// process of the production shape up with its pid file, /v1/health seeing Temporal and every
// member's agent, node2 joined end to end through the API (two signed approvals, then its key
// sync: a package through S3, imported by node2's agent from its own host folder), no secret in
// the output or the logs, and a clean stop in order on SIGTERM.
import { spawn } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../apps/stack/pid-files';
import type { ProductionDemoFile } from '../../apps/stack/production/production-demo-file';
import { repoRoot } from '../../libs/config/paths';
import { freePort } from '../../libs/config/ports';
import { waitFor } from '../support/wait-for';

const home = mkdtempSync(join(tmpdir(), 'keysync-production-'));
const PARTS = ['postgresql', 'temporal-1', 'temporal-2', 's3', 'api', 'orchestrator-1', 'orchestrator-2', 'agent-node1', 'agent-node2', 'agent-node3'];
let output = '';
let child: ReturnType<typeof spawn> | null = null;
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
      env: { ...process.env, KEYSYNC_HOME: home, KEYSYNC_API_PORT: String(apiPort), KEYSYNC_TEMPORAL_PORT: String(temporalBase), KEYSYNC_CONFIG: '', SOFTHSM2_CONF: '' },
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
