// `npm run start:production` as a user runs it (the compiled entry, a fresh state folder): every
// process of the production shape up with its pid file, /v1/health seeing Temporal and every
// member's agent, node2 joined end to end through the API (two signed approvals, then its key
// sync: a package through S3, imported by node2's agent from its own host folder), no secret in
// the output or the logs; then node2's agent killed with SIGKILL at a random point of a sync's import, restarted by
// the supervisor with nobody's help, the sync ending in-sync with each key exactly once on node2
// (counted with pkcs11-tool once it has ended); and a clean stop in order on SIGTERM.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isAlive } from '../../apps/stack/pid-files';
import type { ProductionDemoFile } from '../../apps/stack/production/production-demo-file';
import { serverDynamicConfig } from '../../libs/temporal/server-tuning';
import { waitFor } from '../support/wait-for';
import { importProgress, randomFraction, waitForImportPartWay } from './support/import-progress';
import { addKeysOnNode1, exactlyOnceProblems, memberKeyCount } from './support/member-tokens';
import { productionApi } from './support/production-api';
import type { ProductionApi } from './support/production-api';
import { freeProductionStackPorts, startStackProcess } from '../support/stack-process';
import type { StackUnderTest } from '../support/stack-process';
import { pidFiles, PRODUCTION_PARTS } from './support/production-pids';

const home = mkdtempSync(join(tmpdir(), 'keysync-production-'));
let stack: StackUnderTest | null = null;

afterAll(async () => {
  if (stack && !stack.hasExited()) {
    stack.child.kill('SIGTERM');
    await stack.exited;
  }
  rmSync(home, { recursive: true, force: true });
});

describe('npm run start:production', () => {
  let demo: ProductionDemoFile;
  let api: ProductionApi;
  let pids: Record<string, number> = {};

  it('comes up on a fresh state folder: every process with its pid file, the banner, demo.json in the npm start shape', async () => {
    stack = startStackProcess(home, await freeProductionStackPorts(), {}, 'production');
    await stack.ready(150_000);
    const apiUrl = `http://127.0.0.1:${stack.ports.api}`;
    expect(stack.output()).toContain(`${apiUrl}/v1/openapi.json`);

    pids = pidFiles(home);
    expect(Object.keys(pids).sort()).toEqual([...PRODUCTION_PARTS, 'stack'].sort());
    for (const [name, pid] of Object.entries(pids)) expect(isAlive(pid), name).toBe(true);

    demo = JSON.parse(readFileSync(join(home, 'demo.json'), 'utf8')) as ProductionDemoFile;
    api = productionApi(demo);
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
    // The Temporal servers run with the stack's tuning (libs/temporal/server-tuning.ts), as the dev server does.
    const dynamicConfig = parse(readFileSync(join(home, 'temporal-server', 'dynamicconfig.yaml'), 'utf8')) as Record<string, Array<{ value: unknown }>>;
    for (const [key, value] of Object.entries(serverDynamicConfig)) expect(dynamicConfig[key], key).toEqual([{ value }]);
  }, 180_000);

  it('reports Temporal and every member’s agent in /v1/health', async () => {
    const health = await waitFor(
      async () => {
        const answer = (await (await fetch(`${demo.apiUrl}/v1/health`)).json()) as { temporal: { reachable: boolean }; members: Array<{ member: string; agent: string }> };
        return answer.temporal.reachable && answer.members.every((member) => member.agent === 'up') ? answer : null;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'every agent up' },
    );
    expect(health.members.map((member) => member.member)).toEqual(['node1', 'node2', 'node3']);
  });

  it('joins node2 end to end: two signed approvals, then its key sync imports the founder’s keys', async () => {
    const operationId = await api.startJoin('node2');
    for (const approver of ['approver-1', 'approver-2'] as const) await api.approve(operationId, 'node2', approver);
    const done = await api.waitForOperation(operationId, 120_000);
    expect(done.state).toBe('completed');
    expect(done.members).toEqual([expect.objectContaining({ member: 'node2', state: 'in-sync' })]);
    // The founder's three demo keys, through a package in the S3 store.
    expect(done.members[0]!.keysImported).toBe(3);
  }, 180_000);

  it('restarts node2’s agent killed with SIGKILL at a random point of a sync’s import; the sync ends in-sync with each key exactly once', async () => {
    const output = stack!.output;
    // A few dozen more keys on node1, so that node2's import takes a while.
    await addKeysOnNode1(demo, home, 'c0', 48, 4);
    expect(await memberKeyCount(demo, 'node1')).toBeGreaterThanOrEqual(52);

    const progress = await importProgress(demo, ['node2']);
    const operationId = await api.startSync(['node2'], 'production agent fault test');
    await api.approve(operationId, 'node2', 'approver-1');
    const approvedAt = Date.now();
    const since = (): number => Date.now() - approvedAt;
    const fraction = randomFraction();
    const partial = await waitForImportPartWay(progress, fraction);
    const killed = pidFiles(home)['agent-node2']!;
    process.kill(killed, 'SIGKILL');
    console.log(`[fault] killed agent-node2 (pid ${killed}) at ${since()} ms after the approval, ${partial} (random point: ${Math.round(fraction * 100)} %)`);

    const restartLine = /warning: the agent of node2 exited on its own \(signal SIGKILL\): restarting it in [\d.]+ m?s; its log: \S+agent-node2\.log/;
    await waitFor(() => restartLine.test(output()), { timeoutMs: 30_000, description: 'the terminal to say it restarts the agent' });
    const restarted = await waitFor(
      () => {
        const pid = pidFiles(home)['agent-node2'];
        return pid && pid !== killed && isAlive(pid) ? pid : false;
      },
      { timeoutMs: 60_000, description: 'a new pid in run/agent-node2.pid' },
    );
    console.log(`[fault] agent-node2 restarted (pid ${restarted}) at ${since()} ms`);
    expect(readFileSync(join(home, 'run', 'agent-node2.log'), 'utf8')).toMatch(/the agent of node2 exited on its own \(signal SIGKILL\)/);

    const done = await api.waitForOperation(operationId, 300_000);
    console.log(`[fault] the sync finished (${done.state}) at ${since()} ms`);
    expect(done.state, JSON.stringify(done)).toBe('completed');
    expect(done.members.map(({ member, state }) => ({ member, state }))).toEqual([{ member: 'node2', state: 'in-sync' }]);
    expect(await exactlyOnceProblems(demo, ['node2'])).toEqual([]);
    expect(stack!.hasExited()).toBe(false);
    pids = pidFiles(home);
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
      expect(stack!.output().includes(secret)).toBe(false);
      expect(logs.includes(secret)).toBe(false);
    }
  });

  it('stops every process on SIGTERM and removes the pid files', async () => {
    stack!.child.kill('SIGTERM');
    const exit = await stack!.exited;
    expect(exit.code).toBe(0);
    for (const [name, pid] of Object.entries(pids)) expect(isAlive(pid), name).toBe(false);
    expect(readdirSync(join(home, 'run')).filter((name) => name.endsWith('.pid'))).toEqual([]);
  }, 90_000);
});
