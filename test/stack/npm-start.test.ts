// `npm start` as a user runs it (the compiled entry, a fresh state folder, its own ports): the
// state folder of DESIGN section 9, a demo cluster on real SoftHSM tokens, Temporal and its UI
// answering, the API's health, a reused state on the second start, a clean SIGTERM, and a
// Temporal dev server that dies restarted by the stack on the same SQLite file.
import { createPublicKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../libs/config/load-config';
import type { KeySyncConfig } from '../../libs/config/types';
import { openToken } from '../../libs/hsm';
import type { ClusterSecretsKcv, KeyGroup } from '../../libs/hsm/types';
import { KEYSYNC_SEARCH_ATTRIBUTES } from '../../libs/temporal/search-attributes';
import type { DemoFile } from '../../apps/stack/demo/demo-state';
import { sha256Hex } from '../../libs/digest';
import { isAlive } from '../../apps/stack/pid-files';
import { freeStackPorts, startStackProcess } from '../support/stack-process';
import { waitFor } from '../support/wait-for';
import type { StackUnderTest } from '../support/stack-process';

const home = mkdtempSync(join(tmpdir(), 'keysync-home-'));
const running: StackUnderTest[] = [];

afterAll(async () => {
  for (const stack of running) await stack.terminate();
  rmSync(home, { recursive: true, force: true });
});

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function pidFiles(): Record<string, number> {
  const run = join(home, 'run');
  return Object.fromEntries(
    readdirSync(run)
      .filter((name) => name.endsWith('.pid'))
      .map((name) => [name.replace(/\.pid$/, ''), Number(readFileSync(join(run, name), 'utf8').trim())]),
  );
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

async function tokenFacts(demo: DemoFile, memberId: string): Promise<{ kcv: ClusterSecretsKcv | null; keys: KeyGroup[] }> {
  const member = demo.members.find((m) => m.id === memberId);
  if (!member) throw new Error(`demo.json lists no member ${memberId}`);
  const token = await openToken({ pkcs11Module: demo.pkcs11Module, tokenLabel: member.tokenLabel, pin: { file: join(home, 'pins', `${memberId}.pin`) } });
  try {
    return { kcv: await token.clusterSecretsKcv(), keys: await token.inventory() };
  } finally {
    await token.close();
  }
}

describe('npm start', () => {
  let demo: DemoFile;
  let config: KeySyncConfig;
  let firstPorts: Awaited<ReturnType<typeof freeStackPorts>>;

  it('comes up on a fresh state folder and prints where everything is, and no secret', async () => {
    firstPorts = await freeStackPorts();
    const stack = startStackProcess(home, firstPorts);
    running.push(stack);
    await stack.ready();

    const banner = stack.stdout();
    expect(banner).toContain(`http://127.0.0.1:${firstPorts.api}/v1/openapi.json`);
    expect(banner).toContain(`http://127.0.0.1:${firstPorts.ui}`);
    expect(banner).toContain(join(home, 'demo.json'));
    // The console the banner names is served by the stack's API (built by npm run build).
    expect(banner).toContain(`Console        http://localhost:${firstPorts.api}/ `);
    const consolePage = await fetch(`http://127.0.0.1:${firstPorts.api}/`);
    expect(consolePage.status).toBe(200);
    expect(await consolePage.text()).toContain('<title>KeySync console</title>');

    demo = readJson<DemoFile>(join(home, 'demo.json'));
    const secrets = [...Object.values(demo.tokens), ...demo.members.map((m) => m.pin)];
    const logs = readdirSync(join(home, 'run'))
      .filter((name) => name.endsWith('.log'))
      .map((name) => readFileSync(join(home, 'run', name), 'utf8'))
      .join('\n');
    expect(logs).toContain('"component":"api"');
    for (const secret of secrets) {
      expect(stack.output()).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  });

  it('lays out the state folder of DESIGN section 9, secrets readable by the owner only', () => {
    for (const entry of ['config.json', 'demo.json', 'softhsm2.conf', 'tokens', 'temporal.db', 'packages', 'audit', 'run']) {
      expect(existsSync(join(home, entry)), entry).toBe(true);
    }
    expect(Object.keys(pidFiles()).sort()).toEqual(expect.arrayContaining(['stack', 'temporal']));
    for (const pid of Object.values(pidFiles())) expect(isAlive(pid)).toBe(true);
    expect(mode(join(home, 'demo.json'))).toBe(0o600);
    expect(mode(join(home, 'config.json'))).toBe(0o600);
    for (const id of ['node1', 'node2', 'node3']) expect(mode(join(home, 'pins', `${id}.pin`))).toBe(0o600);
  });

  it('writes demo.json with everything a newcomer needs, consistent with config.json', () => {
    expect(demo).toMatchObject({
      apiUrl: `http://127.0.0.1:${firstPorts.api}`,
      temporalUiUrl: `http://127.0.0.1:${firstPorts.ui}`,
      cluster: 'demo',
      softhsm2Conf: join(home, 'softhsm2.conf'),
    });
    expect(existsSync(demo.pkcs11Module)).toBe(true);
    expect(demo.members.map((m) => [m.id, m.tokenLabel])).toEqual([['node1', 'node1'], ['node2', 'node2'], ['node3', 'node3']]);
    for (const member of demo.members) expect(readFileSync(join(home, 'pins', `${member.id}.pin`), 'utf8')).toBe(member.pin);
    expect(Object.keys(demo.tokens).sort()).toEqual(['admin', 'approver-1', 'approver-2', 'approver-3', 'auditor', 'operator']);

    config = loadConfig(join(home, 'config.json'));
    expect(config.temporal.address).toBe(`127.0.0.1:${firstPorts.temporal}`);
    expect(config.api.port).toBe(firstPorts.api);
    // Webhook notifications link to the console the banner names.
    expect(config.api.publicUrl).toBe(`http://localhost:${firstPorts.api}`);
    const cluster = config.clusters[0]!;
    expect(cluster).toMatchObject({ id: 'demo', founder: 'node1' });
    expect(cluster.policy.join.approvals).toBe(2);
    expect(cluster.policy.sync.approvals).toBe(1);
    expect(cluster.members.map((m) => m.pin)).toEqual(demo.members.map((m) => ({ file: join(home, 'pins', `${m.id}.pin`) })));

    // Each principal's token is in demo.json; config.json holds only its hash, with the right role.
    for (const [id, token] of Object.entries(demo.tokens)) {
      const principal = config.principals.find((p) => p.id === id);
      expect(principal?.tokenSha256).toBe(sha256Hex(token));
      expect(principal?.roles).toEqual([id.startsWith('approver-') ? 'approver' : id]);
    }
    expect(readFileSync(join(home, 'config.json'), 'utf8')).not.toContain(demo.tokens.operator);

    // Each approver's private key (0600) matches the public key registered in config.json.
    for (const approver of cluster.approvers) {
      const pemPath = demo.approverKeys[approver.id]!;
      expect(mode(pemPath)).toBe(0o600);
      const raw = createPublicKey(readFileSync(pemPath, 'utf8')).export({ format: 'der', type: 'spki' }).subarray(-32);
      expect(raw.toString('base64')).toBe(approver.publicKey);
    }
    expect(cluster.approvers.map((a) => a.id)).toEqual(['approver-1', 'approver-2', 'approver-3']);
  });

  it('puts the cluster secrets on node1 and node2 (same check values), demo keys on node1, nothing on node3', async () => {
    process.env.SOFTHSM2_CONF = demo.softhsm2Conf;
    const node1 = await tokenFacts(demo, 'node1');
    const node2 = await tokenFacts(demo, 'node2');
    const node3 = await tokenFacts(demo, 'node3');
    expect(node1.kcv).not.toBeNull();
    expect(node2.kcv).toEqual(node1.kcv);
    expect(node3.kcv).toBeNull();
    expect(node3.keys).toEqual([]);
    const described = node1.keys.map((k) => ({ keyType: k.keyType, size: k.size, curve: k.curve, exportable: k.exportable }));
    expect(described).toEqual(
      expect.arrayContaining([
        { keyType: 'rsa', size: 2048, curve: undefined, exportable: true },
        { keyType: 'ec', size: undefined, curve: 'P-256', exportable: true },
        { keyType: 'aes', size: 256, curve: undefined, exportable: true },
      ]),
    );
  });

  it('runs Temporal with its Web UI, the KeySync search attributes and a long retention', async () => {
    const ui = await fetch(demo.temporalUiUrl);
    expect(ui.status).toBe(200);
    const connection = await Connection.connect({ address: config.temporal.address });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(Object.keys(KEYSYNC_SEARCH_ATTRIBUTES)));
      const { config: namespaceConfig } = await connection.workflowService.describeNamespace({ namespace: 'default' });
      expect(Number(namespaceConfig?.workflowExecutionRetentionTtl?.seconds)).toBeGreaterThanOrEqual(3650 * 86_400);
    } finally {
      await connection.close();
    }
  });

  it('serves /v1/health with Temporal reachable when the API is built', async () => {
    const pids = pidFiles();
    if (!pids.api) {
      expect(running[0]!.stdout()).toContain('Not started: the api');
      return;
    }
    const response = await fetch(`${demo.apiUrl}/v1/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ temporal: { reachable: true } });
  });

  it('refuses a second stack on the same state folder while the first runs', async () => {
    const second = startStackProcess(home, await freeStackPorts());
    running.push(second);
    const code = await waitFor(() => second.child.exitCode ?? null, { timeoutMs: 30_000, description: 'the second stack to give up' });
    expect(code).toBe(1);
    expect(second.output()).toMatch(/KeySync already runs on this state folder: .*stack \(pid \d+\)/);
    for (const pid of Object.values(pidFiles())) expect(isAlive(pid)).toBe(true);
  });

  it('stops every process it started on SIGTERM and removes their pid files', async () => {
    const pids = pidFiles();
    expect(Object.keys(pids)).toEqual(expect.arrayContaining(['stack', 'temporal']));
    const exit = await running[0]!.terminate();
    expect(exit).toEqual({ code: 0, signal: null });
    for (const [component, pid] of Object.entries(pids)) expect(isAlive(pid), `${component} (pid ${pid})`).toBe(false);
    expect(pidFiles()).toEqual({});
  });

  it('reuses the state on a second start, following moved ports', async () => {
    const before = readJson<DemoFile>(join(home, 'demo.json'));
    const ports = await freeStackPorts();
    const stack = startStackProcess(home, ports);
    running.push(stack);
    await stack.ready();
    expect(stack.output()).not.toContain('created the demo cluster');

    const after = readJson<DemoFile>(join(home, 'demo.json'));
    expect(after.tokens).toEqual(before.tokens);
    expect(after.members).toEqual(before.members);
    expect(after.apiUrl).toBe(`http://127.0.0.1:${ports.api}`);
    const moved = loadConfig(join(home, 'config.json'));
    expect(moved.temporal.address).toBe(`127.0.0.1:${ports.temporal}`);
    expect(moved.api.publicUrl).toBe(`http://localhost:${ports.api}`);
    expect((await fetch(after.temporalUiUrl)).status).toBe(200);
  });

  it('restarts the Temporal dev server when it dies, on the same SQLite file (a running workflow is still there), and still stops everything on SIGTERM', async () => {
    const stack = running[running.length - 1]!;
    const { apiUrl } = readJson<DemoFile>(join(home, 'demo.json'));
    const address = loadConfig(join(home, 'config.json')).temporal.address;
    // A workflow nobody works on: it stays running, so it must outlive the server's restart.
    const workflowId = `supervisor-test-${Date.now()}`;
    const connection = await Connection.connect({ address });
    try {
      await new Client({ connection }).workflow.start('supervisorTestWorkflow', { taskQueue: 'supervisor-test', workflowId });
    } finally {
      await connection.close();
    }

    const killed = pidFiles().temporal!;
    process.kill(killed, 'SIGKILL');
    await waitFor(() => /warning: the Temporal dev server exited on its own \(signal SIGKILL\): restarting it in 1 s; its log: \S+temporal\.log/.test(stack.output()), {
      timeoutMs: 30_000,
      description: 'the stack to say it restarts Temporal',
    });
    await waitFor(
      () => {
        const pid = pidFiles().temporal;
        return pid !== undefined && pid !== killed && isAlive(pid);
      },
      { timeoutMs: 90_000, description: 'a new Temporal pid in run/temporal.pid' },
    );
    await waitFor(
      async () => {
        const response = await fetch(`${apiUrl}/v1/health`).catch(() => null);
        return response?.status === 200 && ((await response.json()) as { temporal?: { reachable?: boolean } }).temporal?.reachable === true;
      },
      { timeoutMs: 90_000, intervalMs: 500, description: 'the API to reach the restarted Temporal' },
    );
    const again = await Connection.connect({ address });
    try {
      const handle = new Client({ connection: again }).workflow.getHandle(workflowId);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      await handle.terminate('test done');
    } finally {
      await again.close();
    }
    expect(stack.child.exitCode).toBeNull();

    const pids = pidFiles();
    expect(await stack.terminate()).toEqual({ code: 0, signal: null });
    for (const [component, pid] of Object.entries(pids)) expect(isAlive(pid), `${component} (pid ${pid})`).toBe(false);
    expect(pidFiles()).toEqual({});
  });
});
